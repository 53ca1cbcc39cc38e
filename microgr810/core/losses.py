"""Losses: binary cross-entropy, mean squared error, hinge. Each takes one datapoint or a batch.

A batch is a list of predictions with a list of targets; the loss is the mean over it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .engine import Number, Value, add_n, as_float, node, sigmoid_and_slope
from .ops import entry

__all__ = ["bce", "bce_with_logits", "mse", "hinge", "datapoint_label"]


def datapoint_label(label: str, n: int) -> str:
    """How a node of datapoint n of a batch is labelled: L -> L[n=1] (notation.names reads it back)."""
    return f"{label}[n={n}]"


def _target(y: object, lo: float, hi: float, what: str) -> float:
    t = as_float(y, "target")
    if not lo <= t <= hi and t == t:  # a NaN target passes: NaN in, NaN out
        raise ValueError(f"{what}: target y must be in [{lo:g}, {hi:g}], got {t!r}")
    return t


def _bce_of_logit(a: float, y: float) -> float:
    """-(y ln sigma(a) + (1-y) ln(1 - sigma(a))) = softplus(a) - y a, with no overflow and the big
    terms max(a, 0) - y a cancelled before the small log1p(e^-|a|) is added (4e-18 at a = 40, y = 1)."""
    return max(a, 0.0) - y * a + math.log1p(math.exp(-abs(a)))


@entry(
    "bce",
    arity=2,
    target=1,
    forward=lambda m, p, y: -(y * m.log(p) + (1 - y) * m.log(1 - p)),
    d=lambda m, i, p, y, out: (p - y) / (p * (1 - p)) if i == 0 else m.log(1 - p) - m.log(p),
)
def _bce_one(y_hat: Value, y: float) -> Value:
    """L = -(y ln y_hat + (1-y) ln(1-y_hat)), one node: dL/dy_hat = (y_hat - y) / (y_hat (1 - y_hat))."""
    if y_hat.op == "sigmoid":
        # y_hat = sigma(a2): L from the logit stays finite however saturated y_hat is, and the local
        # derivative divides by the very sigma'(a2) the sigmoid node stored, so backward's product
        # dL/da2 = (y_hat - y)/sigma' * sigma' is y_hat - y (to the last bit, or within 1 ulp)
        loss = _bce_of_logit(y_hat.inputs[0].data, y)
        slope = y_hat.local_grads[0]
        return node(loss, "bce", (y_hat, y), ((y_hat.data - y) / slope, None), "L")
    p = y_hat.data
    if not 0.0 < p < 1.0:
        raise ValueError(
            f"bce: the prediction {y_hat.describe()} is {p!r}, outside (0, 1): "
            f"pass a sigmoid output or use bce_with_logits"
        )
    loss = -(y * math.log(p) + (1.0 - y) * math.log1p(-p))
    return node(loss, "bce", (y_hat, y), ((p - y) / (p * (1.0 - p)), None), "L")


@entry(
    "bce_logits",
    arity=2,
    target=1,
    forward=lambda m, a, y: m.log(1 + m.exp(a)) - y * a,
    d=lambda m, i, a, y, out: m.sigmoid(a) - y if i == 0 else -a,
)
def _logits_one(a: Value, y: float) -> Value:
    """L = softplus(a) - y a, one node: dL/da = sigma(a) - y."""
    s = sigmoid_and_slope(a.data)[0]
    return node(_bce_of_logit(a.data, y), "bce_logits", (a, y), (s - y, None), "L")


def _batch(one, preds, ys, name: str, lo: float, hi: float) -> Value:
    """The loss of one datapoint, labelled L; of a batch, L = ΣL / N with ΣL = L[n=0] + L[n=1] + ..."""
    if isinstance(preds, Value):
        loss = one(preds, _target(ys, lo, hi, name))
        loss.label = "L"
        return loss
    preds, ys = list(preds), list(ys)
    if len(preds) != len(ys) or not preds:
        raise ValueError(
            f"{name}: need as many targets as predictions (and at least one), "
            f"got {len(preds)} predictions and {len(ys)} targets"
        )
    losses = [one(p if isinstance(p, Value) else Value(p), _target(t, lo, hi, name)) for p, t in zip(preds, ys)]
    if len(losses) == 1:
        losses[0].label = "L"
        return losses[0]
    # each datapoint's loss says which datapoint it is, so names.node_names can tell the
    # datapoints' copies of a2, z2, x[0] ... apart: a2[n=0], a2[n=1]
    for n, loss in enumerate(losses):
        loss.label = datapoint_label("L", n)
    mean = add_n(losses, label="ΣL") / len(losses)
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
