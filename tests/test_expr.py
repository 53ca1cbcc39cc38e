"""The one expression reader (notation/expr.py): Python, math and LaTeX styles give one tree; the functions
come from the op table, so an op defined here is read by the grader and by quiz expressions alike."""

import math

import pytest
import sympy as sp

from microgr810 import Value
from microgr810.notation import expr
from microgr810.teaching.graphs import parse_expression

PYTHON = "W2[h]*x[m]*z1[h]*(1-z1[h])*(y_hat-y)"
SAME = [
    PYTHON,
    "W2[h] * x[m] * z1[h] * (1 - z1[h]) * (y_hat - y)",
    "W2[h]·x[m]·z1[h]·(1 − z1[h])·(ŷ − y)",
    "W2[h]×x[m]×z1[h]×(1 − z1[h])×(ŷ − y)",
    "W2[h] x[m] z1[h](1 - z1[h])(ŷ - y)",
    "W2[h]x[m]z1[h](1-z1[h])(y_hat-y)",
    r"W_2^h x^m z_1^h (1 - z_1^h)(\hat{y} - y)",
    r"W_{2}^{h} \cdot x^{m} \cdot z_{1}^{h} \left(1 - z_{1}^{h}\right) \left(\hat{y} - y\right)",
    r"W_2[h]\, x[m]\, z_1[h]\big(1 - z_1[h]\big)(\hat{y} - y)",
]


@pytest.mark.parametrize("text", SAME)
def test_every_style_reads_as_the_same_tree(text):
    assert expr.show(expr.read(text, letters="hm")) == expr.show(expr.read(PYTHON, letters="hm"))
    values = {"W2": 0.7, "x": -1.3, "z1": 0.4, "y_hat": 0.8, "y": 0.3}
    at = expr.evaluate(expr.read(text, letters="hm"), None, lambda n: values[n.stem])
    assert at == pytest.approx(0.7 * -1.3 * 0.4 * 0.6 * 0.5)


@pytest.mark.parametrize(
    "text,shown",
    [
        ("2x[m]", "2·x[m]"),
        ("z1[h](1-z1[h])", "z1[h]·(1 − z1[h])"),  # the reference's product, not a call
        ("(a)(b)", "a·b"),
        ("x^2", "x^2"),
        ("z2²", "z2^2"),
        ("z2³", "z2^3"),
        ("σ'(a1[h])", "σ'(a1[h])"),
        ("sigmoid'(a)", "σ'(a)"),
        ("σ′(a)", "σ'(a)"),
        (r"\sigma'(a_1^h)", "σ'(a1[h])"),
        (r"\sigma^\prime(a_2)", "σ'(a2)"),
        (r"\sigma(a_2)", "σ(a2)"),
        (r"\frac{\hat{y} - y}{\hat{y}(1 - \hat{y})}", "(y_hat − y) / (y_hat·(1 − y_hat))"),
        (r"e^{-a_2}", "exp(−a2)"),
        (r"(z_1^h)^2", "z1[h]^2"),
        (r"W_{1}^{hm}", "W1[h,m]"),
        ("tanh'(a)", "tanh'(a)"),
        ("step(x)", "step(x)"),
        ("relu'(x)", "step(x)"),
        ("σ(a)(1−σ(a))", "σ(a)·(1 − σ(a))"),
        ("ln(z2)", "ln(z2)"),
    ],
)
def test_math_and_latex_notation(text, shown):
    assert expr.show(expr.read(text, letters="hm")) == shown


def test_evaluators_walk_the_same_tree():
    tree = expr.read("σ'(a) + 2a²", letters="")
    a = sp.Symbol("a")
    from microgr810.notation.symbolic import SYMPY_MATH

    got = expr.evaluate(tree, SYMPY_MATH, lambda n: a, sp.Rational)
    s = 1 / (1 + sp.exp(-a))
    assert sp.simplify(got - (s * (1 - s) + 2 * a**2)) == 0  # σ' from the op table's rule
    v = Value(0.3, "a")
    out = expr.evaluate(tree, __import__("microgr810.core.engine", fromlist=["VALUE_MATH"]).VALUE_MATH, lambda n: v)
    out.backward()
    s0 = 1 / (1 + math.exp(-0.3))
    assert out.data == pytest.approx(s0 * (1 - s0) + 2 * 0.09)
    # d/da [σ(1−σ) + 2a²] = σ(1−σ)(1−2σ) + 4a, by hand
    assert v.grad == pytest.approx(s0 * (1 - s0) * (1 - 2 * s0) + 4 * 0.3)


def test_matrices_only_when_asked():
    with pytest.raises(expr.ExprError, match="MatMult"):
        expr.read("W2 @ z1")
    with pytest.raises(expr.ExprError, match="attribute access"):
        expr.read("W2.T")
    tree = expr.read("(W2.T @ d) * z1 * (1 - z1)", matrices=True)
    assert expr.show(tree) == "W2.T@d·z1·(1 − z1)" or "@" in expr.show(tree)
    import numpy as np

    W2, d, z1 = np.array([[1.0, 2.0]]), np.array([[3.0]]), np.array([[0.5], [0.25]])
    arrays = {"W2": W2, "d": d, "z1": z1}
    got = expr.evaluate(tree, np, lambda n: arrays[n.stem])
    assert np.allclose(got, (W2.T @ d) * z1 * (1 - z1))


def test_without_the_op_the_call_is_refused():
    with pytest.raises(ValueError, match="softplus"):
        parse_expression("softplus(a)")
