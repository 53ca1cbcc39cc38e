"""Toy 2-D datasets for binary classification, generated with numpy (no downloads).

Each returns X of shape (n, 2) and y of shape (n,) with labels in {0, 1}.
"""

from __future__ import annotations

import numpy as np

from .checks import whole_number

__all__ = ["moons", "xor", "circles", "DATASETS"]


def _check(n: int, noise: float) -> None:
    whole_number("n", n, at_least=2)
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")


def moons(n: int = 100, noise: float = 0.1, seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (as scikit-learn's make_moons)."""
    _check(n, noise)
    rng = np.random.default_rng(seed)
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    X = np.concatenate(
        [np.stack([np.cos(t_out), np.sin(t_out)], 1), np.stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5], 1)]
    )
    y = np.concatenate([np.zeros(n_out), np.ones(n_in)])
    X += rng.normal(scale=noise, size=X.shape)
    order = rng.permutation(n)
    return X[order], y[order]


def xor(n: int = 100, noise: float = 0.1, seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points around the four corners (+-1, +-1); label 1 where the signs differ."""
    _check(n, noise)
    rng = np.random.default_rng(seed)
    corners = rng.integers(0, 2, size=(n, 2)) * 2.0 - 1.0
    X = corners * rng.uniform(0.3, 1.0, size=(n, 2)) + rng.normal(scale=noise, size=(n, 2))
    y = (corners[:, 0] != corners[:, 1]).astype(float)
    return X, y


def circles(
    n: int = 100, noise: float = 0.1, seed: int | None = 0, factor: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    """An inner circle (label 1) inside an outer one (label 0)."""
    _check(n, noise)
    rng = np.random.default_rng(seed)
    n_out = n // 2
    t = rng.uniform(0, 2 * np.pi, size=n)
    r = np.where(np.arange(n) < n_out, 1.0, factor)
    X = np.stack([r * np.cos(t), r * np.sin(t)], 1) + rng.normal(scale=noise, size=(n, 2))
    y = (np.arange(n) >= n_out).astype(float)
    order = rng.permutation(n)
    return X[order], y[order]


DATASETS = {"moons": moons, "xor": xor, "circles": circles}
