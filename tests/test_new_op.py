"""Adding an op is one entry (CONTRIBUTING.md): an op defined here, inside the test, with no other file changed,
is computed, traced, drawn, explained, derived, differentiated twice, graded and read in quiz expressions."""

import math

import pytest
import sympy as sp

from microgr810 import OPS, Value, derive, explain, grad, trace_backward
from microgr810.core.engine import node
from microgr810.core.ops import entry
from microgr810.notation.text import op_text
from microgr810.teaching.grade import check_formula
from microgr810.teaching.graphs import parse_expression


def sigmoid(a):
    return 1.0 / (1.0 + math.exp(-a))


@pytest.fixture
def softplus():
    """softplus(a) = ln(1 + e^a), d/da = σ(a): one entry, the way CONTRIBUTING.md says."""

    @entry("softplus", arity=1, forward=lambda m, a: m.log(1 + m.exp(a)), d=lambda m, i, a, out: m.sigmoid(a))
    def softplus(a):
        return node(math.log1p(math.exp(a.data)), "softplus", [a], [sigmoid(a.data)])

    yield softplus
    del OPS["softplus"]


def test_the_op_computes_its_value_and_gradient(softplus):
    a = Value(0.5, "a")
    out = softplus(a * 2)
    out.label = "s"
    out.backward()
    assert out.data == pytest.approx(math.log(1 + math.exp(1.0)))
    assert a.grad == pytest.approx(2 * sigmoid(1.0))  # chain rule by hand


def test_trace_draw_explain_and_derive_read_the_entry(softplus):
    from microgr810 import draw

    a = Value(0.5, "a")
    s = softplus(a * 2)
    s.label = "s"
    trace = str(trace_backward(s))
    assert "softplus(t1)" in trace and "σ(t1)" in trace  # the node and its local derivative, from the rule
    assert "softplus" in draw(s).source
    e = explain(s, "a")
    assert e.total == pytest.approx(2 * sigmoid(1.0))
    d = derive(s, "a")
    want = 2 / (1 + sp.exp(-2 * sp.Symbol("a", real=True)))  # by hand: d/da ln(1 + e^{2a})
    assert sp.simplify(d.in_leaves() - want) == 0


def test_its_latex_name_is_right(softplus):
    assert op_text("softplus", ["a"], latex=True) == r"\operatorname{softplus}\left(a\right)"
    assert op_text("sin", ["a"], latex=True) == r"\sin\left(a\right)"  # LaTeX's own operator names stay \sin


def test_grad_of_first_and_second_order(softplus):
    a = Value(0.3, "a")
    (g,) = grad(softplus(a), [a])
    assert g.data == pytest.approx(sigmoid(0.3))
    (h,) = grad(g, [a])
    assert h.data == pytest.approx(sigmoid(0.3) * (1 - sigmoid(0.3)))  # σ' by hand


def test_the_grader_and_quiz_expressions_read_it(softplus):
    root = parse_expression("softplus(a*b)", {"a": 0.5, "b": 2.0})  # quiz --expr
    assert root.op == "softplus" and root.data == pytest.approx(math.log(1 + math.e))
    assert check_formula(root, "a", "b*sigmoid(a*b)").ok
    assert check_formula(root, "a", "b*softplus'(a*b)").ok  # f' is the op's own rule
    assert not check_formula(root, "a", "sigmoid(a*b)").ok  # the factor b left out
