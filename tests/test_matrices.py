"""The matrix view, the vectorised-gradient checker, and the matrix drawing/stepper.

Expected shapes are the derivation's (part 1, by hand); expected gradients come from closed_form's numpy
formulas (written independently of the scalar engine); accepted formulas are written here by hand.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

import microgr810 as mg
from microgr810.command.cli import main
from microgr810.notation.matrix_formula import ShapeError, evaluate, read
from microgr810.notation.names import find
from microgr810.teaching import closed_form
from microgr810.teaching.grade_matrix import _value_mistake, grade_matrix, is_matrix_question
from microgr810.teaching.matrices import backward_steps, gradient_name
from microgr810.teaching.reference import ReferenceProblem

# -- matrices() -----------------------------------------------------------------------------------------


def test_shapes_are_the_derivations_column_vectors():
    p = ReferenceProblem.random(3, 4, seed=0)
    view = mg.matrices(p.loss(p.network()))
    want = {"x": (3, 1), "W1": (4, 3), "b1": (4, 1), "a1": (4, 1), "z1": (4, 1), "W2": (1, 4), "b2": (1, 1)}
    want |= {"a2": (1, 1), "z2": (1, 1), "y": (1, 1)}
    assert view.shapes() == want
    assert view.N is None


def test_a_batch_is_one_column_per_datapoint():
    p = ReferenceProblem.random(3, 4, seed=1, batch=5)
    view = mg.matrices(p.loss(p.network()))
    assert view.N == 5
    assert view.shapes() == {
        "X": (3, 5), "W1": (4, 3), "b1": (4, 1), "A1": (4, 5), "Z1": (4, 5),
        "W2": (1, 4), "b2": (1, 1), "A2": (1, 5), "Z2": (1, 5), "Y": (1, 5),
    }  # fmt: skip
    np.testing.assert_array_equal(view["X"].values, p.x.T)  # datapoint n is column n
    np.testing.assert_array_equal(view["Y"].values, p.y[None, :])
    np.testing.assert_array_equal(view["W1"].values, p.W1)


@pytest.mark.parametrize("batch", [None, 6])
def test_gradients_equal_closed_form(batch):
    p = ReferenceProblem.random(3, 4, seed=2, batch=batch)
    p.y = np.random.default_rng(0).uniform(0.1, 0.9, size=p.y.shape)
    _, L = p.autograd()
    view = mg.matrices(L)
    g = closed_form.gradients(p.W1, p.b1, p.W2, p.b2, p.x, p.y)
    for name in ("W1", "b1", "W2", "b2"):
        np.testing.assert_allclose(view[name].grads.reshape(np.shape(g[name])), g[name], rtol=1e-10, atol=1e-14)
    f = closed_form.forward(p.W1, p.b1, p.W2, p.b2, p.x)
    a1 = view["a1" if batch is None else "A1"].values
    np.testing.assert_allclose(a1, np.atleast_2d(f["a1"]).T if batch else f["a1"][:, None], rtol=1e-12)


def test_any_depth_equals_closed_form_backprop():
    net = mg.nn.MLP(3, [4, 4, 1], "tanh", "sigmoid", seed=3)
    X = np.random.default_rng(1).normal(size=(5, 3))
    y = [1.0, 0.0, 1.0, 1.0, 0.0]
    L = mg.losses.bce([net.scalar(list(r)) for r in X], y)
    L.backward()
    view = mg.matrices(L)
    assert view.shapes()["W2"] == (4, 4) and view.shapes()["Z3"] == (1, 5)
    want = closed_form.backprop(net.arrays(), X, y, activation="tanh")
    for name, g in want.items():
        np.testing.assert_allclose(view[name].grads.reshape(np.shape(g)), g, rtol=1e-9, atol=1e-14)


def test_each_entry_is_its_scalar_node():
    p = ReferenceProblem.random(2, 3, seed=0, batch=2)
    L = p.loss(p.network())
    view = mg.matrices(L)
    assert str(view["W1"].names[2, 1]) == "W1[2,1]"
    assert str(view["A1"].names[1, 0]) == "a1[1][n=0]"
    assert find(L, "z1[2][n=1]") is view["Z1"].nodes[2, 1]
    assert view["W1"].nodes[0, 1].label == "W1[0,1]"


def test_of_an_mlp_alone_its_parameters():
    view = mg.matrices(mg.nn.MLP(3, [4, 4, 1]))
    assert view.shapes() == {"W1": (4, 3), "b1": (4, 1), "W2": (4, 4), "b2": (4, 1), "W3": (1, 4), "b3": (1, 1)}


def test_refuses_what_is_no_mlp():
    a = mg.Value(2.0, label="a")
    with pytest.raises(ValueError, match="labelled as an MLP"):
        mg.matrices(a * a)
    with pytest.raises(TypeError, match="MLP or a Value"):
        mg.matrices("W1")


@pytest.mark.parametrize("batch", [None, 4])
def test_backward_lines_give_the_engines_gradients(batch):
    p = ReferenceProblem.random(3, 4, seed=5, batch=batch)
    _, L = p.autograd()
    view = mg.matrices(L)
    env = {n: m.values for n, m in view.items()} | {gradient_name(n): m.grads for n, m in view.items()}
    env["N"] = np.full((1, 1), float(batch or 1))
    lines = [line for s in backward_steps(view) for line in s.lines]
    assert ("dW1", "dA1 @ X.T" if batch else "dA1 @ x.T") in lines
    for target, formula in lines:
        np.testing.assert_allclose(evaluate(read(formula), env).value, env[target], rtol=1e-9, atol=1e-15)


# -- the checker: correct formulas --------------------------------------------------------------------

SINGLE = {
    "b2": ["y_hat - y", "z2 - y", "σ(a2) - y"],
    "W2": ["(y_hat - y) * z1.T", "(z2 - y) @ z1.T", "z1.T * (ŷ - y)"],
    "b1": ["W2.T * z1 * (1 - z1) * (y_hat - y)", "(W2.T @ (y_hat - y)) * σ(a1) * (1 - σ(a1))"],
    "W1": [
        "(W2.T * z1 * (1 - z1)) @ x.T * (y_hat - y)",
        "((W2.T @ (y_hat - y)) * z1 * (1 - z1)) @ x.T",
        "(y_hat − y) · (W2.T · z1 · (1 − z1)) @ x.T",
    ],
}
BATCH = {
    "b2": ["sum(Y_hat - Y, axis=1) / N", "(Z2 - Y).sum(axis=1) / N", "mean(Z2 - Y, axis=1)"],
    "W2": ["(Y_hat - Y) @ Z1.T / N", "((Z2 - Y) / N) @ Z1.T"],
    "b1": ["sum((W2.T @ (Y_hat - Y)) * Z1 * (1 - Z1), axis=1) / N", "mean(W2.T @ (Z2 - Y) * Z1 * (1 - Z1), axis=1)"],
    "W1": ["((W2.T @ (Y_hat - Y)) * Z1 * (1 - Z1)) @ X.T / N", "(W2.T @ ((Z2 - Y) / N) * Z1 * (1 - Z1)) @ X.T"],
}


@pytest.mark.parametrize("param,formula", [(p, f) for p, fs in SINGLE.items() for f in fs])
@pytest.mark.parametrize("sizes", [(3, 4), (4, 8), (3, 3)])
def test_correct_single_datapoint_accepted(param, formula, sizes):
    v = grade_matrix(param, formula, M=sizes[0], H=sizes[1])
    assert v.verdict == "correct" and v.ok and v.exit_code == 0, str(v)


@pytest.mark.parametrize("param,formula", [(p, f) for p, fs in BATCH.items() for f in fs])
def test_correct_batch_accepted(param, formula):
    v = grade_matrix(param, formula, M=3, H=4, batch=5)
    assert v.verdict == "correct", str(v)


def test_check_formula_dispatches_the_whole_matrix():
    v = mg.check_formula("W1", "(W2.T * z1 * (1 - z1)) @ x.T * (y_hat - y)")
    assert v.verdict == "correct" and v.ok and v.mistake is None
    v = mg.check_formula("b2", "sum(Y_hat - Y, axis=1)", batch=3)
    assert v.verdict == "wrong" and v.mistake == "batch-size"
    assert is_matrix_question("W1") and not is_matrix_question("W1[h,m]") and not is_matrix_question("b2")


# -- shapes first: each pattern, the message naming operands and shapes --------------------------------

SHAPE_ERRORS = [
    (
        "W1",
        "W2 @ z1.T",
        "inner-sizes",
        ["`@` on W2 (1×4) and z1.T (1×4)", "inner sizes 4 and 1", "did you mean z1 (4×1)"],
    ),
    ("W1", "x @ (W2.T * z1 * (1 - z1)).T * (y_hat - y)", "transposed", ["is 3×4 but ∂L/∂W1 is 4×3: transposed?"]),
    (
        "W1",
        "(W2.T * z1 * (1 - z1)) * x.T * (y_hat - y)",
        "star-for-matmul",
        ["elementwise `*` on (W2.T·z1·(1 − z1)) (4×1) and x.T (1×3)", "outer product, written `@`"],
    ),
    ("W1", "x.T @ x * (y_hat - y)", "outer-vs-inner", ["is 1×1 but ∂L/∂W1 is 4×3", "inner product", "outer product"]),
    ("b1", "(W2.T * z1 * (1 - z1)) @ x.T * (y_hat - y)", "outer-vs-inner", ["is 4×3 but ∂L/∂b1 is 4×1"]),
    (
        "b1",
        "W2 * z1 * (1 - z1) * (y_hat - y)",
        "transposed",
        ["`*` on W2 (1×4) and z1 (4×1)", "W2.T (4×1), or z1.T (1×4)"],
    ),
    ("W2", "(y_hat - y) @ z1", "inner-sizes", ["`@` on (y_hat − y) (1×1) and z1 (4×1)"]),
]


@pytest.mark.parametrize("param,formula,mistake,says", SHAPE_ERRORS)
def test_shape_errors_name_operation_operands_and_shapes(param, formula, mistake, says):
    v = grade_matrix(param, formula, M=3, H=4)
    assert v.verdict == "wrong" and v.exit_code == 1 and v.mistake == mistake, str(v)
    for s in says:
        assert s in v.diagnosis, (s, v.diagnosis)


def test_a_batch_not_summed_is_named():
    v = grade_matrix("b1", "(W2.T @ (Y_hat - Y)) * Z1 * (1 - Z1) / N", M=3, H=4, batch=5)
    assert v.mistake == "batch-axis" and "4×5 but ∂L/∂b1 is 4×1" in v.diagnosis and "axis=1" in v.diagnosis


def test_shape_error_is_raised_as_the_formula_is_read():
    env = {"W2": np.ones((1, 4)), "z1": np.ones((4, 1))}
    with pytest.raises(ShapeError, match=r"`@` on W2 \(1×4\) and z1.T \(1×4\)"):
        evaluate(read("W2 @ z1.T + undefined_name"), env)  # the shape error comes first, left to right


# -- then values: each wrong pattern rejected and named ------------------------------------------------

VALUE_SLIPS = [
    ("W1", "(W2.T @ x.T) * (y_hat - y)", None, "missing-slope", "slope"),
    ("b1", "W2.T * (1 - z1**2) * (y_hat - y)", None, "wrong-slope", "tanh"),
    ("b1", "0.25 * W2.T * (y_hat - y)", None, "slope-at-zero", "0.25"),
    ("W2", "(y - y_hat) * z1.T", None, "sign", "sign"),
    ("W2", "(y_hat - y) * a1.T", None, "wrong-name", "a1"),
    ("W1", "(W2.T @ (Y_hat - Y) * Z1 * (1 - Z1)) @ X.T", 5, "batch-size", "batch size"),
    ("W2", "(Y_hat - Y) @ Z1.T / N / N", 5, "batch-size", "batch size"),
    ("b1", "sum(W2.T @ (Y_hat - Y), axis=1) / N", 5, "missing-slope", "slope"),
    ("b2", "2 * (y_hat - y)", None, "factor", "2 times"),
]


@pytest.mark.parametrize("param,formula,batch,mistake,says", VALUE_SLIPS)
def test_wrong_values_rejected_and_named(param, formula, batch, mistake, says):
    v = grade_matrix(param, formula, M=3, H=4, batch=batch)
    assert v.verdict == "wrong" and v.mistake == mistake, str(v)
    assert says in v.diagnosis and v.wrong, str(v)


def test_transposed_square_matrix_is_named_by_its_values():
    v = grade_matrix("W1", "x @ (W2.T * z1 * (1 - z1)).T * (y_hat - y)", M=4, H=4)
    assert v.mistake == "transposed" and "transpose" in v.diagnosis


def test_one_row_or_column_wrong_is_named():
    truth = np.arange(1.0, 13.0).reshape(4, 3)
    for changed, mistake, says in ((np.s_[2, :], "row", "only row 2"), (np.s_[:, 1], "column", "only column 1")):
        got = truth.copy()
        got[changed] += 0.5
        close = np.isclose(got, truth)
        view = mg.matrices(ReferenceProblem.random(3, 4, seed=0).autograd()[1])
        found, said = _value_mistake(got, truth, close, view, {}, "W1", None)
        assert found == mistake and says in said


# -- what the grader refuses: exit 2, never a traceback -------------------------------------------------


@pytest.mark.parametrize(
    "formula,says",
    [
        ("W2[0] * z1", "whole matrices"),
        ("__import__('os')", "not allowed"),
        ("x.shape", "not allowed"),
        ("q @ x.T", "unknown name"),
        ("", "empty"),
        ("W1 @", "not a formula"),
        ("sum(x, axis=2)", "axis is 0"),
        ("x ** W1", "must be a number"),
    ],
)
def test_malformed_formulas(formula, says):
    v = grade_matrix("W1", formula)
    assert v.verdict == "malformed" and v.exit_code == 2 and says in v.diagnosis, str(v)


def test_one_datapoints_names_in_a_batch_say_which_to_write():
    v = grade_matrix("W1", "(W2.T * z1 * (1 - z1)) @ x.T * (y_hat - y)", batch=3)
    assert v.verdict == "malformed" and "write Z1" in v.diagnosis


def test_sizes_past_the_limit_refused():
    assert grade_matrix("W1", "x", M=65).verdict == "malformed"
    assert grade_matrix("W9", "x").verdict == "malformed"


# -- the command ---------------------------------------------------------------------------------------


def test_command_exit_codes(capsys):
    assert main(["grade", "W1", "--", "(W2.T * z1 * (1 - z1)) @ x.T * (y_hat - y)"]) == 0
    assert "correct" in capsys.readouterr().out
    assert main(["grade", "W1", "--", "W2 @ z1.T"]) == 1
    assert "did you mean z1 (4×1)?" in capsys.readouterr().out
    assert main(["grade", "W1", "--", "W2[0]"]) == 2
    assert "error" in capsys.readouterr().err
    assert main(["grade", "b2", "--batch", "4", "--", "sum(Y_hat - Y, axis=1) / N"]) == 0
    assert main(["grade", "W1[h,m]", "W2[h]*x[m]*z1[h]*(1-z1[h])*(y_hat-y)"]) == 0  # the element form stays


def test_verdict_time_at_the_largest_sizes():
    start = time.perf_counter()
    v = grade_matrix("W1", "(W2.T @ (Y_hat - Y) * Z1 * (1 - Z1)) @ X.T / N", M=64, H=64, batch=64)
    assert v.verdict == "correct" and time.perf_counter() - start < 5.0 * 3  # 5 s promised; margin for CI


# -- pictures (looked at as PNG and in Chromium; these check their content) ---------------------------


def test_matrix_drawing_labels_edges_with_shapes_and_boxes_with_scalars():
    from microgr810.pictures.matrix_view import draw_matrices

    p = ReferenceProblem.random(3, 4, seed=0)
    _, L = p.autograd()
    src = draw_matrices(L).source
    for edge in ('x -> a1 [label="3×1"]', 'W1 -> a1 [label="4×3"]', 'z1 -> a2 [label="4×1"]', 'W2 -> a2 [label="1×4"]'):
        assert edge in src
    assert "12 scalar nodes W1[0,0&#93; … W1[3,2&#93;" in src and "a1 = W1 @ x + b1" in src
    assert "grad ?" in draw_matrices(L, step=0).source  # before backward reaches them, gradients are unknown


def test_matrix_stepper_one_step_per_matrix_op(tmp_path):
    p = ReferenceProblem.random(3, 4, seed=0, batch=3)
    s = mg.stepper(p.loss(p.network()), tmp_path / "m.html", matrices=True)
    page = (tmp_path / "m.html").read_text(encoding="utf-8")
    assert len(s.frames) == 5 and page.count('class="frame"') == 5
    assert "dW1 = dA1 @ X.T" in page and "(dA1 4×3, X 3×3)" in page
    assert "≠ the engine" not in page and page.count("= the engine&#x27;s gradient") == 8


# -- the one reader, with matrices ----------------------------------------------------------------------


def test_reader_reads_sums_only_for_matrices():
    from microgr810.notation import expr

    a = expr.read("sum(Z1 - 1, axis=1) / N", matrices=True)
    b = expr.read("(Z1 - 1).sum(axis=1) / N", matrices=True)
    assert a == b and expr.show(a) == "sum(Z1 − 1, axis=1) / N"
    assert expr.read("mean(Z1)", matrices=True).axis is None
    with pytest.raises(expr.ExprError):
        expr.read("sum(Z1, axis=1)")  # the element form has no sums
    with pytest.raises(expr.ExprError, match="axis is 0"):
        expr.read("sum(Z1, axis=2)", matrices=True)


def test_matrix_stepper_shows_one_backwards_gradients():
    from microgr810.pictures.matrix_view import matrix_stepper

    p = ReferenceProblem.random(3, 4, seed=0, y=1.0)
    net, L = p.autograd()  # a backward already ran: leaves hold its gradients
    matrix_stepper(L)
    g = closed_form.gradients(p.W1, p.b1, p.W2, p.b2, p.x, p.y)
    np.testing.assert_allclose(mg.matrices(L)["W1"].grads, g["W1"], rtol=1e-10)


def test_stepper_command_matrices(tmp_path, capsys):
    out = tmp_path / "m.html"
    assert main(["stepper", "--matrices", "--batch", "3", "-o", str(out)]) == 0
    assert "dW1 = dA1 @ X.T" in out.read_text(encoding="utf-8")
    assert main(["stepper", "--matrices", "--predict", "-o", str(out)]) == 2


@pytest.mark.parametrize(
    "formula", ["1/0*W1", "(-8)**(1/3)*W1", "1e999*W1", "1e308*1e308*W1", "log(W1-W1)", "exp(exp(exp(exp(9))))*W1"]
)
def test_degenerate_formulas_get_a_verdict_never_a_traceback(formula, capsys):
    assert main(["grade", "W1", "--", formula]) in (1, 2)
    assert "Traceback" not in capsys.readouterr().err
