"""Module, Neuron, Layer, MLP: structure, labels, parameter order, numpy interop, initialisation."""

import numpy as np
import pytest
from microgr810.nn import MLP, Layer, Neuron

from microgr810 import Value


def test_layer_always_returns_a_list_and_deep_one_neuron_stacks_work():
    layer = Layer(3, 1)
    out = layer([1.0, 2.0, 3.0])
    assert isinstance(out, list) and len(out) == 1
    net = MLP(2, [16, 1, 1], seed=0)  # micrograd's one-neuron special case breaks this
    y = net([0.5, -0.5])
    assert isinstance(y, Value)
    y.backward()
    assert any(p.grad != 0.0 for p in net.parameters())


def test_parameters_order_layer_by_layer_neuron_by_neuron_weights_then_bias():
    net = MLP(2, [3, 1], "sigmoid", "sigmoid", seed=0)
    assert [p.label for p in net.parameters()] == [
        "W1[0,0]",
        "W1[0,1]",
        "b1[0]",
        "W1[1,0]",
        "W1[1,1]",
        "b1[1]",
        "W1[2,0]",
        "W1[2,1]",
        "b1[2]",
        "W2[0,0]",
        "W2[0,1]",
        "W2[0,2]",
        "b2",
    ]
    assert len(net.parameters()) == 3 * 2 + 3 + 3 + 1


def test_forward_labels_intermediates():
    net = MLP(2, [2, 2, 1], "tanh", "sigmoid", seed=1)
    z3 = net([1.0, 2.0])
    assert z3.label == "z3" and z3.inputs[0].label == "a3"
    a3 = z3.inputs[0]
    assert {v.label for v in a3.inputs} >= {"z2[0]", "z2[1]", "W3[0,0]", "W3[0,1]", "b3"}
    linear_out = MLP(2, [3], seed=0)([1.0, 2.0])
    assert [v.label for v in linear_out] == ["a1[0]", "a1[1]", "a1[2]"]  # no output activation


def test_forward_matches_numpy():
    net = MLP(3, [4, 2], "tanh", None, seed=3)
    W = net.arrays()
    x = np.array([0.3, -1.2, 2.0])
    expected = W["W2"] @ np.tanh(W["W1"] @ x + W["b1"]) + W["b2"]
    np.testing.assert_allclose([v.data for v in net(list(x))], expected, rtol=1e-13)


def test_zero_grad():
    net = MLP(2, [2, 1], seed=0)
    net([1.0, 1.0]).backward()
    net.zero_grad()
    assert all(p.grad == 0.0 for p in net.parameters())


def test_seeded_fan_in_scaled_init():
    a, b = MLP(50, [40, 1], seed=7), MLP(50, [40, 1], seed=7)
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    assert [p.data for p in a.parameters()] != [p.data for p in MLP(50, [40, 1], seed=8).parameters()]
    W1 = a.arrays()["W1"]  # relu: He, variance 2/nin
    assert np.abs(W1).max() <= np.sqrt(6 / 50)
    assert W1.var() == pytest.approx(2 / 50, rel=0.1)
    W = MLP(50, [40, 1], "tanh", seed=7).arrays()["W1"]  # otherwise LeCun, variance 1/nin
    assert W.var() == pytest.approx(1 / 50, rel=0.1)


def test_arrays_roundtrip_with_reference_shapes():
    rng = np.random.default_rng(0)
    arrays = {
        "W1": rng.normal(size=(4, 3)),
        "b1": rng.normal(size=4),
        "W2": rng.normal(size=(1, 4)),
        "b2": np.float64(0.5),
    }
    net = MLP.reference(**arrays)
    assert net.shapes() == {"W1": (4, 3), "b1": (4,), "W2": (1, 4), "b2": ()}
    got = net.arrays()
    for k, v in arrays.items():
        assert got[k].shape == np.shape(v)
        np.testing.assert_array_equal(got[k], v)
    grads = net.grad_arrays()
    assert {k: g.shape for k, g in grads.items()} == net.shapes()
    net.set_arrays(W1=arrays["W1"], b1=arrays["b1"], W2=arrays["W2"], b2=np.array([2.0]))  # (1,) accepted
    assert net.arrays()["b2"] == 2.0


def test_set_arrays_errors_name_expected_and_given_shape_and_change_nothing():
    net = MLP(3, [4, 1], seed=0)
    before = net.arrays()
    good = dict(before)
    with pytest.raises(ValueError, match=r"W1 must have shape \(4, 3\), got \(3, 4\)"):
        net.set_arrays({**good, "W1": np.zeros((3, 4))})
    with pytest.raises(ValueError, match=r"missing \['b2'\]"):
        net.set_arrays({k: v for k, v in good.items() if k != "b2"})
    with pytest.raises(ValueError, match=r"unknown \['W9'\]"):
        net.set_arrays({**good, "W9": np.zeros(1)})
    with pytest.raises(TypeError, match="W2 must hold real numbers"):
        net.set_arrays({**good, "W2": np.array([["a", "b", "c", "d"]])})
    for k, v in net.arrays().items():
        np.testing.assert_array_equal(v, before[k])


@pytest.mark.parametrize("bad", [0, -2, 1.5, True])
def test_bad_sizes_refused(bad):
    with pytest.raises(ValueError, match="positive integer"):
        MLP(2, [bad, 1])
    with pytest.raises(ValueError, match="nin must be a positive integer"):
        MLP(bad, [1])


def test_wrong_input_length_and_unknown_activation():
    with pytest.raises(ValueError, match="takes 3 inputs, got 2"):
        MLP(3, [2])([1.0, 2.0])
    with pytest.raises(ValueError, match="unknown activation 'softmax'"):
        Neuron(2, "softmax")
    with pytest.raises(ValueError, match="at least one layer"):
        MLP(2, [])


def test_outputs_is_always_a_list_and_scalar_is_the_one_value():
    net = MLP(2, [3, 1], "tanh", seed=0)
    x = [0.5, -1.0]
    (one,) = net.outputs(x)
    assert net.scalar(x).data == one.data == net(x).data
    wide = MLP(2, [3, 2], "tanh", seed=0)
    assert [v.data for v in wide.outputs(x)] == [v.data for v in wide(x)] and len(wide.outputs(x)) == 2
