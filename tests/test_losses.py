"""Losses: values and gradients by hand math and PyTorch; BCE's stability when y_hat saturates."""

import math

import pytest
from microgr810.losses import bce, bce_with_logits, hinge, mse

from microgr810 import Value


def test_bce_value_and_gradient_by_hand():
    p = Value(0.8)
    L = bce(p, 1.0)
    L.backward()
    assert L.data == pytest.approx(-math.log(0.8), rel=1e-14)
    assert p.grad == pytest.approx(-1 / 0.8, rel=1e-14)  # dL/dp = (p - y)/(p(1 - p))
    q = Value(0.3)
    bce(q, 0.25).backward()
    assert q.grad == pytest.approx((0.3 - 0.25) / (0.3 * 0.7), rel=1e-14)


@pytest.mark.parametrize("a", [-800.0, -40.0, -5.0, 0.0, 3.0, 40.0, 800.0])
@pytest.mark.parametrize("y", [0.0, 1.0, 0.3])
def test_bce_on_sigmoid_stays_finite_and_gives_y_hat_minus_y(a, y):
    logit = Value(a)
    y_hat = logit.sigmoid()
    L = bce(y_hat, y)
    L.backward()
    # softplus(a) - y a, the loss from the logit, written independently
    expected = max(a, 0) + math.log1p(math.exp(-abs(a))) - y * a
    assert math.isfinite(L.data) and L.data == pytest.approx(expected, rel=1e-12)
    assert logit.grad == pytest.approx(y_hat.data - y, rel=4e-16, abs=1e-300)


@pytest.mark.parametrize("a", [-800.0, -3.0, 0.0, 2.0, 800.0])
def test_bce_with_logits(a):
    logit = Value(a)
    L = bce_with_logits(logit, 1.0)
    L.backward()
    assert math.isfinite(L.data)
    sig = 1 / (1 + math.exp(-a)) if a > -700 else 0.0
    assert logit.grad == pytest.approx(sig - 1.0, abs=1e-15)


def test_bce_refuses_probabilities_outside_open_interval():
    with pytest.raises(ValueError, match=r"'p' is 1\.0, outside \(0, 1\)"):
        bce(Value(1.0, "p"), 1.0)
    with pytest.raises(ValueError, match=r"target y must be in \[0, 1\], got 2\.0"):
        bce(Value(0.5), 2.0)


def test_batch_is_the_mean():
    ps, ys = [Value(0.2), Value(0.7), Value(0.9)], [0.0, 1.0, 1.0]
    L = bce(ps, ys)
    L.backward()
    assert L.data == pytest.approx(-(math.log(0.8) + math.log(0.7) + math.log(0.9)) / 3, rel=1e-14)
    assert ps[1].grad == pytest.approx(-1 / 0.7 / 3, rel=1e-14)
    with pytest.raises(ValueError, match="2 predictions and 3 targets"):
        bce(ps[:2], ys)


def test_mse_and_hinge():
    p = Value(2.5)
    L = mse(p, 1.0)
    L.backward()
    assert L.data == 2.25 and p.grad == 3.0  # 2 (p - y)
    s = Value(0.25)
    h = hinge(s, -1)
    h.backward()
    assert h.data == 1.25 and s.grad == 1.0  # d/ds max(0, 1 + s) = 1
    s2 = Value(3.0)
    h2 = hinge(s2, 1)
    h2.backward()
    assert h2.data == 0.0 and s2.grad == 0.0
    with pytest.raises(ValueError, match="-1 or \\+1, got 0.5"):
        hinge(Value(1.0), 0.5)
    batch = mse([Value(1.0), Value(3.0)], [0.0, 0.0])
    assert batch.data == 5.0


def test_losses_against_pytorch(torch):
    import numpy as np

    F = torch.nn.functional
    preds, ys = [0.1, 0.45, 0.99], [0.0, 1.0, 0.2]
    for ours, theirs in ((bce, F.binary_cross_entropy), (mse, F.mse_loss)):
        vs = [Value(p) for p in preds]
        L = ours(vs, ys)
        L.backward()
        t = torch.tensor(preds, requires_grad=True)
        T = theirs(t, torch.tensor(ys))
        T.backward()
        assert L.data == pytest.approx(T.item(), rel=1e-12)
        np.testing.assert_allclose([v.grad for v in vs], t.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("loss,pred", [(bce, 0.5), (mse, 0.5), (hinge, 0.5)])
def test_a_nan_target_gives_a_nan_loss_not_an_error(loss, pred):
    p = Value(pred)
    L = loss(p, math.nan)
    L.backward()
    assert math.isnan(L.data) and math.isnan(p.grad)
    s = Value(2.0)
    Ls = bce(s.sigmoid(), math.nan)  # the logit path too
    Ls.backward()
    assert math.isnan(Ls.data) and math.isnan(s.grad)
