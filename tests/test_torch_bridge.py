"""The PyTorch bridge: an MLP and its torch module compute the same outputs and gradients, and a microgr810
graph run as a torch function passes torch's own gradcheck and gradgradcheck."""

import numpy as np
import pytest
from microgr810.nn import MLP

from microgr810 import Value, add_n, linear
from microgr810.adapters.torch_bridge import as_torch_function

SHAPES = [  # nin, layer sizes, hidden activation, output activation
    (3, [4, 1], "sigmoid", "sigmoid"),  # the reference network
    (2, [16, 16, 1], "relu", None),  # the training demo's
    (3, [5, 4, 2], "tanh", None),
    (4, [3, 3], "relu", "tanh"),
    (1, [2, 1], "linear", "sigmoid"),
    (2, [3], "relu", "relu"),
]


def linears(module):
    import torch

    return [m for m in module.layers if isinstance(m, torch.nn.Linear)]


def both_ways(net, module, X):
    """Outputs and every gradient of L = sum of squared outputs over the batch X, from each side."""
    import torch

    outs = [net.outputs(list(map(float, row))) for row in X]
    add_n([o * o for row in outs for o in row]).backward()
    y = module(torch.tensor(X))
    (y**2).sum().backward()
    ours = np.array([[o.data for o in row] for row in outs])
    grads = net.grad_arrays()
    return (
        ours,
        y.detach().numpy(),
        [
            (grads[f"W{l}"], grads[f"b{l}"].reshape(-1), m.weight.grad.numpy(), m.bias.grad.numpy())
            for l, m in enumerate(linears(module), 1)
        ],
    )


