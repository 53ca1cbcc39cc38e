"""Optimisers: plain stochastic gradient descent."""

from __future__ import annotations

from numbers import Real
from typing import Iterable

from .engine import Value

__all__ = ["SGD"]


class SGD:
    """p.data -= lr * p.grad for every parameter."""

    def __init__(self, params: Iterable[Value], lr: float = 0.1) -> None:
        self.params = list(params)
        if isinstance(lr, bool) or not isinstance(lr, Real):
            raise TypeError(f"SGD: the learning rate must be a real number, got {type(lr).__name__}: {lr!r:.80}")
        if not lr > 0:
            raise ValueError(f"SGD: the learning rate must be positive, got {lr!r}")
        self.lr = float(lr)

    def step(self) -> None:
        lr = self.lr
        for p in self.params:
            p.data -= lr * p.grad

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = 0.0
