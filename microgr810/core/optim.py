"""Optimisers: plain stochastic gradient descent, and Adam.

An optimiser's state (Adam's moment estimates) lives in the optimiser, in lists aligned with its
parameters: a `Value` has `__slots__`, so no per-parameter attribute like `p.m` can be added to it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Real

from .engine import Value

__all__ = ["SGD", "Adam"]


def _real(who: str, what: str, x: object) -> float:
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"{who}: {what} must be a real number, got {type(x).__name__}: {x!r:.80}")
    return float(x)


def _learning_rate(who: str, lr: object) -> float:
    """A positive, finite learning rate as a float, or an error naming the optimiser."""
    rate = _real(who, "the learning rate", lr)
    if not rate > 0:
        raise ValueError(f"{who}: the learning rate must be positive, got {lr!r}")
    if rate == math.inf:
        raise ValueError(f"{who}: the learning rate must be finite, got {lr!r}")
    return rate


class Optimizer:
    """What SGD and Adam share: the parameters and `zero_grad()`."""

    def __init__(self, params: Iterable[Value]) -> None:
        self.params = list(params)
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"{type(self).__name__}: parameter {i} must be a Value, got {type(p).__name__}")

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = 0.0


class SGD(Optimizer):
    """p.data -= lr * p.grad for every parameter."""

    def __init__(self, params: Iterable[Value], lr: float = 0.1) -> None:
        super().__init__(params)
        self.lr: float = _learning_rate("SGD", lr)

    def step(self) -> None:
        lr = self.lr
        for p in self.params:
            p.data -= lr * p.grad


class Adam(Optimizer):
    """Adam (Kingma & Ba), with PyTorch's defaults and its order of operations. For step t and g = p.grad:

    m = b1 m + (1 - b1) g,  v = b2 v + (1 - b2) g^2,  p -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
    `weight_decay` adds weight_decay * p to g first (L2, as torch.optim.Adam; not AdamW's decoupled decay).
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params)
        self.lr: float = _learning_rate("Adam", lr)
        if not (isinstance(betas, tuple | list) and len(betas) == 2):
            raise TypeError(f"Adam: betas must be a pair of numbers, got {betas!r:.80}")
        b1, b2 = (_real("Adam", "betas", b) for b in betas)
        if not (0.0 <= b1 < 1.0 and 0.0 <= b2 < 1.0):
            raise ValueError(f"Adam: betas must each be in [0, 1), got {tuple(betas)!r}")
        self.betas = (b1, b2)
        self.eps = _real("Adam", "eps", eps)
        self.weight_decay = _real("Adam", "weight_decay", weight_decay)
        if not (self.eps >= 0.0 and self.weight_decay >= 0.0):
            raise ValueError(f"Adam: eps and weight_decay must be >= 0, got eps={eps!r}, weight_decay={weight_decay!r}")
        self.t = 0  # steps taken
        self.m = [0.0] * len(self.params)  # first-moment estimate, one per parameter
        self.v = [0.0] * len(self.params)  # second-moment estimate

    def step(self) -> None:
        self.t += 1
        b1, b2 = self.betas
        step_size = self.lr / (1.0 - b1**self.t)
        root_c2 = math.sqrt(1.0 - b2**self.t)
        m, v = self.m, self.v
        for i, p in enumerate(self.params):
            g = p.grad + self.weight_decay * p.data if self.weight_decay else p.grad
            m[i] = b1 * m[i] + (1.0 - b1) * g
            v[i] = b2 * v[i] + (1.0 - b2) * g * g
            p.data -= step_size * m[i] / (math.sqrt(v[i]) / root_c2 + self.eps)
