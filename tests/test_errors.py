"""Every row of docs/errors.md: the bad input, the exception type, and a message naming what was wrong.

Each case has the id of its row in the catalogue; a test checks that the two lists are the same,
so neither can grow without the other. Rows marked `bug` expect the fixed behaviour and are strict
xfails until the owner of the file applies the fix.
"""

import contextlib
import io
import math
import re
import tempfile
from pathlib import Path

import numpy as np
import pytest
from microgr810.losses import bce, bce_with_logits, hinge, mse
from microgr810.nn import MLP, Layer, Neuron
from microgr810.optim import SGD, Adam
from microgr810.reference import ReferenceProblem

from microgr810 import animate, closed_form, data, explain, stepper, trace_backward
from microgr810.adapters.serialize import ModelFileError
from microgr810.command.cli import main
from microgr810.core.engine import Value, add_n, linear, topological_order
from microgr810.core.train import train
from microgr810.pictures.draw import draw
from microgr810.teaching.gradcheck import gradcheck

CATALOGUE = Path(__file__).parents[1] / "docs" / "errors.md"
nan = math.nan


class CommandFailed(Exception):
    """A command that exited non-zero: its message is what it printed on stderr."""


def cli(*argv: str) -> None:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(list(argv))
        except SystemExit as e:
            code = e.code
    if code != 0:
        raise CommandFailed(f"exit {code}: " + " / ".join(err.getvalue().splitlines()))


def tmp(name: str) -> str:
    return str(Path(tempfile.mkdtemp()) / name)


_REUSE = {}


def reuse() -> Value:
    """b = a * a: two paths from b to the leaf a."""
    _REUSE["a"] = a = Value(1.5, "a")
    return a * a


def chain(n: int) -> Value:
    """x · 1.01 · 1.01 ... n times: a graph n ops long."""
    y = Value(1.0, "x")
    for _ in range(n):
        y = y * 1.01
    return y


def reuse_leaf() -> Value:
    return _REUSE["a"]


def is_nan(v) -> bool:
    v = v.data if isinstance(v, Value) else v
    return v != v


def arrays(W1=(4, 3), b1=(4,), W2=(1, 4), b2=()):
    return {"W1": np.zeros(W1), "b1": np.zeros(b1), "W2": np.zeros(W2), "b2": np.zeros(b2)}


def model_file(text: str) -> str:
    d = Path(tempfile.mkdtemp())
    (d / "m.json").write_text(text)
    return str(d / "m.json")


def saved_then(edit) -> str:
    """A valid file of MLP(3, [2, 1]) with its text edited."""
    d = Path(tempfile.mkdtemp())
    MLP(3, [2, 1], "sigmoid", "sigmoid", seed=0).save(d / "m.json")
    (d / "m.json").write_text(edit((d / "m.json").read_text()))
    return str(d / "m.json")


def nan_net() -> MLP:
    net = MLP(3, [2, 1], "sigmoid", "sigmoid", seed=0)
    net.parameters()[0].data = nan
    return net


def out_folder_under_a_file() -> str:
    f = Path(tempfile.mkdtemp()) / "a-file"
    f.write_text("")
    return str(f / "out")


# (id, call, exception type or None for "no error: NaN out", regex the message must match, bug reason)


class Malformed(Exception):
    """A malformed Verdict, raised here so the catalogue's rows can match its diagnosis like an error."""


