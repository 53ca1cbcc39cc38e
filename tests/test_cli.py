"""The `microgr810` command: outputs a user reads, and bad arguments as one line with status 2."""

import subprocess
import sys

import pytest

from microgr810.cli import main


def run(*args):
    return subprocess.run([sys.executable, "-m", "microgr810", *args], capture_output=True, text=True, timeout=300)


def test_dims(capsys):
    assert main(["dims", "--M", "3", "--H", "4"]) == 0
    out = capsys.readouterr().out
    assert "W1       4x3" in out and "b2    scalar" in out and "shapes compose" in out


@pytest.mark.parametrize("extra", [[], ["--batch", "4"], ["--y", "0.3", "--M", "2", "--H", "5"]])
def test_check_agrees_and_lists_every_parameter(capsys, extra):
    assert main(["check", *extra]) == 0
    out = capsys.readouterr().out
    assert "all gradients agree" in out
    M = int(extra[extra.index("--M") + 1]) if "--M" in extra else 3
    H = int(extra[extra.index("--H") + 1]) if "--H" in extra else 4
    rows = [line for line in out.splitlines() if line[:2] in ("W1", "b1", "W2", "b2")]
    assert len(rows) == H * M + H + H + 1


@pytest.mark.parametrize("args,needle", [
    (["check", "--M", "0"], "--M: expected a positive integer, got 0"),
    (["check", "--y", "2"], "--y: expected a number in [0, 1], got 2.0"),
    (["train", "--hidden", "16,x"], "expected layer sizes like 16,16"),
    (["train", "--lr", "-1"], "--lr: expected a positive number"),
    (["train", "--out", "/proc/no/such/dir", "--steps", "1"], "cannot write to the output folder"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
])
def test_bad_arguments_one_line_status_2(args, needle):
    r = run(*args)
    assert r.returncode == 2, r.stderr
    assert needle in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_train_reaches_full_accuracy_on_moons_and_writes_pngs(tmp_path):
    r = run("train", "--dataset", "moons", "--steps", "100", "--out", str(tmp_path), "--quiet")
    assert r.returncode == 0, r.stderr
    assert "training accuracy 100%" in r.stdout
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


def test_draw_unknown_parameter_is_one_line(tmp_path):
    r = run("draw", "-o", str(tmp_path / "g.svg"), "--highlight", "W7[0,0]")
    assert r.returncode == 2 and "unknown parameter 'W7[0,0]'" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_trace_prints_one_step_per_interior_node_from_zero(capsys):
    assert main(["trace", "--M", "2", "--H", "3"]) == 0
    out = capsys.readouterr().out
    assert "backward from L: 9 steps" in out            # L, z2, a2, and z1[h], a1[h] for 3 units
    assert "∂L/∂b2 += " in out and "(0 → " in out       # a fresh graph: every gradient starts at 0


def test_explain_agrees_with_the_reference_formula(capsys):
    assert main(["explain", "W1[1,0]", "--M", "2", "--H", "2"]) == 0
    out = capsys.readouterr().out
    assert "1 path from L to W1[1,0]" in out
    assert out.count(": agrees") == 2                    # the path sum and the hand formula


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


@pytest.mark.parametrize("args,needle", [
    (["check", "--seed", "-1"], "--seed: expected a non-negative integer, got -1"),
    (["draw", "--batch", "50", "--M", "8", "--H", "8", "-o", "/tmp/never.svg"], "more than max_nodes=40"),
    (["stepper", "--H", "200", "-o", "/tmp/never.html"], "more than max_steps=200"),
])
def test_library_refusals_are_one_line_status_2(args, needle):
    r = run(*args)
    assert r.returncode == 2 and needle in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def run_without_dot(*args):
    import os
    env = {**os.environ, "PATH": "/nonexistent"}   # no `dot` anywhere; python is called by its path
    return subprocess.run([sys.executable, "-m", "microgr810", *args], capture_output=True, text=True,
                          timeout=300, env=env)


def test_without_graphviz_draw_says_how_to_install_it(tmp_path):
    r = run_without_dot("draw", "-o", str(tmp_path / "g.svg"))
    assert r.returncode == 2 and "apt-get install graphviz" in r.stderr and "brew install graphviz" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = run_without_dot("draw", "-o", str(tmp_path / "g.dot"))      # DOT text needs no Graphviz
    assert r.returncode == 0 and (tmp_path / "g.dot").read_text().startswith("digraph")


def test_without_graphviz_the_demo_goes_on_with_the_dot_text(tmp_path):
    r = run_without_dot("demo", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "skipped the pictures" in r.stdout and "training accuracy 100%" in r.stdout
    assert (tmp_path / "reference-graph.dot").exists() and (tmp_path / "loss.png").exists()


def test_draw_writes_exactly_the_named_file_in_a_new_folder(tmp_path):
    from conftest import require_binary
    require_binary("dot", "apt-get install graphviz")
    out = tmp_path / "new" / "graph.svg"
    r = run("draw", "-o", str(out), "--format", "png")
    assert r.returncode == 0, r.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"     # the format asked for, under the name given
    assert sorted(p.name for p in out.parent.iterdir()) == ["graph.svg"]
