"""The heart of the project: for every parameter of the reference network, autograd equals the
hand-derived formulas of docs/derivation.md (microgr810.closed_form), finite
differences, and PyTorch in float64.
"""

import numpy as np
import pytest
from microgr810.reference import ReferenceProblem

from microgr810 import closed_form
from microgr810.teaching.gradcheck import gradcheck

SHAPES = [(1, 1), (1, 3), (2, 2), (3, 4), (5, 2), (8, 16), (16, 32)]
TARGETS = [0.0, 1.0, 0.3]
SEEDS = [0, 1, 2]


def every_parameter_matches(problem, rtol=1e-10, atol=1e-13):
    net, _ = problem.autograd()
    auto = net.grad_arrays()
    hand = closed_form.gradients(problem.W1, problem.b1, problem.W2, problem.b2, problem.x, problem.y)
    assert set(auto) == set(hand) == {"W1", "b1", "W2", "b2"}
    for name in hand:
        assert auto[name].shape == hand[name].shape, name
        np.testing.assert_allclose(auto[name], hand[name], rtol=rtol, atol=atol, err_msg=name)
    return net


@pytest.mark.parametrize("M,H", SHAPES)
@pytest.mark.parametrize("y", TARGETS)
@pytest.mark.parametrize("seed", SEEDS)
def test_autograd_equals_closed_form_one_datapoint(M, H, y, seed):
    every_parameter_matches(ReferenceProblem.random(M, H, seed=seed, y=y))


@pytest.mark.parametrize("M,H", SHAPES[:5])
@pytest.mark.parametrize("seed", SEEDS)
def test_autograd_equals_closed_form_batch(M, H, seed):
    problem = ReferenceProblem.random(M, H, seed=seed, batch=7)
    problem.y[0] = 0.25  # a fractional target in the batch too
    every_parameter_matches(problem)


def test_each_formula_by_name_for_one_element():
    # the four formulas written out once more, element by element, from the forward values
    p = ReferenceProblem.random(3, 4, seed=5, y=1.0)
    net, _ = p.autograd()
    f = closed_form.forward(p.W1, p.b1, p.W2, p.b2, p.x)
    z1, y_hat = f["z1"], float(f["z2"])
    grads = {q.label: q.grad for q in net.parameters()}
    h, m = 2, 1
    assert grads["b2"] == pytest.approx(y_hat - p.y, rel=1e-12)  # (a)
    assert grads[f"W2[0,{h}]"] == pytest.approx(z1[h] * (y_hat - p.y), rel=1e-12)  # (b)
    assert grads[f"b1[{h}]"] == pytest.approx(p.W2[0, h] * z1[h] * (1 - z1[h]) * (y_hat - p.y), rel=1e-12)  # (c)
    assert grads[f"W1[{h},{m}]"] == pytest.approx(
        p.W2[0, h] * p.x[m] * z1[h] * (1 - z1[h]) * (y_hat - p.y), rel=1e-12
    )  # (d)


def test_intermediate_labels_follow_the_derivation():
    p = ReferenceProblem.random(2, 3, seed=0, y=1.0)
    net = p.network()
    L = p.loss(net)
    z2 = L.inputs[0]
    a2 = z2.inputs[0]
    assert (L.label, z2.label, a2.label) == ("L", "z2", "a2")
    z1 = [v for v in a2.inputs if v.label.startswith("z1")]
    assert [v.label for v in z1] == ["z1[0]", "z1[1]", "z1[2]"]
    assert [v.inputs[0].label for v in z1] == ["a1[0]", "a1[1]", "a1[2]"]
    f = closed_form.forward(p.W1, p.b1, p.W2, p.b2, p.x)
    np.testing.assert_allclose([v.data for v in z1], f["z1"], rtol=1e-14)
    assert a2.data == pytest.approx(float(f["a2"]), rel=1e-14)


def test_dl_da2_is_y_hat_minus_y():
    for y in TARGETS:
        p = ReferenceProblem.random(3, 4, seed=1, y=y)
        net = p.network()
        L = p.loss(net)
        L.backward()
        z2 = L.inputs[0]
        a2 = z2.inputs[0]
        assert a2.grad == pytest.approx(z2.data - y, rel=4e-16, abs=1e-300)


@pytest.mark.parametrize("M,H", [(1, 1), (3, 4), (4, 6)])
@pytest.mark.parametrize("batch", [None, 5])
def test_autograd_equals_finite_differences(M, H, batch):
    p = ReferenceProblem.random(M, H, seed=3, batch=batch)
    net = p.network()
    report = gradcheck(lambda: p.loss(net), net.parameters(), eps=1e-6, rtol=1e-6, atol=1e-9)
    assert report.ok, str(report)
    assert len(report.rows) == H * M + H + H + 1


@pytest.mark.parametrize("M,H", [(1, 1), (3, 4), (16, 32)])
@pytest.mark.parametrize("batch", [None, 6])
@pytest.mark.parametrize("seed", [0, 7])
def test_autograd_equals_pytorch_float64(torch, M, H, batch, seed):
    p = ReferenceProblem.random(M, H, seed=seed, batch=batch)
    net, L = p.autograd()
    t = {
        k: torch.tensor(np.asarray(v, dtype=float), requires_grad=True)
        for k, v in (("W1", p.W1), ("b1", p.b1), ("W2", p.W2), ("b2", p.b2))
    }
    x = torch.tensor(p.x)
    y_hat = torch.sigmoid(torch.sigmoid(x @ t["W1"].T + t["b1"]) @ t["W2"][0] + t["b2"])
    loss = torch.nn.functional.binary_cross_entropy(y_hat, torch.tensor(p.y))
    loss.backward()
    assert L.data == pytest.approx(loss.item(), rel=1e-12)
    for name, grad in net.grad_arrays().items():
        np.testing.assert_allclose(grad, t[name].grad.numpy(), rtol=1e-10, atol=1e-14, err_msg=name)


def test_dimensions_table_is_part_one():
    d = closed_form.dimensions(5, 7)
    assert d == {
        "x": (5,),
        "W1": (7, 5),
        "b1": (7,),
        "a1": (7,),
        "z1": (7,),
        "W2": (1, 7),
        "b2": (),
        "a2": (),
        "z2": (),
    }
    # and the shapes really compose under numpy
    W1, b1, W2 = np.ones(d["W1"]), np.ones(d["b1"]), np.ones(d["W2"])
    assert (W1 @ np.ones(d["x"]) + b1).shape == d["a1"]
    assert (W2 @ np.ones(d["z1"])).shape == (1,)


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_dimensions_refuse_bad_sizes(bad):
    with pytest.raises(ValueError, match="M must be a positive integer"):
        closed_form.dimensions(bad, 3)


def test_closed_form_refuses_wrong_shapes_naming_them():
    W1 = np.zeros((3, 2))
    with pytest.raises(ValueError, match=r"b1 must have shape \(3,\).*got \(2,\)"):
        closed_form.gradients(W1, np.zeros(2), np.zeros((1, 3)), 0.0, np.zeros(2), 1.0)
    with pytest.raises(ValueError, match=r"x must have shape"):
        closed_form.forward(W1, np.zeros(3), np.zeros((1, 3)), 0.0, np.zeros(5))
