"""trace_backward: the steps the engine takes, checked against hand math and the graph's own structure."""

import math

import numpy as np
import pytest
from microgr810.reference import ReferenceProblem

from microgr810 import Value
from microgr810.teaching.trace import trace_backward


def reference_loss(M=3, H=4, seed=0, y=1.0):
    p = ReferenceProblem.random(M, H, seed=seed, y=y)
    net = p.network()
    return net, p.loss(net)


def reuse_graph():
    """b = a*a, c = b + a at a = 3: a reaches c along three edges; dc/da = 2a + 1 = 7 by hand."""
    a = Value(3.0, "a")
    b = a * a
    b.label = "b"
    c = b + a
    c.label = "c"
    return a, b, c


def consumers(steps):
    """node -> the interior nodes that take it as an input (from the graph, not from the trace's order)."""
    out = {}
    for s in steps:
        for c in s.node.inputs:
            out.setdefault(c, set()).add(s.node)
    return out


@pytest.mark.parametrize("M,H,seed", [(1, 1, 0), (3, 4, 1), (5, 2, 2)])
def test_contributions_sum_to_each_final_grad(M, H, seed):
    _, L = reference_loss(M, H, seed)
    tr = trace_backward(L)
    received = {}
    for s in tr:
        for f in s.flows:
            received.setdefault(f.input, []).append(f)
    assert received, "the trace recorded no flows"
    for node, flows in received.items():
        assert flows[0].grad_before == 0.0  # a fresh graph: every gradient starts at 0
        # summed in the engine's order, the contributions are exactly the gradient it left
        total = 0.0
        for f in flows:
            total += f.contribution
        assert total == node.grad, tr.names[node]
        assert flows[-1].grad_after == node.grad


@pytest.mark.parametrize("M,H", [(1, 1), (3, 4), (2, 7)])
def test_one_step_per_interior_node_in_reverse_topological_order(M, H):
    _, L = reference_loss(M, H)
    tr = trace_backward(L)
    # the reference graph by hand: H a1, H z1, then a2, z2 and L
    assert len(tr) == 2 * H + 3
    assert len({id(s.node) for s in tr}) == len(tr)
    assert all(s.node.inputs for s in tr)
    position = {s.node: s.index for s in tr}
    for node, parents in consumers(tr.steps).items():
        if node in position:  # a node steps only after every node that feeds it a gradient
            assert all(position[p] < position[node] for p in parents), tr.names[node]
    assert tr[0].node is L and tr[0].upstream == 1.0


def test_hand_worked_chain_and_reuse():
    # c = a*a + a at a = 3: dc/da = 2a + 1 = 7, reached by three edges
    a, b, c = reuse_graph()
    tr = trace_backward(c)
    assert [s.name for s in tr] == ["c", "b"]
    (s1, s2) = tr
    assert [(f.name, f.local, f.grad_before, f.grad_after) for f in s1.flows] == [
        ("b", 1.0, 0.0, 1.0),
        ("a", 1.0, 0.0, 1.0),
    ]
    assert s2.upstream == 1.0
    assert [(f.local, f.grad_before, f.grad_after) for f in s2.flows] == [(3.0, 1.0, 4.0), (3.0, 4.0, 7.0)]
    assert a.grad == 7.0


def test_printed_table_uses_the_reference_notation():
    _, L = reference_loss(2, 3, seed=3, y=0.0)
    tr = trace_backward(L)
    text = str(tr)
    a2 = next(s for s in tr if s.name == "a2")
    # dL/da2 = y_hat - y by the reference derivation, here y = 0
    y_hat = 1.0 / (1.0 + math.exp(-a2.node.data))
    assert math.isclose(a2.upstream, y_hat - 0.0, rel_tol=1e-12)
    assert "a2 = W2[0,:]·z1 + b2" in text and "a1[0] = W1[0,:]·x + b1[0]" in text
    assert f"∂L/∂a2 = {a2.upstream:.4g}" in text
    assert f"∂L/∂b2 += {a2.upstream:.4g} × 1 " in text
    assert "∂z2/∂a2 = z2(1 − z2)" in text


def test_unlabelled_nodes_get_math_names_and_numbers_stay_in_their_op():
    x = Value(2.0, "x")
    y = (x * 2.0 + 1.0).tanh()
    text = str(trace_backward(y))
    assert "t1 = x·2 = 4" in text and "t2 = t1 + 1 = 5" in text and "t3 = tanh(t2)" in text
    assert "∂t3/∂t2 = 1 − t3²" in text
    rows = [line for line in text.splitlines() if "+=" in line]
    assert rows and not any(line.split("+=")[0].strip().endswith(("/∂2", "/∂1")) for line in rows)  # no row to a number


def test_frame_marks_done_current_pending_and_known_grads():
    a, b, c = reuse_graph()
    tr = trace_backward(c)
    assert tr.frame(0) == {c: ("pending", 1.0), b: ("pending", None), a: ("pending", None)}
    assert tr.frame(1) == {c: ("current", 1.0), b: ("pending", 1.0), a: ("pending", 1.0)}
    assert tr.frame(2) == {c: ("done", 1.0), b: ("current", 1.0), a: ("done", 7.0)}  # dc/da = 2a + 1
    with pytest.raises(ValueError, match="from 0 to 2"):
        tr.frame(3)


def test_tracing_a_graph_that_already_ran_backward_keeps_its_gradients():
    from microgr810.reference import ReferenceProblem

    from microgr810 import closed_form
    from microgr810.pictures.stepper import stepper

    p = ReferenceProblem.random(2, 3, seed=4, y=1.0)
    net, L = p.autograd()  # backward has run once
    hand = closed_form.gradients(p.W1, p.b1, p.W2, p.b2, p.x, p.y)
    trace = trace_backward(L)
    stepper(L)
    for name, grad in net.grad_arrays().items():
        np.testing.assert_allclose(grad, hand[name], rtol=1e-12, err_msg=name)  # not doubled
    first = [f.grad_before for s in trace for f in s.flows if f.input.label == "b2"]
    assert first == [0.0]  # the trace starts every leaf from 0
