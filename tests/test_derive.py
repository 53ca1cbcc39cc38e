"""derive: the chain rule as formulas. The expected formulas are typed here by hand (the derivation's
(a)-(d), Karpathy's neuron, the matrix form for deeper nets); the numbers come from autograd."""

import math
import subprocess
import sys

import pytest
import sympy as sp
from hypothesis import given, settings
from microgr810.losses import bce, mse
from microgr810.nn import MLP
from microgr810.reference import ReferenceProblem, derive_indexed

from microgr810 import Value
from microgr810.teaching.derive import derive
from microgr810.teaching.graphs import exp_neuron
from test_properties import EngineLib, programs, replay


def S(name):
    return sp.Symbol(name, real=True)


def zero(expr):
    return sp.simplify(expr) == 0


def hand(name):
    """The derivation's formulas (a)-(d) for one concrete parameter, typed from the derivation."""
    err = S("z2") - S("y")
    if name == "b2":
        return err  # (a)
    idx = [int(i) for i in name[name.index("[") + 1 : -1].split(",")]
    h = idx[-1] if name.startswith("W2") else idx[0]
    z = S(f"z1[{h}]")
    if name.startswith("W2"):
        return z * err  # (b)
    back = S(f"W2[0,{h}]") * z * (1 - z) * err
    if name.startswith("b1"):
        return back  # (c)
    return back * S(f"x[{idx[1]}]")  # (d)


@pytest.mark.parametrize("y", [1.0, 0.0, 0.25])
def test_derive_proves_the_reference_formulas(y):
    p = ReferenceProblem.random(2, 2, seed=1, y=y)
    net = p.network()
    L = p.loss(net)
    L.backward()
    for param in net.parameters():
        d = derive(L, param.label)
        assert len(d.paths) == 1, param.label
        assert zero(d.result - hand(param.label)), (param.label, d.result)
        # and the formula, evaluated at the graph's numbers, is autograd's gradient
        assert math.isclose(d.value(), param.grad, rel_tol=1e-12, abs_tol=1e-15), param.label


def test_the_factors_are_the_derivations():
    p = ReferenceProblem.random(2, 2, seed=0, y=1.0)
    d = derive(p.loss(p.network()), "W1[1,0]")
    names = [f.name for f in d.paths[0]]
    assert names == ["∂L/∂z2", "∂z2/∂a2", "∂a2/∂z1[1]", "∂z1[1]/∂a1[1]", "∂a1[1]/∂W1[1,0]"]
    z2, y, z = S("z2"), S("y"), S("z1[1]")
    want = [(z2 - y) / (z2 * (1 - z2)), z2 * (1 - z2), S("W2[0,1]"), z * (1 - z), S("x[0]")]
    for f, w in zip(d.paths[0], want):
        assert zero(f.formula - w), (f.name, f.formula)
    # BCE's 1/(ŷ(1 − ŷ)) cancels σ'(a2) = ŷ(1 − ŷ): the first two factors multiply to ŷ − y
    assert zero(d.paths[0][0].formula * d.paths[0][1].formula - (z2 - y))


@pytest.mark.parametrize(
    "param,want",
    [
        ("W1[h,m]", S("W2[h]") * S("x[m]") * S("z1[h]") * (1 - S("z1[h]")) * (S("z2") - S("y"))),
        ("b1[h]", S("W2[h]") * S("z1[h]") * (1 - S("z1[h]")) * (S("z2") - S("y"))),
        ("W2[h]", S("z1[h]") * (S("z2") - S("y"))),
        ("W2[0,h]", S("z1[h]") * (S("z2") - S("y"))),
        ("b2", S("z2") - S("y")),
        ("b1[j]", S("W2[j]") * S("z1[j]") * (1 - S("z1[j]")) * (S("z2") - S("y"))),
        ("W1[h,0]", S("W2[h]") * S("x[0]") * S("z1[h]") * (1 - S("z1[h]")) * (S("z2") - S("y"))),
    ],
)
def test_index_form_is_the_derivations(param, want):
    d = derive_indexed(param, M=2, H=2)
    assert zero(d.result - want), d.result
    assert d.node == param.replace("[0,h]", "[h]")
    assert all(f.formula.free_symbols <= want.free_symbols | {S("z2"), S("y")} for f in d.paths[0])


def karpathy():
    """micrograd's tanh neuron, tanh written through exp."""
    return exp_neuron()


