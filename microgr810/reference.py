"""The reference problem as code: its network with random weights, and autograd's gradients for it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .checks import whole_number
from .engine import Value
from .losses import bce
from .nn import MLP

__all__ = ["ReferenceProblem"]


@dataclass
class ReferenceProblem:
    """W1 (H×M), b1 (H), W2 (1×H), b2 (scalar), a datapoint x (M) or batch X (N×M), targets y."""

    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray
    x: np.ndarray
    y: np.ndarray

    @classmethod
    def random(cls, M: int = 3, H: int = 4, *, seed: int = 0, y: float | None = None,
               batch: int | None = None) -> ReferenceProblem:
        """Weights, inputs and targets drawn from a seeded generator (y drawn unless given)."""
        M, H = whole_number("M", M), whole_number("H", H)
        if batch is not None:
            batch = whole_number("batch", batch)
        if y is not None and not 0.0 <= y <= 1.0:
            raise ValueError(f"y must be in [0, 1], got {y!r}")
        rng = np.random.default_rng(seed)
        W1, b1 = rng.normal(size=(H, M)), rng.normal(size=H)
        W2, b2 = rng.normal(size=(1, H)), np.asarray(rng.normal())
        shape = (M,) if batch is None else (batch, M)
        x = rng.normal(size=shape)
        n = () if batch is None else (batch,)
        ys = np.full(n, float(y)) if y is not None else rng.integers(0, 2, size=n).astype(float)
        return cls(W1, b1, W2, b2, x, ys)

    def network(self) -> MLP:
        return MLP.reference(self.W1, self.b1, self.W2, self.b2)

    def loss(self, net: MLP) -> Value:
        """L for the datapoint, or the mean L over the batch, as a graph."""
        if self.x.ndim == 1:
            return bce(net.scalar(list(self.x)), float(self.y))
        return bce([net.scalar(list(row)) for row in self.x], [float(t) for t in self.y])

    def autograd(self) -> tuple[MLP, Value]:
        """The network after one backward pass of the loss, and the loss node."""
        net = self.network()
        L = self.loss(net)
        L.backward()
        return net, L
