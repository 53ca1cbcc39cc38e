"""explain: path products against backward, the numpy closed form, and hand math."""

import math

import numpy as np
import pytest
from microgr810.reference import ReferenceProblem, hand_formulas

from microgr810 import Value, closed_form
from microgr810.teaching.explain import explain
from test_trace import reuse_graph


def entry(arrays, label):
    """arrays["W1"][h, m] for the label "W1[h,m]", arrays["b2"][()] for "b2"."""
    block = label.split("[", 1)[0]
    idx = tuple(int(i) for i in label[len(block) + 1 : -1].split(",")) if "[" in label else ()
    return float(arrays[block][idx])


@pytest.mark.parametrize("M,H,seed,y", [(1, 1, 0, 1.0), (3, 4, 1, 0.0), (4, 2, 2, 1.0), (2, 5, 3, 0.3)])
def test_paths_sum_to_grad_for_every_parameter(M, H, seed, y):
    p = ReferenceProblem.random(M, H, seed=seed, y=y)
    net = p.network()
    L = p.loss(net)
    hand = closed_form.gradients(p.W1, p.b1, p.W2, p.b2, p.x, p.y)  # numpy, the derivation's (a)-(d)
    for name, param in net.named_parameters():
        e = explain(L, param, y=y, hand=hand_formulas)
        want = entry(hand, name)
        # one path to each parameter of this network: the layers are fully connected but not shared
        assert len(e.paths) == 1, name
        assert math.isclose(e.total, param.grad, rel_tol=1e-9, abs_tol=1e-14), name
        assert math.isclose(e.total, want, rel_tol=1e-9, abs_tol=1e-14), name
        assert e.hand is not None and math.isclose(e.hand[2], want, rel_tol=1e-9, abs_tol=1e-14), name
        assert e.agrees, str(e)


def test_batch_loss_reaches_each_parameter_once_per_datapoint():
    p = ReferenceProblem.random(3, 2, seed=5, batch=4)
    net = p.network()
    L = p.loss(net)
    hand = closed_form.gradients(p.W1, p.b1, p.W2, p.b2, p.x, p.y)  # the batch mean, in numpy
    for name, param in net.named_parameters():
        e = explain(L, param, hand=hand_formulas)
        assert len(e.paths) == 4, name
        assert math.isclose(e.total, param.grad, rel_tol=1e-9, abs_tol=1e-14), name
        assert math.isclose(e.total, entry(hand, name), rel_tol=1e-9, abs_tol=1e-14), name
        assert e.hand is None  # the derivation's formulas are for one datapoint


def test_inputs_are_reached_through_every_hidden_unit():
    p = ReferenceProblem.random(2, 3, seed=4, y=1.0)
    net = p.network()
    L = p.loss(net)
    e = explain(L, "x[1]")
    assert len(e.paths) == 3  # x[1] feeds a1[0], a1[1], a1[2]
    # dL/dx[m] = sum_h W2[h] z1[h](1 - z1[h]) W1[h,m] (y_hat - y), in numpy
    f = closed_form.forward(p.W1, p.b1, p.W2, p.b2, p.x)
    want = float(np.sum(p.W2[0] * f["z1"] * (1 - f["z1"]) * p.W1[:, 1]) * (f["z2"] - 1.0))
    assert math.isclose(e.total, want, rel_tol=1e-9)
    assert e.hand is None and e.agrees


def test_reused_node_lists_every_path():
    # c = a*a + a: dc/da = 2a + 1 = 7 at a = 3, along c→b→a (twice: both factors of a*a) and c→a
    a, b, c = reuse_graph()
    e = explain(c, a)
    assert e.ran_backward and a.grad == 7.0
    assert sorted(p.product for p in e.paths) == [1.0, 3.0, 3.0]
    # the two paths through b = a*a differ in b's slot that a fills
    assert [[f.name for f in p.factors] for p in e.paths] == [
        ["∂c/∂b", "∂b/∂a (1st)"],
        ["∂c/∂b", "∂b/∂a (2nd)"],
        ["∂c/∂a"],
    ]
    assert e.total == 7.0
    text = str(e)
    assert "3 paths from c to a" in text and "agrees" in text


def test_refuses_too_many_paths_and_unknown_nodes():
    # a ladder x_{k+1} = x_k * x_k doubles the paths at every rung: 2^20 from the top to x_0
    x0 = Value(1.0, "x0")
    x = x0
    for _ in range(20):
        x = x * x
    with pytest.raises(ValueError, match=r"1048576 paths .*max_paths"):
        explain(x, x0)
    with pytest.raises(ValueError, match="no node named 'nope' under 't20'; its nodes are x0, t1"):
        explain(x, "nope")
    with pytest.raises(ValueError, match="not in the graph"):
        explain(x, Value(2.0, "w"))


def test_deep_chain_does_not_recurse():
    x0 = Value(0.5, "x0")
    x = x0
    for _ in range(50_000):
        x = x + 1.0
    e = explain(x, x0)
    assert len(e.paths) == 1 and e.total == 1.0 and x0.grad == 1.0


def test_hand_formula_reads_like_the_derivation_and_y_is_the_loss_nodes_target():
    p = ReferenceProblem.random(3, 2, seed=1, y=1.0)
    net = p.network()
    L = p.loss(net)
    text = str(explain(L, "W1[0,1]", hand=hand_formulas))
    assert "W2[0]·x[1]·z1[0](1 − z1[0])(ŷ − y)" in text
    assert "(0.553 − 1)" in text  # y = 1, the number the loss node keeps as its target
    assert "DIFFERS" not in text