@pytest.mark.parametrize("leaf,grad", [("w1", 1.0), ("x1", -1.5), ("x2", 0.5), ("w2", 0.0), ("b", 0.5)])
def test_karpathy_neuron(leaf, grad):
    o = karpathy()
    d = derive(o, leaf)
    assert len(d.paths) == 2  # e reaches o through the numerator and the denominator
    assert math.isclose(d.value(), grad, abs_tol=1e-12)  # micrograd lecture: do/dw1 = 1, do/dx1 = -1.5, ...
    n = S("x1") * S("w1") + S("x2") * S("w2") + S("b")
    other = {"w1": "x1", "x1": "w1", "x2": "w2", "w2": "x2", "b": None}[leaf]
    want = (1 - sp.tanh(n) ** 2) * (S(other) if other else 1)  # d tanh(n)/d leaf, by hand
    assert zero((d.in_leaves() - want).rewrite(sp.exp))


def test_tanh_hidden_layer():
    net = MLP(2, [2, 1], "tanh", "sigmoid", seed=0)
    L = bce(net([0.5, -1.0]), 1.0)
    d = derive(L, "W1[0,1]")
    z = S("z1[0]")
    assert zero(d.result - S("W2[0,0]") * S("x[1]") * (1 - z**2) * (S("z2") - S("y")))


def test_mse_loss():
    net = MLP(2, [2, 1], "sigmoid", None, seed=0)  # a linear output: y_hat = a2
    L = mse(net([0.5, -1.0]), 0.5)
    L.backward()
    d = derive(L, "b2")
    # unlabelled nodes get automatic names: write them back as what they are (a2 − 0.5) to compare
    auto = {S(k): v for k, v in d.definitions.items() if k not in ("a2", "z1[0]", "z1[1]", "a1[0]", "a1[1]")}
    result = d.result.xreplace(auto).xreplace(auto)
    assert zero(result - 2 * (S("a2") - sp.Rational(1, 2)))  # ∂(ŷ − y)²/∂b2 = 2(ŷ − y)
    b2 = next(p for p in net.parameters() if p.label == "b2")
    assert math.isclose(d.value(), b2.grad, rel_tol=1e-12)


def test_three_layer_net_sums_over_the_middle_layer():
    net = MLP(2, [2, 2, 1], "sigmoid", "sigmoid", seed=3)
    L = bce(net([0.3, -0.7]), 0.0)
    L.backward()
    d = derive(L, "W1[0,1]")
    assert len(d.paths) == 2  # through z2[0] and z2[1]
    # δ1[0] = Σ_k W3[0,k] σ'(a2[k]) W2[k,0] · σ'(a1[0]) (z3 − y): the matrix form, by hand
    s = sum(S(f"W3[0,{k}]") * S(f"z2[{k}]") * (1 - S(f"z2[{k}]")) * S(f"W2[{k},0]") for k in range(2))
    want = s * S("z1[0]") * (1 - S("z1[0]")) * S("x[1]") * (S("z3") - S("y"))
    assert zero(d.result - want)
    w = next(p for p in net.parameters() if p.label == "W1[0,1]")
    assert math.isclose(d.value(), w.grad, rel_tol=1e-12)
    text = str(d)
    assert text.startswith("∂L/∂W1[0,1] by the chain rule, 2 paths") and " + " in text.splitlines()[1]


def test_a_node_used_twice_is_two_paths():
    a = Value(3.0, "a")
    b = a * a
    b.label = "b"
    d = derive(b, "a")
    assert [[f.slot for f in p] for p in d.paths] == [[0], [1]]
    assert zero(d.result - 2 * S("a"))
    assert "1. ∂b/∂a = ∂b/∂a + ∂b/∂a" in str(d)


def test_inputs_reached_through_every_hidden_unit():
    p = ReferenceProblem.random(2, 3, seed=4, y=1.0)
    L = p.loss(p.network())
    d = derive(L, "x[1]")
    assert len(d.paths) == 3
    want = sum(S(f"W2[0,{h}]") * S(f"z1[{h}]") * (1 - S(f"z1[{h}]")) * S(f"W1[{h},1]") for h in range(3))
    assert zero(d.result - want * (S("z2") - S("y")))


