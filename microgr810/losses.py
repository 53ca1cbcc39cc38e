"""Losses: binary cross-entropy, mean squared error, hinge. Each takes one datapoint or a batch.

A batch is a list of predictions with a list of targets; the loss is the mean over it.
"""

from __future__ import annotations

import math
from typing import Sequence

from .engine import Number, Value, _const, _to_float, add_n, sigmoid_and_slope

__all__ = ["bce", "bce_with_logits", "mse", "hinge"]


def _target(y: object, lo: float, hi: float, what: str) -> float:
    t = _to_float(y, "target")
    if not lo <= t <= hi and t == t:  # a NaN target passes: NaN in, NaN out
        raise ValueError(f"{what}: target y must be in [{lo:g}, {hi:g}], got {t!r}")
    return t


def _bce_of_logit(a: float, y: float) -> float:
    """-(y ln sigma(a) + (1-y) ln(1 - sigma(a))) = softplus(a) - y a, with no overflow and the big
    terms max(a, 0) - y a cancelled before the small log1p(e^-|a|) is added (4e-18 at a = 40, y = 1)."""
    return max(a, 0.0) - y * a + math.log1p(math.exp(-abs(a)))


def _bce_one(y_hat: Value, y: float) -> Value:
    """L = -(y ln y_hat + (1-y) ln(1-y_hat)), one node: dL/dy_hat = (y_hat - y) / (y_hat (1 - y_hat))."""
    if y_hat._op == "sigmoid":
        # y_hat = sigma(a2): L from the logit stays finite however saturated y_hat is, and the local
        # derivative divides by the very sigma'(a2) the sigmoid node stored, so backward's product
        # dL/da2 = (y_hat - y)/sigma' * sigma' is y_hat - y (to the last bit, or within 1 ulp)
        a = y_hat._prev[0].data
        loss = _bce_of_logit(a, y)
        slope = y_hat._local[0]
        return Value(loss, "L", (y_hat,), ((y_hat.data - y) / slope,), "bce")
    p = y_hat.data
    if not 0.0 < p < 1.0:
        raise ValueError(f"bce: the prediction {y_hat._name()} is {p!r}, outside (0, 1): "
                         f"pass a sigmoid output or use bce_with_logits")
    loss = -(y * math.log(p) + (1.0 - y) * math.log1p(-p))
    return Value(loss, "L", (y_hat,), ((p - y) / (p * (1.0 - p)),), "bce")


def _logits_one(a: Value, y: float) -> Value:
    """L = softplus(a) - y a, one node: dL/da = sigma(a) - y."""
    s = sigmoid_and_slope(a.data)[0]
    return Value(_bce_of_logit(a.data, y), "L", (a,), (s - y,), "bce_logits")


def _batch(one, preds, ys, name: str, lo: float, hi: float) -> Value:
    if isinstance(preds, Value):
        return one(preds, _target(ys, lo, hi, name))
    preds, ys = list(preds), list(ys)
    if len(preds) != len(ys) or not preds:
        raise ValueError(f"{name}: need as many targets as predictions (and at least one), "
                         f"got {len(preds)} predictions and {len(ys)} targets")
    losses = [one(p if isinstance(p, Value) else _const(p), _target(t, lo, hi, name)) for p, t in zip(preds, ys)]
    if len(losses) == 1:
        return losses[0]
    for n, loss in enumerate(losses):
        loss.label = f"L[{n}]"
    mean = add_n(losses) * (1.0 / len(losses))
    mean.label = "L"
    return mean


def bce(y_hat: Value | Sequence[Value], y: Number | Sequence[Number]) -> Value:
    """Binary cross-entropy of probabilities y_hat against targets y in [0, 1].

    A sigmoid output is recognised and the loss computed from its logit, so it stays finite
    and dL/da = y_hat - y even when y_hat rounds to 0 or 1.
    """
    return _batch(_bce_one, y_hat, y, "bce", 0.0, 1.0)


def bce_with_logits(a: Value | Sequence[Value], y: Number | Sequence[Number]) -> Value:
    """Binary cross-entropy of sigma(a) against y, from logits a: dL/da = sigma(a) - y."""
    return _batch(_logits_one, a, y, "bce_with_logits", 0.0, 1.0)


def mse(y_hat: Value | Sequence[Value], y: Number | Sequence[Number]) -> Value:
    """(y_hat - y)^2, averaged over a batch: dL/dy_hat = 2 (y_hat - y)."""
    def one(p: Value, t: float) -> Value:
        return (p - t) ** 2
    return _batch(one, y_hat, y, "mse", -math.inf, math.inf)


def hinge(score: Value | Sequence[Value], y: Number | Sequence[Number]) -> Value:
    """max(0, 1 - y score) for y in {-1, +1}: d/dscore = -y where the margin is violated, else 0."""
    def one(s: Value, t: float) -> Value:
        if t not in (-1.0, 1.0) and t == t:
            raise ValueError(f"hinge: target y must be -1 or +1, got {t!r}")
        return (1.0 - t * s).relu()
    return _batch(one, score, y, "hinge", -1.0, 1.0)