@pytest.mark.parametrize("nin, nouts, act, out_act", SHAPES)
def test_to_torch_gives_the_same_outputs_and_gradients(torch, nin, nouts, act, out_act):
    net = MLP(nin, nouts, act, out_act, seed=3)
    module = net.to_torch()
    X = np.random.default_rng(0).normal(size=(5, nin))
    ours, theirs, grads = both_ways(net, module, X)
    np.testing.assert_allclose(ours.reshape(theirs.shape), theirs, rtol=1e-12, atol=1e-12)
    for W, b, tW, tb in grads:
        np.testing.assert_allclose(W, tW, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(b, tb, rtol=1e-12, atol=1e-12)
    # a one-neuron output is a scalar, as net(x) is a Value; a batch gives one per row
    x = torch.tensor(X[0])
    assert module(x).shape == (() if nouts[-1] == 1 else (nouts[-1],))
    assert module(torch.tensor(X)).shape == ((5,) if nouts[-1] == 1 else (5, nouts[-1]))
    assert all(p.dtype == torch.float64 for p in module.parameters())


def test_to_torch_takes_a_dtype(torch):
    net = MLP(3, [4, 1], "tanh", seed=0)
    module = net.to_torch(dtype=torch.float32)
    x = [0.5, -1.0, 2.0]
    assert all(p.dtype == torch.float32 for p in module.parameters())
    assert module(torch.tensor(x, dtype=torch.float32)).item() == pytest.approx(net(x).data, rel=1e-6)


def test_from_torch_reads_a_plain_sequential(torch):
    torch.manual_seed(0)
    nn = torch.nn
    seq = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 1), nn.Sigmoid()).double()
    net = MLP.from_torch(seq)
    assert [len(layer.neurons) for layer in net.layers] == [4, 4, 1]
    assert [layer.neurons[0].activation for layer in net.layers] == ["tanh", "tanh", "sigmoid"]

    class Wrapped(nn.Module):  # both_ways reads .layers and squeezes as to_torch's module does
        def __init__(self):
            super().__init__()
            self.layers = seq

        def forward(self, x):
            return seq(x).squeeze(-1)

    X = np.random.default_rng(1).normal(size=(4, 3))
    ours, theirs, grads = both_ways(net, Wrapped(), X)
    np.testing.assert_allclose(ours.ravel(), theirs, rtol=1e-12, atol=1e-12)
    for W, b, tW, tb in grads:
        np.testing.assert_allclose(W, tW, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(b, tb, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("nin, nouts, act, out_act", SHAPES)
def test_from_torch_of_to_torch_is_the_same_network(torch, nin, nouts, act, out_act):
    net = MLP(nin, nouts, act, out_act, seed=5)
    back = MLP.from_torch(net.to_torch())
    assert repr(back) == repr(net).replace("'linear'", "None")  # "linear" and None are the same activation
    for name, block in net.arrays().items():
        assert np.array_equal(back.arrays()[name], block), name  # float64 both ways: bit for bit


@pytest.mark.parametrize(
    "modules, match",
    [
        (
            lambda nn: [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 3), nn.Tanh(), nn.Linear(3, 1)],
            r"the hidden layers use different activations \['relu', 'tanh'\]",
        ),
        (lambda nn: [nn.Linear(2, 3, bias=False)], r"module 0 \(Linear\) has no bias"),
        (lambda nn: [nn.Linear(2, 3), nn.Dropout(), nn.Linear(3, 1)], r"module 1 \(Dropout\) is not a Linear layer"),
        (lambda nn: [nn.Linear(2, 3), nn.Linear(4, 1)], r"module 1 takes 4 inputs after a layer of 3"),
        (lambda nn: [nn.ReLU()], r"module 0 \(ReLU\) is not a Linear layer"),
    ],
)
def test_from_torch_refuses_what_an_mlp_cannot_be(torch, modules, match):
    with pytest.raises(ValueError, match=match):
        MLP.from_torch(torch.nn.Sequential(*modules(torch.nn)))


EXPRESSIONS = {  # name: (f on Values, a point)
    "tanh neuron": (lambda w1, w2, x1, x2, b: (w1 * x1 + w2 * x2 + b).tanh(), [0.3, -0.8, 1.1, 0.4, 0.2]),
    "linear sigmoid": (lambda w1, w2, x1, x2, b: linear([w1, w2], [x1, x2], b).sigmoid(), [0.5, 0.25, -1.0, 2.0, 0.1]),
    "log of sigmoid": (lambda a, b: (a.sigmoid() * b + 2.0).log(), [0.7, -1.3]),
    "exp over a square": (lambda a, b: (a * b).exp() / (1.0 + a**2), [0.4, -0.9]),
    "powers": (lambda a, b: a**3 - b**-2 + (a * a + 1.0) ** 0.5, [1.2, 0.8]),
    "value exponent": (lambda a, b: (a * a + 1.0) ** b * b.sigmoid(), [0.6, 1.7]),
    "reuse": (lambda a: a * a.exp() - 1.0 / a + a.tanh() * a, [0.9]),
}


@pytest.mark.parametrize("name", list(EXPRESSIONS))
def test_a_graph_as_a_torch_function_passes_gradcheck_and_gradgradcheck(torch, name):
    f, point = EXPRESSIONS[name]
    g = as_torch_function(f)
    xs = tuple(torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point)
    out = g(*xs)
    assert out.dtype == torch.float64 and out.shape == ()
    assert out.item() == f(*map(Value, point)).data
    assert torch.autograd.gradcheck(g, xs, eps=1e-6, atol=1e-8, rtol=1e-6)
    assert torch.autograd.gradgradcheck(g, xs, eps=1e-6, atol=1e-7, rtol=1e-5)


def test_the_gradient_and_hessian_equal_pytorchs_own(torch):
    """The same expression written in torch: first and second derivatives to 1e-12."""
    f, point = EXPRESSIONS["exp over a square"]
    g = as_torch_function(f)
    ours = [torch.tensor(x, requires_grad=True) for x in point]
    theirs = [torch.tensor(x, requires_grad=True) for x in point]
    d_ours = torch.autograd.grad(g(*ours), ours, create_graph=True)
    d_theirs = torch.autograd.grad(f(*theirs), theirs, create_graph=True)
    for i in range(2):
        assert d_ours[i].item() == pytest.approx(d_theirs[i].item(), rel=1e-12)
        h_ours = torch.autograd.grad(d_ours[i], ours, retain_graph=True)
        h_theirs = torch.autograd.grad(d_theirs[i], theirs, retain_graph=True)
        for j in range(2):
            assert h_ours[j].item() == pytest.approx(h_theirs[j].item(), rel=1e-12)


def test_a_torch_function_refuses_tensors_of_more_than_one_number(torch):
    g = as_torch_function(lambda a: a.tanh())
    with pytest.raises(TypeError, match=r"argument 0 must be a one-element tensor, got \(2,\)"):
        g(torch.zeros(2))
    h = as_torch_function(lambda a: 1.0)
    with pytest.raises(TypeError, match="must return a Value, got float"):
        h(torch.tensor(0.5))