def test_shows_four_steps_in_text_and_latex():
    p = ReferenceProblem.random(2, 2, seed=0, y=1.0)
    d = derive(p.loss(p.network()), "b1[0]")
    lines = str(d).splitlines()
    assert [line[:2] for line in lines if line[:1].isdigit()] == ["1.", "2.", "3.", "4."]
    assert lines[-1] == "4. ∂L/∂b1[0] = W2[0,0]·z1[0]·(1 − z1[0])·(z2 − y)"
    tex = d.latex()
    assert r"\frac{\partial L}{\partial b_{1}[0]}" in tex and r"\sigma" not in tex
    assert d._repr_latex_().startswith("$$\\begin{aligned}")
    depth = 0
    for ch in tex:  # every brace closes, never before it opens: MathJax would show an error otherwise
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    assert depth == 0 and tex.count(r"\left(") == tex.count(r"\right)")


def test_too_many_paths_is_a_clear_error():
    x = Value(1.1, "x")
    v = x
    for _ in range(10):
        v = v * v  # 2^10 paths from the top to x
    with pytest.raises(ValueError, match="1024 paths lead from .* to 'x', more than max_paths=256"):
        derive(v, x)
    w = x * x * x  # (x·x)·x: 3 paths, refused under max_paths=2, derived from 3 on
    with pytest.raises(ValueError, match="more than max_paths=2"):
        derive(w, x, max_paths=2)
    assert zero(derive(w, x, max_paths=3).in_leaves() - 3 * S("x") ** 2)  # t1 + 2x², t1 = x·x


@pytest.mark.parametrize("node,needle", [("nope", "no node named 'nope'"), (Value(1.0, "x"), "not in the graph")])
def test_unknown_node(node, needle):
    p = ReferenceProblem.random(2, 2, seed=0, y=1.0)
    with pytest.raises(ValueError, match=needle):
        derive(p.loss(p.network()), node)


def test_import_does_not_load_sympy():
    code = (
        "import sys, microgr810, microgr810.cli, microgr810.reference, microgr810.teaching.explain; "
        "assert 'sympy' not in sys.modules, 'sympy imported'; microgr810.check_formula; "
        "assert 'sympy' in sys.modules"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_a_batch_keeps_each_datapoints_nodes_apart():
    net = MLP(2, [2, 1], "tanh", None, seed=0)  # called twice: a2 once per datapoint
    L = mse([net([0.5, -1.0]), net([1.0, 2.0])], [0.5, -0.5])
    L.backward()
    d = derive(L, "b2")
    assert len(d.paths) == 2 and {"a2[n=0]", "a2[n=1]"} <= set(d.values)
    # ∂/∂b2 of ½[(ŷ¹ − ½)² + (ŷ² + ½)²] = (ŷ¹ − ½) + (ŷ² + ½), by hand
    auto = {S(k): v for k, v in d.definitions.items() if k.startswith("t")}
    half = sp.Rational(1, 2)
    assert zero(d.result.xreplace(auto).xreplace(auto) - (S("a2[n=0]") - half + S("a2[n=1]") + half))
    b2 = next(p for p in net.parameters() if p.label == "b2")
    assert math.isclose(d.value(), b2.grad, rel_tol=1e-12)


def test_relu_slope_reads_step():
    net = MLP(2, [2, 1], "relu", "sigmoid", seed=1)
    L = bce(net([0.5, -1.0]), 0.0)
    L.backward()
    d = derive(L, "b1[1]")
    # ∂L/∂b1[1] = W2[0,1]·[a1[1] > 0]·(z2 − y), by hand
    assert zero(d.result - S("W2[0,1]") * sp.Heaviside(S("a1[1]"), 0) * (S("z2") - S("y")))
    assert "step(a1[1])" in str(d).splitlines()[-1]
    b = next(p for p in net.parameters() if p.label == "b1[1]")
    assert math.isclose(d.value(), b.grad, rel_tol=1e-12, abs_tol=1e-15)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(programs())
def test_random_dags_path_sums_are_autograds_gradients(case):
    """On random expression DAGs (every op, reused nodes), the sum of derive's path products, evaluated
    at the graph's numbers, is backward's gradient for every leaf."""
    xs, program = case
    leaves = [Value(x, f"x{i}") for i, x in enumerate(xs)]
    root = replay(program, leaves, EngineLib)
    root.backward()
    for leaf in leaves:
        try:
            d = derive(root, leaf, max_paths=64)
        except ValueError as e:  # reuse multiplies paths: past the cap derive refuses, as it says
            assert "more than max_paths=64" in str(e)
            continue
        got = d.value(sp.Add(*d.products)) if d.paths else 0.0  # the sum as written: no simplify needed
        assert math.isclose(got, leaf.grad, rel_tol=1e-9, abs_tol=1e-9), (leaf.label, program, xs)
