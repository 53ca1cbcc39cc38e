"""One name per node everywhere: labels, t1 t2 ... in computed order, a2[n=1] per datapoint in a batch.

Expected gradients come from Karpathy's lecture (micrograd, "The spelled-out intro to neural networks
and backpropagation") and from the derivation's dL/da2 = (z2 - y)/N, computed here in numpy.
"""

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from microgr810.losses import bce, hinge, mse
from microgr810.reference import ReferenceProblem

from conftest import require_binary
from microgr810 import Value, draw, explain, graphs, trace_backward
from microgr810.notation.names import find, node_names, slots
from microgr810.teaching.graphs import exp_neuron

SVG_TEXT = "{http://www.w3.org/2000/svg}text"


def lecture_expression():
    """L = (a*b + c) * f with a=2, b=-3, c=10, f=-2: L = -8; dL/da = 6, dL/db = -4, dL/dc = -2, dL/df = 4."""
    L = graphs.lecture_expression()
    return L, {"a": 6.0, "b": -4.0, "c": -2.0, "f": 4.0, "e": -2.0, "d": -2.0}


def lecture_neuron():
    """tanh written through exp, unlabelled but for the leaves: o = 0.7071; do/dx1 = -1.5, do/dw1 = 1,
    do/dx2 = 0.5, do/dw2 = 0, do/db = 0.5 (the lecture's numbers)."""
    return exp_neuron(named=False), {"x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0, "b": 0.5}


def svg_texts(graph) -> set[str]:
    svg = graph.pipe(format="svg", encoding="utf-8")
    return {el.text for el in ET.fromstring(svg).iter(SVG_TEXT) if el.text}


@pytest.mark.parametrize("build", [lecture_expression, lecture_neuron])
def test_gradients_are_the_lectures(build):
    root, want = build()
    names = node_names(root)
    trace_backward(root)
    got = {names[n]: n.grad for n in names if names[n] in want}
    assert got == pytest.approx(want, abs=1e-12)


def test_unlabelled_nodes_are_t1_t2_in_the_order_computed():
    o, _ = lecture_neuron()
    tr = trace_backward(o)
    # by hand: x1·w1, x2·w2, their sum, + b, 2·n, exp, e − 1, e + 1, the quotient
    assert str(tr).splitlines()[1] == "step 1: t9 = t7/t8 = 0.7071   ∂t9/∂t9 = 1"
    headers = [s.header().split(" = ", 2)[:2] for s in reversed(tr.steps)]
    assert headers == [
        ["t1", "x1·w1"],
        ["t2", "x2·w2"],
        ["t3", "t1 + t2"],
        ["t4", "t3 + b"],
        ["t5", "2·t4"],
        ["t6", "exp(t5)"],
        ["t7", "t6 − 1"],
        ["t8", "t6 + 1"],
        ["t9", "t7/t8"],
    ]


@pytest.mark.parametrize("build", [lecture_expression, lecture_neuron])
@pytest.mark.parametrize("frame", [False, True])
def test_every_name_in_the_trace_is_in_the_drawing(build, frame):
    require_binary("dot", "apt-get install graphviz")
    root, _ = build()
    tr = trace_backward(root)
    in_trace = {s.name for s in tr} | {f.name for s in tr for f in s.flows}
    assert len(in_trace) == len(node_names(root))  # every node is in the trace: the root, the rest as inputs
    g = draw(root, step=len(tr), trace=tr) if frame else draw(root)
    assert in_trace <= svg_texts(g)


@pytest.mark.parametrize("build", [lecture_expression, lecture_neuron])
def test_no_gradient_row_goes_to_a_number(build):
    root, _ = build()
    tr = trace_backward(root)
    names = set(tr.names.values())
    targets = re.findall(r"∂\S+/∂(\S+) \+=", str(tr))
    assert len(targets) == sum(len(s.flows) for s in tr) > 0
    for t in targets:
        assert t in names
        with pytest.raises(ValueError):
            float(t.replace("−", "-"))
    # the numbers 2 and 1 of the neuron are written inside the ops' text, never as nodes
    assert all(isinstance(f.input, Value) for s in tr for f in s.flows)


def test_a_number_is_written_in_the_ops_text():
    x = Value(3.0, label="x")
    y = x * 2
    tr = trace_backward(y)
    assert tr[0].header() == "t1 = x·2 = 6   ∂t1/∂t1 = 1"
    assert [f.name for f in tr[0].flows] == ["x"]


def test_losses_are_labelled_L():
    p = Value(0.5, label="p")
    assert mse(p, 1.0).label == "L" and hinge(p, 1.0).label == "L" and bce(p.sigmoid(), 1.0).label == "L"
    batch = mse([Value(0.5), Value(1.5)], [1.0, 1.0])
    assert batch.label == "L"
    names = set(node_names(batch).values())
    assert {"L", "ΣL", "L[n=0]", "L[n=1]"} <= names


def batch_of_3():
    problem = ReferenceProblem.random(2, 2, seed=0, y=1.0, batch=3)
    net = problem.network()
    return problem, net, problem.loss(net)


def test_a_batch_names_each_datapoints_nodes():
    _, net, L = batch_of_3()
    names = node_names(L)
    assert len(set(names.values())) == len(names)  # every name is one node's
    for k in range(3):
        for stem in ("L", "z2", "a2", "z1[0]", "z1[1]", "a1[0]", "a1[1]", "x[0]", "x[1]"):
            assert f"{stem}[n={k}]" in names.values(), (stem, k)
    for p in net.parameters():  # shared by every datapoint: named as labelled
        assert names[p] == p.label
    tr = trace_backward(L)
    assert tr[0].header().startswith("L = ΣL/3 = ")
    assert tr[1].header().startswith("ΣL = L[n=0] + L[n=1] + L[n=2] = ")


def test_explain_takes_a_datapoints_name_and_agrees_with_numpy():
    problem, _, L = batch_of_3()
    X, y = problem.x, problem.y
    z1 = 1 / (1 + np.exp(-(X @ problem.W1.T + problem.b1)))
    z2 = 1 / (1 + np.exp(-(z1 @ problem.W2[0] + problem.b2)))
    for k in range(3):  # dL/da2 = (z2 - y)/N for the mean of sigmoid + BCE
        e = explain(L, f"a2[n={k}]")
        assert e.name == f"a2[n={k}]" and e.total == pytest.approx((z2[k] - y[k]) / 3, rel=1e-12)
    with pytest.raises(ValueError, match=r"3 nodes are labelled 'a2' under 'L': name one \(a2\[n=0\]"):
        explain(L, "a2")


def test_explain_tells_apart_the_paths_through_a_reused_input():
    a = Value(3.0, label="a")
    t2 = a * a * a
    e = explain(t2, "a")
    names = [" · ".join(f.name for f in p.factors) for p in e.paths]
    assert names == ["∂t2/∂t1 · ∂t1/∂a (1st)", "∂t2/∂t1 · ∂t1/∂a (2nd)", "∂t2/∂a"]
    assert e.total == 27.0 == 3 * 3.0**2  # d(a³)/da = 3a²
    assert slots(t2.inputs[0]) == ["1st", "2nd"] and slots(t2) == ["", ""]


def test_explain_says_when_a_leaf_holds_two_backward_calls():
    a = Value(3.0, label="a")
    t2 = a * a * a
    t2.backward()
    t2.backward()
    e = explain(t2, a)
    assert e.grad == 54.0 and not e.agrees and e.calls == 2
    assert "a.grad holds 2 backward calls' sum: 54 = 2 × 27" in str(e)
    assert "DIFFERS" not in str(e)


def test_explain_reads_spaces_inside_indices():
    _, net, L = batch_of_3()
    assert explain(L, "W1[0, 1]").name == "W1[0,1]"
    assert explain(L, "a1[ 1 ][n = 2]").name == "a1[1][n=2]"


def test_explain_takes_any_name_trace_writes():
    o, want = lecture_neuron()
    tr = trace_backward(o)
    for name in ("t3", "t6", "w1", "x1"):
        e = explain(o, name)
        assert e.name == name and e.agrees
    assert explain(o, "w1").total == pytest.approx(want["w1"])
    # t3 = x1·w1 + x2·w2 and t4 = t3 + b get the same gradient: do/dn = 0.5 in the lecture
    assert explain(o, "t3").total == pytest.approx(0.5)
    assert len(tr) == 9


def test_a_label_used_twice_outside_a_batch_is_numbered():
    x = Value(1.0, label="a")
    y = Value(2.0, label="a")
    z = Value(5.0)
    s = x * y + z
    names = node_names(s)
    assert [names[x], names[y], names[z]] == ["a#1", "a#2", "v1"]
    assert names[s] == "t2"


def test_a_hand_made_mean_of_losses_keeps_its_name():
    # each single-datapoint loss is labelled L, as is the mean a learner builds from them
    losses = [mse(Value(p), 1.0) for p in (0.5, 1.5)]
    mean = (losses[0] + losses[1]) / 2
    mean.label = "L"
    names = node_names(mean)
    assert names[mean] == "L" and [names[x] for x in losses] == ["L#1", "L#2"]


def test_automatic_names_never_copy_a_label():
    t1 = Value(1.0, label="t1")
    s = t1 * 2 + 1
    names = node_names(s)
    assert sorted(names.values()) == ["t1", "t2", "t3"]


def test_markdown_tables_have_a_row_per_flow_and_hostile_labels_stay_in_their_cell():
    a = Value(2.0, label="a|b`c")
    y = a * a + 1
    md = trace_backward(y).markdown()
    table = [line for line in md.splitlines() if line.startswith("|")]
    flows = 1 + 2  # t2 = t1 + 1 has one input, t1 = a·a two
    assert len(table) == 2 + flows
    # a cell's pipes are escaped: every row splits into the same 6 cells
    assert {len(re.split(r"(?<!\\)\|", line)) - 2 for line in table} == {6}


def test_latex_is_balanced_and_writes_names_as_math():
    L, _ = lecture_expression()
    tex = trace_backward(L).latex()
    assert tex.startswith(r"\begin{array}") and tex.endswith(r"\end{array}")
    assert tex.count("{") == tex.count("}")
    # e = a·b at a = 2, b = -3 with dL/de = -2: dL/da += -2 × (-3) = 6
    assert r"\frac{\partial L}{\partial a} \mathrel{+}= -2 \times (-3) = 6 & (0 \to 6)" in tex
    e = explain(L, "a")
    etex = e.latex()
    assert etex.count("{") == etex.count("}")
    assert (
        r"\frac{\partial L}{\partial a} &= \frac{\partial L}{\partial d} \, \frac{\partial d}{\partial e} \, "
        r"\frac{\partial e}{\partial a}" in etex
    )
    assert r"&= (-2) \times 1 \times (-3) \\" in etex


def test_the_explain_command_takes_any_node_name(capsys):
    from microgr810.command.cli import main

    assert main(["explain", "a2[n=1]", "--batch", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("∂L/∂a2[n=1] by the chain rule: 1 path from L to a2[n=1]")
    assert "∂L/∂ΣL · ∂ΣL/∂L[n=1] · ∂L[n=1]/∂z2[n=1] · ∂z2[n=1]/∂a2[n=1]" in out and "agrees" in out


def test_find_reads_every_name_the_trace_writes_and_says_which_exist():
    """One lookup for explain, derive, draw and the command: names as node_names writes them."""
    x = Value(2.0, "x")
    t1 = x * x  # unlabelled: t1
    y = t1 + 1.0
    y.label = "y"
    assert find(y, "t1") is t1 and find(y, "x") is x and find(y, " x ") is x and find(y, x) is x
    with pytest.raises(ValueError, match=r"^no node named 'z' under 'y'; its nodes are x, t1, y$"):
        find(y, "z")
    with pytest.raises(ValueError, match=r"^draw: 'w' is not in the graph under 'y'$"):
        find(y, Value(1.0, "w"), where="draw")
    with pytest.raises(TypeError, match="node must be a Value or a node's name, got int"):
        find(y, 3)
    p = ReferenceProblem.random(2, 2, seed=0, y=1.0, batch=2)
    L = p.loss(p.network())
    assert find(L, "a1[ 1 ][n = 1]").label == "a1[1]" and find(L, "W1[0, 1]").label == "W1[0,1]"
    with pytest.raises(ValueError, match=r"^2 nodes are labelled 'z2' under 'L': name one \(z2\[n=0\], z2\[n=1\]\)$"):
        find(L, "z2")
    # a typo's nearest names come first in the list: the two one character away
    with pytest.raises(ValueError, match=r"\(29 names\)$") as e:
        find(L, "W1[0,2]")
    assert set(str(e.value).split("its nodes are ")[1].split(", ")[:2]) == {"W1[0,0]", "W1[0,1]"}


def test_labels_with_operators_or_spaces_are_bracketed_in_math_text():
    from microgr810.notation.names import math_name, partial

    assert partial("n", "x1*w1 + x2*w2") == "∂n/∂(x1*w1 + x2*w2)"
    assert [math_name(n) for n in ("W1[0,1]", "z1[0][n=2]", "y_hat", "t3", "ΣL", "a b", "-x", "(a + b)")] == [
        "W1[0,1]", "z1[0][n=2]", "y_hat", "t3", "ΣL", "(a b)", "(-x)", "(a + b)"
    ]  # fmt: skip


def test_explain_and_derive_bracket_karpathys_labels():
    from microgr810 import Value, derive, explain

    x1, x2, w1, w2 = Value(2.0, "x1"), Value(0.0, "x2"), Value(-3.0, "w1"), Value(1.0, "w2")
    x1w1, x2w2 = x1 * w1, x2 * w2
    x1w1.label, x2w2.label = "x1*w1", "x2*w2"
    s = x1w1 + x2w2
    s.label = "x1*w1 + x2*w2"
    n = s + Value(6.8813735870195432, "b")
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    chain = "∂o/∂n · ∂n/∂(x1*w1 + x2*w2) · ∂(x1*w1 + x2*w2)/∂(x1*w1) · ∂(x1*w1)/∂x1"
    assert chain in str(explain(o, "x1"))
    assert chain in str(derive(o, x1))
