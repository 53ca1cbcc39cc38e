"""check_formula on a deep graph answers in bounded time, or says in one line that the graph is too deep."""

import math
import time

import pytest

from microgr810 import Value, check_formula


def tanh_chain(n):
    x = Value(0.3, "x")
    v = x
    for _ in range(n):
        v = v.tanh()
    v.label = "o"
    return v


@pytest.mark.parametrize("n", [20, 150])
def test_a_deep_chain_gets_a_verdict_in_seconds(n):
    t = time.monotonic()
    v = check_formula(tanh_chain(n), "x", "1")  # wrong: the gradient is a product of n slopes below 1
    assert v.verdict == "wrong"
    assert time.monotonic() - t < 20  # generous: about 3 s here; a nest printed naively took 2^n
    want = 1.0
    t = 0.3
    for _ in range(n):
        t = math.tanh(t)
        want *= 1 - t * t  # the chain rule by hand
    assert v.mismatch[3] == pytest.approx(want, rel=1e-9)


@pytest.mark.parametrize("n", [400, 1000])
def test_a_chain_too_deep_for_sympy_is_one_clear_error(n):
    with pytest.raises(ValueError, match=r"too deep|more than 500"):
        check_formula(tanh_chain(n), "x", "1")


def test_a_short_chain_written_right_is_correct():
    x = Value(0.3, "x")
    t = x.tanh()
    t.label = "t"
    o = t.tanh()
    o.label = "o"
    assert check_formula(o, "x", "(1 - o**2)*(1 - t**2)").verdict == "correct"