CASES = [
    # engine
    ("value-data-type", lambda: Value("1.5"), TypeError, r"Value data must be a real number, got str: '1\.5'", None),
    ("value-data-bool", lambda: Value(True), TypeError, r"Value data must be a real number, got bool", None),
    ("value-data-complex", lambda: Value(1j), TypeError, r"Value data must be a real number, got complex", None),
    ("value-data-nan", lambda: is_nan(Value(nan).exp()), None, "", None),
    ("operand-type", lambda: Value(1.0) + "2", TypeError, r"Value operand must be a real number, got str: '2'", None),
    ("operand-list", lambda: [2.0] * Value(1.0), TypeError, r"Value operand must be a real number, got list", None),
    ("exponent-type", lambda: Value(2.0) ** "2", TypeError, r"Value exponent must be a real number, got str", None),
    (
        "log-non-positive",
        lambda: Value(-1.0, "a2").log(),
        ValueError,
        r"log of a non-positive value: 'a2' is -1\.0",
        None,
    ),
    ("division-by-zero", lambda: Value(1.0) / Value(0.0, "d"), ZeroDivisionError, r"the denominator 'd' is 0", None),
    (
        "zero-to-negative-power",
        lambda: Value(0.0, "z") ** -1,
        ZeroDivisionError,
        r"0 raised to the negative power -1\.0: 'z' is 0",
        None,
    ),
    (
        "negative-to-fractional-power",
        lambda: Value(-4.0, "a") ** 0.5,
        ValueError,
        r"negative base to a fractional power has no real value: 'a' is -4\.0, exponent 0\.5",
        None,
    ),
    (
        "negative-base-value-exponent",
        lambda: Value(-2.0, "a") ** Value(2.0),
        ValueError,
        r"needs a base >= 0 .*the base 'a' is -2\.0",
        None,
    ),
    (
        "linear-lengths",
        lambda: linear([Value(1.0)], [1.0, 2.0], Value(0.0)),
        ValueError,
        r"linear: 1 weights but 2 inputs",
        None,
    ),
    ("linear-weight-type", lambda: linear([1.0], [2.0], Value(0.0)), TypeError, r"linear: .*weight.* float", None),
    ("add-n-empty", lambda: add_n([]), ValueError, r"add_n needs at least one value", None),
    ("add-n-type", lambda: add_n(["a"]), TypeError, r"Value operand must be a real number, got str: 'a'", None),
    ("topological-order-type", lambda: topological_order(3), TypeError, r"root must be a Value, got int", None),
    # nn
    ("activation-unknown", lambda: MLP(2, [3, 1], "gelu"), ValueError, r"unknown activation 'gelu'", None),
    ("activation-unknown-unused", lambda: MLP(2, [1], "gelu"), ValueError, r"unknown activation 'gelu'", None),
    ("mlp-nin", lambda: MLP(0, [1]), ValueError, r"nin must be a positive integer, got 0", None),
    ("mlp-nouts-empty", lambda: MLP(2, []), ValueError, r"nouts must name at least one layer size", None),
    ("mlp-nouts-type", lambda: MLP(2, 3), TypeError, r"nouts must be a list of layer sizes, got int", None),
    (
        "mlp-scalar",
        lambda: MLP(2, [3, 2]).scalar([1.0, 2.0]),
        ValueError,
        r"scalar\(\) needs a one-neuron output layer; this MLP has 2 outputs",
        None,
    ),
    (
        "layer-of-zero-neurons",
        lambda: MLP(2, [3, 0]),
        ValueError,
        r"layer 2: nout must be a positive integer, got 0",
        None,
    ),
    ("layer-nin", lambda: Layer(0, 2), ValueError, r"layer 1: nin must be a positive integer, got 0", None),
    ("neuron-nin", lambda: Neuron(0), ValueError, r"nin must be a positive integer, got 0", None),
    ("input-length", lambda: MLP(3, [1])([1.0, 2.0]), ValueError, r"the MLP takes 3 inputs, got 2", None),
    ("neuron-input-length", lambda: Neuron(3)([1.0]), ValueError, r"neuron a1 takes 3 inputs, got 1", None),
    ("input-type", lambda: MLP(2, [1])(["a", 1.0]), TypeError, r"Value data must be a real number, got str: 'a'", None),
    ("input-nan", lambda: is_nan(MLP(2, [1], seed=0)([nan, 1.0])), None, "", None),
    (
        "set-arrays-missing",
        lambda: MLP(3, [4, 1]).set_arrays(W1=np.zeros((4, 3))),
        ValueError,
        r"missing \['b1', 'W2', 'b2'\]",
        None,
    ),
    (
        "set-arrays-unknown",
        lambda: MLP(3, [4, 1]).set_arrays(arrays(), W3=np.zeros(1)),
        ValueError,
        r"unknown \['W3'\]",
        None,
    ),
    (
        "set-arrays-shape",
        lambda: MLP(3, [4, 1]).set_arrays(arrays(W1=(3, 4))),
        ValueError,
        r"W1 must have shape \(4, 3\), got \(3, 4\)",
        None,
    ),
    (
        "set-arrays-dtype",
        lambda: MLP(3, [4, 1]).set_arrays({**arrays(), "b1": np.array(list("abcd"))}),
        TypeError,
        r"b1 must hold real numbers, got dtype <U1",
        None,
    ),
    (
        "set-arrays-nan",
        lambda: is_nan(MLP(3, [4, 1]).set_arrays({**arrays(), "b2": nan})([1.0, 2.0, 3.0])),
        None,
        "",
        None,
    ),
    (
        "reference-W1-ndim",
        lambda: MLP.reference([1.0, 2.0], [0.0], [[1.0]], 0.0),
        ValueError,
        r"W1 must be a 2-D H×M array, got shape \(2,\)",
        None,
    ),
    (
        "reference-shape",
        lambda: MLP.reference(np.zeros((2, 3)), np.zeros(3), np.zeros((1, 2)), 0.0),
        ValueError,
        r"b1 must have shape \(2,\), got \(3,\)",
        None,
    ),
    # drawings
    ("draw-type", lambda: draw(3.0), TypeError, r"draw needs a Value, got float", None),
    (
        "draw-rankdir",
        lambda: draw(Value(1.0), rankdir="up"),
        ValueError,
        r"rankdir must be one of LR, RL, TB, BT, got 'up'",
        None,
    ),
    (
        "draw-too-big",
        lambda: draw(add_n([Value(1.0)] * 3), max_nodes=1),
        ValueError,
        r"has 2 value nodes, more than max_nodes=1.*draw\(root, max_nodes=2\)",
        None,
    ),
    (
        "draw-highlight-unknown",
        lambda: draw(Value(1.0, "a"), highlight="W9"),
        ValueError,
        r"^highlight: no node named 'W9' under 'a'; its nodes are a$",
        None,
    ),
    # serialize
    (
        "save-path-type",
        lambda: MLP(2, [1]).save(7),
        TypeError,
        r"MLP\.save: path must be a str or os\.PathLike, got int",
        None,
    ),
    (
        "save-nan",
        lambda: nan_net().save(Path(tempfile.mkdtemp()) / "m.json"),
        ModelFileError,
        r"parameter W1\[0,0\] is nan",
        None,
    ),
    (
        "load-path-type",
        lambda: MLP.load(None),
        TypeError,
        r"MLP\.load: path must be a str or os\.PathLike, got NoneType",
        None,
    ),
    ("load-missing", lambda: MLP.load("/nonexistent/m.json"), FileNotFoundError, r"/nonexistent/m\.json", None),
    (
        "load-truncated",
        lambda: MLP.load(saved_then(lambda t: t[: len(t) // 2])),
        ModelFileError,
        r"not valid JSON \(truncated or corrupted\?\)",
        None,
    ),
    (
        "load-wrong-shape",
        lambda: MLP.load(saved_then(lambda t: t.replace('"nin": 3', '"nin": 4'))),
        ModelFileError,
        r"W1\[0\] must be a list of 4 numbers, got a list of 3",
        None,
    ),
    (
        "load-wrong-type",
        lambda: MLP.load(saved_then(lambda t: re.sub(r'"b2": [^\n]*', '"b2": "0.5"', t))),
        ModelFileError,
        r"b2 must be a number, got str '0\.5'",
        None,
    ),
    (
        "load-nan",
        lambda: MLP.load(saved_then(lambda t: re.sub(r'"b2": [^\n]*', '"b2": NaN', t))),
        ModelFileError,
        r"NaN is not allowed",
        None,
    ),
    (
        "load-deep-nesting",
        lambda: MLP.load(model_file("[" * 5000 + "]" * 5000)),
        ModelFileError,
        r"nesting 5000 levels deep",
        None,
    ),
    (
        "load-too-many-entries",
        lambda: MLP.load(model_file("[" + "0," * 3_000_000 + "0]")),
        ModelFileError,
        r"too many entries",
        None,
    ),
    (
        "load-not-a-model",
        lambda: MLP.load(model_file('{"format": "pickle"}')),
        ModelFileError,
        r"not a microgr810 model file",
        None,
    ),
    # losses
    (
        "bce-target-range",
        lambda: bce(Value(0.0).sigmoid(), 1.5),
        ValueError,
        r"bce: target y must be in \[0, 1\], got 1\.5",
        None,
    ),
    (
        "bce-target-type",
        lambda: bce(Value(0.0).sigmoid(), "1"),
        TypeError,
        r"Value target must be a real number, got str: '1'",
        None,
    ),
    (
        "bce-prediction-range",
        lambda: bce(Value(1.5, "y_hat"), 1.0),
        ValueError,
        r"bce: the prediction 'y_hat' is 1\.5, outside \(0, 1\)",
        None,
    ),
    (
        "bce-batch-lengths",
        lambda: bce([Value(0.5), Value(0.5)], [1.0]),
        ValueError,
        r"bce: need as many targets as predictions .*got 2 predictions and 1 targets",
        None,
    ),
    ("bce-batch-empty", lambda: bce([], []), ValueError, r"got 0 predictions and 0 targets", None),
    (
        "bce-logits-target",
        lambda: bce_with_logits(Value(0.0), 2.0),
        ValueError,
        r"bce_with_logits: target y must be in \[0, 1\], got 2\.0",
        None,
    ),
    ("bce-nan", lambda: is_nan(bce(Value(nan).sigmoid(), 1.0)), None, "", None),
    ("loss-target-nan", lambda: all(is_nan(f(Value(0.5), nan)) for f in (mse, bce, hinge)), None, "", None),
    # step by step
    ("trace-type", lambda: trace_backward(3), TypeError, r"trace_backward: root must be a Value, got int: 3", None),
    (
        "explain-unknown",
        lambda: explain(reuse(), "zz"),
        ValueError,
        r"explain: no node named 'zz' under 't1'; its nodes are a, t1$",
        None,
    ),
    (
        "explain-ambiguous",
        lambda: explain(bce([Value(0.1, "a2").sigmoid() for _ in range(3)], [1.0] * 3), "a2"),
        ValueError,
        r"explain: 3 nodes are labelled 'a2' under 'L': name one \(a2\[n=0\], a2\[n=1\], a2\[n=2\]\)",
        None,
    ),
    (
        "explain-too-many-paths",
        lambda: explain(reuse(), reuse_leaf(), max_paths=1),
        ValueError,
        r"explain: 2 paths lead from .* to 'a', more than max_paths=1",
        None,
    ),
    (
        "stepper-too-long",
        lambda: stepper(reuse() + 1.0, max_steps=1),
        ValueError,
        r"stepper: backward from .* takes 2 steps, more than max_steps=1",
        None,
    ),
    (
        "animate-too-many-steps",
        lambda: animate(reuse() * 2, tmp("b.gif"), max_steps=1),
        ValueError,
        r"animate: backward from 't2' takes 2 steps, more than max_steps=1",
        None,
    ),
    (
        "animate-width",
        lambda: animate(reuse(), tmp("b.gif"), width=100),
        ValueError,
        r"animate: width must be a whole number of pixels, at least 200, got 100",
        None,
    ),
    (
        "animate-no-slide",
        lambda: animate(chain(30), tmp("b.gif")),
        ValueError,
        r"animate: the graph under 't30' makes no slide: left to right it is \d+ inches wide: .* under 9 px .*; "
        r"top to bottom it is too tall for a slide",
        None,
    ),
    ("hinge-target", lambda: hinge(Value(0.5), 0.5), ValueError, r"hinge: target y must be -1 or \+1, got 0\.5", None),
    # closed form, gradcheck, reference problem, data, optimiser
    ("dimensions-size", lambda: closed_form.dimensions(0, 2), ValueError, r"M must be a positive integer, got 0", None),
    (
        "closed-form-W1",
        lambda: closed_form.forward(np.zeros(3), np.zeros(3), np.zeros((1, 3)), 0.0, np.zeros(3)),
        ValueError,
        r"W1 must be H×M, got shape \(3,\)",
        None,
    ),
    (
        "closed-form-shape",
        lambda: closed_form.forward(np.zeros((2, 3)), np.zeros(3), np.zeros((1, 2)), 0.0, np.zeros(3)),
        ValueError,
        r"b1 must have shape \(2,\) for W1 of shape \(2, 3\), got \(3,\)",
        None,
    ),
    (
        "closed-form-x",
        lambda: closed_form.forward(np.zeros((2, 3)), np.zeros(2), np.zeros((1, 2)), 0.0, [1.0, 2.0]),
        ValueError,
        r"x must have shape \(M,\) or \(N, M\) with M = 3, got \(2,\)",
        None,
    ),
    (
        "closed-form-y",
        lambda: closed_form.gradients(
            np.zeros((2, 3)), np.zeros(2), np.zeros((1, 2)), 0.0, np.zeros((4, 3)), [1.0, 0.0]
        ),
        ValueError,
        r"y must have one target per datapoint \(4\)",
        None,
    ),
    (
        "gradcheck-eps",
        lambda: gradcheck(lambda: Value(1.0), [], eps=0.0),
        ValueError,
        r"eps must be positive, got 0\.0",
        None,
    ),
    (
        "reference-random-size",
        lambda: ReferenceProblem.random(M=0),
        ValueError,
        r"M must be a positive integer, got 0",
        None,
    ),
    (
        "reference-random-y",
        lambda: ReferenceProblem.random(y=2.0),
        ValueError,
        r"y must be in \[0, 1\], got 2\.0",
        None,
    ),
    (
        "reference-random-batch",
        lambda: ReferenceProblem.random(batch=0),
        ValueError,
        r"batch must be a positive integer, got 0",
        None,
    ),
    ("data-n", lambda: data.moons(1), ValueError, r"n must be an integer >= 2, got 1", None),
    ("data-noise", lambda: data.xor(noise=-1.0), ValueError, r"noise must be >= 0, got -1\.0", None),
    (
        "train-dataset",
        lambda: train("spiral", progress=False),
        ValueError,
        r"unknown dataset 'spiral'; choose one of moons, xor, circles",
        None,
    ),
    ("train-steps", lambda: train(steps=0, progress=False), ValueError, r"steps must be positive, got 0", None),
    ("sgd-lr", lambda: SGD([], lr=0), ValueError, r"SGD: the learning rate must be positive, got 0", None),
    (
        "sgd-lr-type",
        lambda: SGD([], lr="0.1"),
        TypeError,
        r"SGD: the learning rate must be a real number, got str",
        None,
    ),
    ("sgd-lr-inf", lambda: SGD([], lr=math.inf), ValueError, r"SGD: the learning rate must be finite, got inf", None),
    ("optim-not-a-value", lambda: SGD([1.0]), TypeError, r"SGD: parameter 0 must be a Value, got float", None),
    ("adam-lr", lambda: Adam([], lr=-1e-3), ValueError, r"Adam: the learning rate must be positive, got -0\.001", None),
    (
        "adam-betas",
        lambda: Adam([], betas=(0.9, 1.0)),
        ValueError,
        r"Adam: betas must each be in \[0, 1\), got \(0\.9, 1\.0\)",
        None,
    ),
    (
        "adam-betas-type",
        lambda: Adam([], betas=0.9),
        TypeError,
        r"Adam: betas must be a pair of numbers, got 0\.9",
        None,
    ),
    (
        "adam-eps",
        lambda: Adam([], eps=-1.0),
        ValueError,
        r"Adam: eps and weight_decay must be >= 0, got eps=-1\.0, weight_decay=0\.0",
        None,
    ),
    # the command
    (
        "cli-not-positive",
        lambda: cli("check", "--M", "0"),
        CommandFailed,
        r"exit 2: .*argument --M: expected a positive integer, got 0",
        None,
    ),
    (
        "cli-not-a-number",
        lambda: cli("check", "--H", "abc"),
        CommandFailed,
        r"exit 2: .*argument --H: expected a positive integer, got 'abc'",
        None,
    ),
    (
        "cli-y-range",
        lambda: cli("check", "--y", "2"),
        CommandFailed,
        r"exit 2: .*argument --y: expected a number in \[0, 1\], got 2\.0",
        None,
    ),
    (
        "cli-unknown-option",
        lambda: cli("check", "--W3", "1"),
        CommandFailed,
        r"exit 2: .*unrecognized arguments: --W3 1",
        None,
    ),
    ("cli-unknown-command", lambda: cli("bogus"), CommandFailed, r"exit 2: .*invalid choice: 'bogus'", None),
    (
        "cli-out-folder",
        lambda: cli("demo", "--out", out_folder_under_a_file()),
        CommandFailed,
        r"exit 2: microgr810 demo: error: cannot write to the output folder .*a-file/out: .*a-file is a file, not a folder",
        None,
    ),
    (
        "cli-draw-unknown-node",
        lambda: cli("draw", "--highlight", "W9[0,0]", "-o", tmp("g.svg")),
        CommandFailed,
        r"exit 2: microgr810 draw: error: --highlight: no node named 'W9\[0,0\]' under 'L'; its nodes are W2\[0,0\], "
        r"W1\[0,0\], .*\(18 names\)$",
        None,
    ),
    (
        "cli-draw-focus-unknown",
        lambda: cli("draw", "--focus", "nosuch", "-o", tmp("g.svg")),
        CommandFailed,
        r"exit 2: microgr810 draw: error: --focus: no node named 'nosuch' under 'L'; its nodes are W2\[0,0\], .*\(18 names\)$",
        None,
    ),
    (
        "cli-draw-too-big",
        lambda: cli("draw", "--M", "32", "--H", "32", "-o", tmp("g.dot")),
        CommandFailed,
        r"exit 2: microgr810 draw: error: M=32, H=32: 66 boxes even with a box per neuron, past the 60 that stay legible; "
        r"--focus NODE",
        None,
    ),
    (
        "cli-draw-focus-too-big",
        lambda: cli("draw", "--M", "32", "--H", "32", "--focus", "x[0]", "-o", tmp("g.dot")),
        CommandFailed,
        r"exit 2: microgr810 draw: error: M=32, H=32: the chain-rule paths to x\[0\] pass through 68 boxes, "
        r"past the 40 that stay legible; add --collapse",
        None,
    ),
    (
        "cli-draw-output-folder",
        lambda: cli("draw", "-o", tempfile.gettempdir()),
        CommandFailed,
        r"exit 2: microgr810 draw: error: .* is a folder; name the file to write, e\.g\. .*graph\.svg",
        None,
    ),
    (
        "cli-draw-format",
        lambda: cli("draw", "-o", tmp("g.gif")),
        CommandFailed,
        r"exit 2: microgr810 draw: error: unknown format 'gif'; use svg, png, pdf or dot",
        None,
    ),
    (
        "cli-explain-unknown-node",
        lambda: cli("explain", "W9[0,0]"),
        CommandFailed,
        r"exit 2: microgr810 explain: error: no node named 'W9\[0,0\]' under 'L'; its nodes are W2\[0,0\], ",
        None,
    ),
    (
        "cli-explain-batch-input",
        lambda: cli("explain", "x[0]", "--batch", "3"),
        CommandFailed,
        r"exit 2: microgr810 explain: error: 3 nodes are labelled 'x\[0\]' under 'L': name one "
        r"\(x\[0\]\[n=0\], x\[0\]\[n=1\], x\[0\]\[n=2\]\)$",
        None,
    ),
    (
        "cli-stepper-unwritable",
        lambda: cli("stepper", "-o", str(Path(out_folder_under_a_file()).parent / "page.html")),
        CommandFailed,
        r"exit 2: microgr810 stepper: error: cannot write .*a-file/page\.html: .*a-file is a file, not a folder",
        None,
    ),
    (
        "cli-trace-size",
        lambda: cli("trace", "--H", "-1"),
        CommandFailed,
        r"exit 2: microgr810 trace: error: argument --H: expected a positive integer, got -1",
        None,
    ),
    (
        "cli-check-too-big",
        lambda: cli("check", "--M", "300", "--H", "300"),
        CommandFailed,
        r"exit 2: microgr810 check: error: M=300, H=300: the finite-difference check would run the forward pass "
        r"181,202 times \(twice per weight\), about .* here, past the limit of about 20 s",
        None,
    ),
    (
        "cli-trace-too-long",
        lambda: cli("trace", "--M", "300", "--H", "300"),
        CommandFailed,
        r"exit 2: microgr810 trace: error: M=300, H=300: the trace would print 181,807 rows, past the limit of 15,000",
        None,
    ),
    (
        "cli-train-hidden",
        lambda: cli("train", "--hidden", "0,3"),
        CommandFailed,
        r"exit 2: microgr810 train: error: argument --hidden: layer sizes must be positive integers, got '0,3'",
        None,
    ),
    (
        "cli-train-lr",
        lambda: cli("train", "--lr", "-1"),
        CommandFailed,
        r"exit 2: microgr810 train: error: argument --lr: expected a positive finite number, got -1\.0",
        None,
    ),
    (
        "cli-train-lr-inf",
        lambda: cli("train", "--lr", "inf"),
        CommandFailed,
        r"exit 2: microgr810 train: error: argument --lr: expected a positive finite number, got inf",
        None,
    ),
    (
        "cli-out-is-a-file",
        lambda: cli("train", "--out", str(Path(out_folder_under_a_file()).parent)),
        CommandFailed,
        r"exit 2: microgr810 train: error: the output folder .* is a file; name a folder \(it is made if missing\)",
        None,
    ),
    (
        "cli-train-dataset",
        lambda: cli("train", "--dataset", "spiral"),
        CommandFailed,
        r"exit 2: microgr810 train: error: argument --dataset: invalid choice: 'spiral'",
        None,
    ),
    (
        "cli-grade-hostile",
        lambda: cli("grade", "b2", "(lambda: 0)()"),
        CommandFailed,
        r"exit 2: microgr810 grade: error: the call \(lambda: 0\)\(\.\.\.\) is not allowed",
        None,
    ),
    (
        "cli-check-layers",
        lambda: cli("check", "--layers", "3,4"),
        CommandFailed,
        r"exit 2: microgr810 check: error: argument --layers: expected sizes from the inputs to one output",
        None,
    ),
    # derivations and formulas (sympy is imported by these cases only)
    (
        "derive-unknown-node",
        lambda: _derive()(_reference_loss(), "nope"),
        ValueError,
        r"derive: no node named 'nope' under 'L'; its nodes are W2\[0,0\], ",
        None,
    ),
    (
        "derive-too-many-paths",
        lambda: _derive()(*_doubling(10)),
        ValueError,
        r"1024 paths lead from .* to 'x', more than max_paths=256",
        None,
    ),
    (
        "formula-not-allowed",
        lambda: _grade()("b2", "__import__('os').system('id')"),
        Malformed,
        r"the call __import__\('os'\)\.system\(\.\.\.\) is not allowed",
        None,
    ),
    (
        "formula-attribute",
        lambda: _grade()("b2", "z2.__class__"),
        Malformed,
        r"attribute access \(z2\.__class__\) is not allowed",
        None,
    ),
    ("formula-unknown-name", lambda: _grade()("b2", "q - y"), Malformed, r"unknown name 'q'", None),
    (
        "formula-index-range",
        lambda: _grade()("W1[h,m]", "x[7]", M=2, H=3),
        Malformed,
        r"x\[7\] is out of range: x is 2 here",
        None,
    ),
    ("formula-size", lambda: _grade()("b2", "z2 - y", M=65), Malformed, r"M must be a whole number from 1 to 64", None),
    ("grade-unknown-parameter", lambda: _grade()("W7[h]", "z2"), Malformed, r"unknown parameter 'W7\[h\]'", None),
    (
        "check-formula-unknown-name",
        lambda: _check_formula()(Value(2.0, "w1") * 3.0, "w1", "z2"),
        Malformed,
        r"no node named 'z2' in this graph",
        None,
    ),
    (
        "backprop-loss",
        lambda: closed_form.backprop(_reference_arrays(), np.ones((1, 2)), [1.0], loss="hinge"),
        ValueError,
        r"unknown loss 'hinge'; choose bce or mse",
        None,
    ),
    (
        "backprop-bce-output",
        lambda: closed_form.backprop(_reference_arrays(), np.ones((1, 2)), [1.0], output_activation="tanh"),
        ValueError,
        r"bce needs a probability: the output activation must be sigmoid, got 'tanh'",
        None,
    ),
]


def _derive():
    from microgr810.teaching.derive import derive

    return derive


def _raising(f):
    def call(*args, **kwargs):
        v = f(*args, **kwargs)
        if v.verdict == "malformed":
            raise Malformed(v.diagnosis)
        return v

    return call


def _grade():
    from microgr810.teaching.grade import grade

    return _raising(grade)


def _check_formula():
    from microgr810.teaching.grade import check_formula

    return _raising(check_formula)


def _reference_loss() -> Value:
    p = ReferenceProblem.random(2, 2, seed=0, y=1.0)
    return p.loss(p.network())


def _doubling(n: int) -> tuple[Value, Value]:
    """v = x, then v = v·v n times: 2^n paths from the top down to x."""
    x = v = Value(1.1, "x")
    for _ in range(n):
        v = v * v
    return v, x


def _reference_arrays() -> dict:
    return {"W1": np.ones((2, 2)), "b1": np.zeros(2), "W2": np.ones((1, 2)), "b2": np.array(0.0)}


def params():
    for case_id, fn, exc, match, bug in CASES:
        marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
        yield pytest.param(fn, exc, match, id=case_id, marks=marks)


@pytest.mark.parametrize("fn, exc, match", list(params()))
def test_bad_input_gets_the_catalogued_error(fn, exc, match, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the cases' files go where pytest cleans up
    if exc is None:  # the catalogue says: no error, NaN comes out
        assert fn() is True
        return
    with pytest.raises(exc, match=match):
        fn()


def test_the_catalogue_and_the_tests_list_the_same_rows():
    text = CATALOGUE.read_text(encoding="utf-8")
    documented = re.findall(r"^\| `([A-Za-z0-9-]+)` \|", text, flags=re.M)
    assert len(documented) == len(set(documented)), "a row id appears twice in docs/errors.md"
    tested = [c[0] for c in CASES]
    assert len(tested) == len(set(tested))
    assert set(documented) == set(tested), (
        f"in the docs only: {sorted(set(documented) - set(tested))}; "
        f"tested only: {sorted(set(tested) - set(documented))}"
    )
    bugs = set(re.findall(r"^\| `([A-Za-z0-9-]+)` \|.*\*\*bug\*\*", text, flags=re.M))
    assert bugs == {c[0] for c in CASES if c[4]}, "rows marked **bug** in the docs must be the xfail cases"
