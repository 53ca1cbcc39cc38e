"""Training on a toy dataset: micrograd's demo (hinge loss + L2, SGD with a decaying rate), done properly."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .data import DATASETS
from .engine import add_n
from .losses import hinge
from .nn import MLP
from .optim import SGD
from .progress import progress_bar

__all__ = ["train", "TrainResult", "accuracy", "estimate_seconds", "step_nodes"]

# a training step costs about this much per node it creates and per operand link (forward, backward and
# the update; fitted to hidden 16,16, 64,64 and 200 on 100 points, each within 1.6x)
SECONDS_PER_NODE = 3e-6
SECONDS_PER_EDGE = 1.5e-6


@dataclass
class TrainResult:
    net: MLP
    X: np.ndarray
    y: np.ndarray  # labels in {0, 1}
    losses: list[float] = field(default_factory=list)
    accuracies: list[float] = field(default_factory=list)
    diverged_at: int | None = None  # the step (1-based) whose loss was inf or NaN; training stopped there

    def scores(self, X: np.ndarray) -> np.ndarray:
        """The network's output for each row of X (positive: class 1)."""
        return np.array([self.net.scalar(list(map(float, row))).data for row in X])


def accuracy(scores: Sequence[float], y: np.ndarray) -> float:
    """Share of points on the right side of 0 (y in {0, 1})."""
    return float(np.mean((np.asarray(scores) > 0) == (y > 0.5)))


def step_nodes(hidden: Sequence[int], n: int = 100) -> tuple[int, int]:
    """(nodes, edges) one training step creates for MLP(2, [*hidden, 1]) on n points, from the sizes alone."""
    sizes = (2, *hidden, 1)
    pairs = list(zip(sizes, sizes[1:]))
    weights = sum(k * (m + 1) for m, k in pairs)
    neurons = sum(k for _, k in pairs)
    nodes = n * (2 + 2 * neurons + 5) + weights
    edges = n * (sum(k * (2 * m + 1) for m, k in pairs) + 2 * neurons + 5) + 2 * weights
    return nodes, edges


def estimate_seconds(hidden: Sequence[int], steps: int, n: int = 100) -> float:
    """About how long train(hidden=hidden, steps=steps, n=n) takes, from the sizes alone."""
    nodes, edges = step_nodes(hidden, n)
    return steps * (SECONDS_PER_NODE * nodes + SECONDS_PER_EDGE * edges)


def train(
    dataset: str = "moons",
    hidden: Sequence[int] = (16, 16),
    steps: int = 100,
    lr: float = 1.0,
    seed: int = 0,
    n: int = 100,
    noise: float = 0.1,
    alpha: float = 1e-4,
    progress: bool = True,
) -> TrainResult:
    """Full-batch SGD on hinge loss + alpha * sum(p^2), the rate decaying from lr to lr/10.

    A loss that becomes inf or NaN stops the training: `diverged_at` says at which step."""
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; choose one of {', '.join(DATASETS)}")
    if steps < 1:
        raise ValueError(f"steps must be positive, got {steps!r}")
    X, y = DATASETS[dataset](n, noise, seed)
    net = MLP(2, [*hidden, 1], "relu", None, seed=seed)
    result = TrainResult(net, X, y)
    params = net.parameters()
    opt = SGD(params, lr)
    rows = [list(map(float, row)) for row in X]
    signs = [1.0 if t > 0.5 else -1.0 for t in y]
    bar = progress_bar(steps, "training", "step", enabled=progress)
    for k in range(steps):
        scores = [net.scalar(row) for row in rows]
        data_loss = hinge(scores, signs)
        reg = alpha * add_n([p * p for p in params])
        loss = data_loss + reg
        if not math.isfinite(loss.data):
            result.diverged_at = k + 1
            break
        opt.zero_grad()
        loss.backward()
        opt.lr = lr * (1.0 - 0.9 * k / steps)
        opt.step()
        acc = accuracy([s.data for s in scores], y)
        result.losses.append(loss.data)
        result.accuracies.append(acc)
        bar.set_postfix(loss=f"{loss.data:.4f}", acc=f"{acc:.0%}")
        bar.update(1)
    bar.close()
    return result
