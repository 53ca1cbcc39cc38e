"""The `microgr810` command: outputs a user reads, and bad arguments as one line with status 2."""

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from microgr810.command.cli import main


def run(*args):
    return subprocess.run([sys.executable, "-m", "microgr810", *args], capture_output=True, text=True, timeout=300)


def test_dims(capsys):
    assert main(["dims", "--M", "3", "--H", "4"]) == 0
    out = capsys.readouterr().out
    assert "W1         4×3" in out and "b1         4×1" in out and "b2         1×1" in out
    assert "W2         1×4" in out and "x          3×1" in out and "shapes compose" in out


@pytest.mark.parametrize("extra", [[], ["--batch", "4"], ["--y", "0.3", "--M", "2", "--H", "5"]])
def test_check_agrees_and_lists_every_parameter(capsys, extra):
    assert main(["check", *extra]) == 0
    out = capsys.readouterr().out
    assert "all gradients agree" in out
    M = int(extra[extra.index("--M") + 1]) if "--M" in extra else 3
    H = int(extra[extra.index("--H") + 1]) if "--H" in extra else 4
    rows = [line for line in out.splitlines() if line[:2] in ("W1", "b1", "W2", "b2")]
    assert len(rows) == H * M + H + H + 1


@pytest.mark.parametrize(
    "args,needle",
    [
        (["check", "--M", "0"], "--M: expected a positive integer, got 0"),
        (["check", "--y", "2"], "--y: expected a number in [0, 1], got 2.0"),
        (["train", "--hidden", "16,x"], "expected layer sizes like 16,16"),
        (["train", "--lr", "-1"], "--lr: expected a positive finite number, got -1.0"),
        (["train", "--lr", "inf"], "--lr: expected a positive finite number, got inf"),
        (["train", "--lr", "nan"], "--lr: expected a positive finite number, got nan"),
        (["train", "--out", "/proc/no/such/dir", "--steps", "1"], "cannot write to the output folder"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_bad_arguments_one_line_status_2(args, needle):
    r = run(*args)
    assert r.returncode == 2, r.stderr
    assert needle in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_train_writes_the_loss_curve_and_the_decision_boundary(tmp_path, capsys):
    # a few steps: the demo's test below checks that the full 100 reach 100% accuracy
    assert main(["train", "--dataset", "xor", "--steps", "3", "--out", str(tmp_path), "--quiet"]) == 0
    assert "xor: MLP 2-16-16-1, 3 steps, final loss" in capsys.readouterr().out
    for name in ("loss.png", "decision_boundary.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("fmt", ["svg", "dot"])
def test_draw_writes_the_highlighted_graph(tmp_path, fmt):
    if fmt != "dot":
        from conftest import require_binary

        require_binary("dot", "apt-get install graphviz")
    out = tmp_path / f"graph.{fmt}"
    r = run("draw", "-o", str(out), "--highlight", "W1[0,1]")
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    for label in ("W1[0,1]", "b1[1]", "W2[0,1]", "b2", "a1[0]", "z1[0]", "a2", "z2", "L"):
        assert label.replace("[", "[") in text.replace("&#91;", "[").replace("&#93;", "]")


def test_draw_unknown_node_is_one_line(tmp_path):
    r = run("draw", "-o", str(tmp_path / "g.svg"), "--highlight", "W7[0,0]")
    assert r.returncode == 2 and "--highlight: no node named 'W7[0,0]' under 'L'" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def unescaped(text: str) -> str:
    return html.unescape(text)


def test_draw_past_a_box_per_node_draws_a_box_per_neuron_and_says_so(tmp_path):
    from conftest import require_binary

    require_binary("dot", "apt-get install graphviz")
    out = tmp_path / "big.svg"
    r = run("draw", "--M", "4", "--H", "8", "-o", str(out))  # 72 value nodes: past the 40 a box per node keeps legible
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("\n") == 1 and "72 value nodes" in r.stderr and "--collapse" in r.stderr
    svg = unescaped(out.read_text())
    # a box per neuron: 8 hidden ones and the output one, each titled by its formula
    assert len(re.findall(r"z1\[\d\] = σ\(W1\[\d,:\]·x \+ b1\[\d\]\)", svg)) == 8
    assert svg.count("z2 = σ(W2[0,:]·z1 + b2)") == 1
    r = run("draw", "--M", "4", "--H", "8", "--collapse", "-o", str(tmp_path / "asked.dot"))
    assert r.returncode == 0 and r.stderr == ""  # asked for: nothing to say


def test_draw_focus_draws_the_paths_to_one_node(tmp_path):
    out = tmp_path / "focus.dot"
    r = run("draw", "--M", "4", "--H", "8", "--focus", "W1[0, 1]", "-o", str(out))
    assert r.returncode == 0 and r.stderr == "", r.stderr
    dot = unescaped(out.read_text())
    # L -> z2 -> a2 -> z1[0] -> a1[0] -> W1[0,1]: 6 boxes of the 72 value nodes
    titles = re.findall(r"<B>([^<]*)</B>", dot)
    assert sorted(titles) == sorted(["W1[0,1]", "a1[0]", "z1[0]", "a2", "z2", "L"])
    assert "+ 66 other nodes" in dot


def test_draw_focus_on_no_such_node_is_one_line(tmp_path):
    r = run("draw", "--focus", "nosuch", "-o", str(tmp_path / "g.svg"))
    assert r.returncode == 2 and not (tmp_path / "g.svg").exists()
    assert r.stderr.startswith("microgr810 draw: error: --focus: no node named 'nosuch' under 'L'; its nodes are ")
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_version_is_the_package_version():
    import re

    import microgr810

    r = run("--version")
    assert r.returncode == 0 and r.stdout == f"microgr810 {microgr810.__version__}\n"
    assert re.fullmatch(r"\d+\.\d+\.\d+", microgr810.__version__)


def test_a_reader_that_stops_early_ends_the_command_quietly():
    """`microgr810 trace | head -3`: the pipe closes mid-output; no traceback, no 'Exception ignored'."""
    p = subprocess.Popen(
        [sys.executable, "-m", "microgr810", "trace", "--M", "4", "--H", "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    head = [p.stdout.readline() for _ in range(3)]
    p.stdout.close()  # more than a pipe's buffer (64 KiB) is still to come: the next write fails
    err = p.stderr.read().decode()
    p.wait(timeout=60)
    assert head[0].startswith(b"backward from L")
    assert err == "" and p.returncode in (0, 141)


def test_ctrl_c_ends_the_command_quietly_with_status_130(tmp_path):
    import signal

    # a child of a non-interactive shell may inherit SIGINT as ignored; give it the default, as a terminal does
    p = subprocess.Popen(
        [sys.executable, "-m", "microgr810", "train", "--steps", "1500", "-o", "never"],
        cwd=tmp_path,  # the folder is made: it is inside the current directory
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    err = ""
    while "training" not in err:  # the progress bar is up: training has started
        ch = p.stderr.read(1)
        assert ch, f"the command ended before training started: {err!r}"
        err += ch
    p.send_signal(signal.SIGINT)
    out, rest = p.communicate(timeout=60)
    assert p.returncode == 130
    assert "Traceback" not in rest and "KeyboardInterrupt" not in rest


def test_explain_takes_any_node_name_with_or_without_spaces(capsys):
    import re

    from microgr810.reference import ReferenceProblem

    from microgr810 import closed_form

    def grad_shown(name):
        assert main(["explain", name]) == 0
        out = capsys.readouterr().out
        return out, float(re.search(r"\.grad = (\S+)", out).group(1))

    p = ReferenceProblem.random(2, 2, seed=0, y=1.0)  # what the command builds by default
    hand = closed_form.gradients(p.W1, p.b1, p.W2, p.b2, p.x, p.y)
    spaced, plain = grad_shown("W1[0, 1]"), grad_shown("W1[0,1]")
    assert spaced == plain and plain[1] == pytest.approx(hand["W1"][0, 1], rel=1e-9)
    out, _ = grad_shown("x[0]")
    assert "2 paths from L to x[0]" in out  # x[0] feeds both hidden units
    # a1[h] = W1[h]·x + b1[h], so dL/da1[h] = dL/db1[h]: the derivation's (c)
    out, g = grad_shown("a1[1]")
    assert "1 path from L to a1[1]" in out and g == pytest.approx(hand["b1"][1], rel=1e-9)
    # the BCE loss: dL/dz2 = (z2 - y) / (z2 (1 - z2)), with z2 from the closed form's forward pass
    z2 = float(closed_form.sigmoid(p.W2 @ closed_form.sigmoid(p.W1 @ p.x + p.b1) + p.b2)[0])
    assert grad_shown("z2")[1] == pytest.approx((z2 - 1.0) / (z2 * (1 - z2)), rel=1e-9)


@pytest.mark.parametrize(
    "args", [["train", "--steps", "1", "--out"], ["train", "--steps", "1", "-o"], ["demo", "--out"], ["demo", "-o"]]
)
def test_an_existing_file_as_the_output_folder_is_one_line(tmp_path, args):
    f = tmp_path / "a-file"
    f.write_text("keep me")
    r = run(*args, str(f))
    assert r.returncode == 2 and r.stderr.strip() == (
        f"microgr810 {args[0]}: error: the output folder {f} is a file; name a folder (it is made if missing)"
    )
    assert f.read_text() == "keep me"


def test_trace_prints_one_step_per_interior_node_from_zero(capsys):
    assert main(["trace", "--M", "2", "--H", "3"]) == 0
    out = capsys.readouterr().out
    assert "backward from L: 9 steps" in out  # L, z2, a2, and z1[h], a1[h] for 3 units
    assert "∂L/∂b2 += " in out and "(0 → " in out  # a fresh graph: every gradient starts at 0


def test_explain_agrees_with_the_reference_formula(capsys):
    assert main(["explain", "W1[1,0]", "--M", "2", "--H", "2"]) == 0
    out = capsys.readouterr().out
    assert "1 path from L to W1[1,0]" in out
    assert out.count(": agrees") == 2  # the path sum and the hand formula


def test_stepper_writes_a_self_contained_page(tmp_path):
    out = tmp_path / "bp.html"
    r = run("stepper", "-o", str(out))
    assert r.returncode == 0, r.stderr
    html = out.read_text()
    assert html.lower().startswith("<!doctype html>") and "<svg" in html
    # SVG namespace names are identifiers, not fetched; any other URL would be a network request
    without_namespaces = html.replace("http://www.w3.org/2000/svg", "").replace("http://www.w3.org/1999/xlink", "")
    assert "http://" not in without_namespaces and "https://" not in without_namespaces


def test_demo_makes_every_file(tmp_path):
    r = run("demo", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "all gradients agree" in r.stdout and "training accuracy 100%" in r.stdout
    for name in ("reference-graph.svg", "backprop.html", "loss.png", "decision_boundary.png"):
        assert (tmp_path / name).stat().st_size > 1000, name


@pytest.mark.parametrize(
    "args,needle",
    [
        (["check", "--seed", "-1"], "--seed: expected a non-negative integer, got -1"),
        (
            ["draw", "--batch", "50", "--M", "8", "--H", "8", "-o", "/tmp/never.svg"],
            "boxes even with a box per neuron, past the 60 that stay legible; --focus NODE",
        ),
        (["stepper", "--H", "200", "-o", "/tmp/never.html"], "past the 200 a stepper shows; use a smaller --H"),
    ],
)
def test_library_refusals_are_one_line_status_2(args, needle):
    r = run(*args)
    assert r.returncode == 2 and needle in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def run_without_dot(*args):
    import os

    env = {**os.environ, "PATH": "/nonexistent"}  # no `dot` anywhere; python is called by its path
    return subprocess.run(
        [sys.executable, "-m", "microgr810", *args], capture_output=True, text=True, timeout=300, env=env
    )


def test_without_graphviz_draw_says_how_to_install_it(tmp_path):
    r = run_without_dot("draw", "-o", str(tmp_path / "g.svg"))
    assert r.returncode == 2 and "apt-get install graphviz" in r.stderr and "brew install graphviz" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = run_without_dot("draw", "-o", str(tmp_path / "g.dot"))  # DOT text needs no Graphviz
    assert r.returncode == 0 and (tmp_path / "g.dot").read_text().startswith("digraph")


def test_without_graphviz_the_demo_goes_on_with_the_dot_text(tmp_path, monkeypatch, capsys):
    from microgr810.command import train

    monkeypatch.setenv("PATH", "/nonexistent")  # no `dot` anywhere
    trained = []
    # the training is test_demo_makes_every_file's; here it is enough that the demo gets there
    monkeypatch.setattr(train, "run", lambda args: trained.append(args.out) or 0)
    assert main(["demo", "--out", str(tmp_path)]) == 0
    assert "skipped the pictures" in capsys.readouterr().out and trained == [str(tmp_path)]
    assert (tmp_path / "reference-graph.dot").read_text().startswith("digraph")
    assert not (tmp_path / "reference-graph.svg").exists() and not (tmp_path / "backprop.html").exists()


def test_draw_writes_exactly_the_named_file_in_a_new_folder(tmp_path):
    from conftest import require_binary

    require_binary("dot", "apt-get install graphviz")
    out = tmp_path / "new" / "graph.svg"
    r = subprocess.run(  # a missing folder is made inside the current directory
        [sys.executable, "-m", "microgr810", "draw", "-o", "new/graph.svg", "--format", "png"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
    )
    assert r.returncode == 0, r.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # the format asked for, under the name given
    assert sorted(p.name for p in out.parent.iterdir()) == ["graph.svg"]
