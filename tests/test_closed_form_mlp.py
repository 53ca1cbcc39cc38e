"""closed_form.backprop (matrix backprop for any MLP) against autograd, and (a)-(d) as its special case."""

import numpy as np
import pytest
from microgr810.losses import bce, mse
from microgr810.nn import MLP
from microgr810.reference import ReferenceProblem

from microgr810 import closed_form


def autograd(net, X, y, loss):
    """The engine's gradients of the batch-mean loss (our MLP and losses), as numpy arrays."""
    preds = [net(list(row)) for row in X]
    L = (bce if loss == "bce" else mse)(preds, list(y))
    net.zero_grad()
    L.backward()
    return net.grad_arrays()


CASES = [  # sizes (M, hidden..., 1), hidden activation, output activation, loss, batch
    ((3, 4, 1), "sigmoid", "sigmoid", "bce", 1),
    ((2, 5, 3, 1), "tanh", "sigmoid", "bce", 4),
    ((4, 3, 3, 2, 1), "relu", "linear", "mse", 3),
    ((1, 2, 1), "linear", "linear", "mse", 2),
    ((3, 6, 1), "tanh", "sigmoid", "mse", 5),
    ((2, 1), "relu", "sigmoid", "bce", 3),  # no hidden layer: logistic regression
]


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("sizes,act,out_act,loss,N", CASES)
def test_backprop_equals_autograd(sizes, act, out_act, loss, N, seed):
    rng = np.random.default_rng(seed)
    net = MLP(sizes[0], list(sizes[1:]), act, out_act, seed=seed)
    arrays = {k: v + rng.normal(scale=0.3, size=np.shape(v)) for k, v in net.arrays().items()}
    net.set_arrays(arrays)  # nonzero biases: a zero bias would hide a b/W mix-up
    X = rng.normal(size=(N, sizes[0]))
    y = rng.integers(0, 2, size=N).astype(float) if loss == "bce" else rng.normal(size=N)
    want = autograd(net, X, y, loss)
    got = closed_form.backprop(arrays, X, y, activation=act, output_activation=out_act, loss=loss)
    assert list(got) == list(want)
    for k in want:
        assert got[k].shape == want[k].shape, k
        np.testing.assert_allclose(got[k], want[k], rtol=1e-10, atol=1e-13, err_msg=k)


@pytest.mark.parametrize("M,H,seed,y,batch", [(3, 4, 0, 1.0, None), (2, 5, 1, 0.0, None), (4, 2, 2, 0.3, 6)])
def test_reference_formulas_are_the_special_case(M, H, seed, y, batch):
    p = ReferenceProblem.random(M, H, seed=seed, y=y, batch=batch)
    hand = closed_form.gradients(p.W1, p.b1, p.W2, p.b2, p.x, p.y)
    arrays = {"W1": p.W1, "b1": p.b1, "W2": p.W2, "b2": p.b2}
    got = closed_form.backprop(arrays, p.x, p.y, activation="sigmoid", output_activation="sigmoid", loss="bce")
    for k in hand:
        np.testing.assert_allclose(got[k], hand[k], rtol=1e-12, atol=1e-15, err_msg=k)


def test_one_datapoint_by_hand():
    # y_hat = w x + b (linear), MSE: dL/dw = 2(y_hat - y) x, dL/db = 2(y_hat - y)
    arrays = {"W1": np.array([[3.0]]), "b1": np.array(1.0)}
    g = closed_form.backprop(arrays, [2.0], 4.0, activation="linear", output_activation="linear", loss="mse")
    assert g["W1"].tolist() == [[2 * (7.0 - 4.0) * 2.0]] and float(g["b1"]) == 2 * (7.0 - 4.0)


@pytest.mark.parametrize(
    "kwargs,needle",
    [
        ({"loss": "hinge"}, "unknown loss 'hinge'"),
        ({"loss": "bce", "output_activation": "tanh"}, "output activation must be sigmoid"),
        ({"activation": "swish"}, "unknown activation 'swish'"),
    ],
)
def test_refusals(kwargs, needle):
    arrays = {"W1": np.ones((2, 2)), "b1": np.zeros(2), "W2": np.ones((1, 2)), "b2": np.array(0.0)}
    with pytest.raises(ValueError, match=needle):
        closed_form.backprop(arrays, np.ones((1, 2)), [1.0], **kwargs)


def test_shape_mismatch_names_the_layer():
    arrays = {"W1": np.ones((2, 3)), "b1": np.zeros(2), "W2": np.ones((1, 2)), "b2": np.array(0.0)}
    with pytest.raises(ValueError, match="W1 .* do not fit an input of width 2"):
        closed_form.backprop(arrays, np.ones((1, 2)), [1.0])
    with pytest.raises(ValueError, match="one target per datapoint"):
        closed_form.backprop(arrays, np.ones((2, 3)), [1.0])


@pytest.mark.parametrize(
    "extra",
    [
        ["--layers", "3,4,4,1"],
        ["--layers", "2,3,1", "--activation", "tanh", "--loss", "mse", "--batch", "3"],
        ["--activation", "relu", "--loss", "mse", "--output-activation", "sigmoid", "--y", "0.25"],
    ],
)
def test_check_command_on_any_mlp(capsys, extra):
    from microgr810.command.cli import main

    assert main(["check", *extra]) == 0
    out = capsys.readouterr().out
    assert "all gradients agree" in out
    sizes = [int(s) for s in extra[extra.index("--layers") + 1].split(",")] if "--layers" in extra else [3, 4, 1]
    last_bias = f"b{len(sizes) - 1}"
    rows = [line for line in out.splitlines() if line[:1] in ("W", "b") and "[" in line or line[:2] == last_bias]
    assert len(rows) == sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))  # every weight and bias once


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--layers", "3,4"], "like 3,4,4,1"),
        (["--loss", "bce", "--output-activation", "tanh"], "--output-activation must be sigmoid"),
        (["--activation", "swish"], "invalid choice: 'swish'"),
    ],
)
def test_check_command_refuses(args, needle):
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "microgr810", "check", *args], capture_output=True, text=True)
    assert r.returncode == 2 and needle in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
