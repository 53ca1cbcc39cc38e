"""Big sizes on the command line: check and trace refuse past their stated limits, in one line, at once."""

import time

from microgr810.command.check import CHECK_SECONDS
from microgr810.command.cli import main
from microgr810.command.trace import TRACE_ROWS


def refused(capsys, *argv):
    start = time.perf_counter()
    assert main(list(argv)) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    return err, time.perf_counter() - start


def test_check_300_by_300_is_refused_with_advice_not_run_for_hours(capsys):
    err, seconds = refused(capsys, "check", "--M", "300", "--H", "300")
    # 300·300 + 300 + 300 + 1 = 90,601 weights, two forward passes each
    assert "M=300, H=300: the finite-difference check would run the forward pass 181,202 times" in err
    assert "past the limit of about 20 s" in err and "microgr810 explain PARAM" in err
    assert seconds < 3  # counted from the flags: nothing is built


def test_check_counts_a_batch(capsys):
    err, _ = refused(capsys, "check", "--M", "30", "--H", "30", "--batch", "50")
    assert "batch 50" in err and "or a smaller --batch" in err


def test_trace_300_by_300_is_refused(capsys):
    err, _ = refused(capsys, "trace", "--M", "300", "--H", "300")
    # by hand: 603 steps (H a1, H z1, a2, z2, L), inputs H(2M+1) + H + (2H+1) + 1 + 1 = 181,203, one title row
    assert "the trace would print 181,807 rows, past the limit of 15,000" in err


def test_the_limits_leave_the_documented_sizes_in():
    assert CHECK_SECONDS == 20.0 and TRACE_ROWS == 15_000
    # trace at M = H = 85 prints 14,967 rows by the count above: under the limit (under 1 s of printing)
    H = M = 85
    assert H * (2 * M + 1) + H + (2 * H + 1) + 2 + (2 * H + 3) + 1 == 14_967 <= TRACE_ROWS


def test_trace_under_the_limit_prints(capsys):
    assert main(["trace", "--M", "2", "--H", "2", "--batch", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("backward from L: 23 steps") and "a2[n=2]" in out
