"""The reference problem's hand-derived formulas, in numpy (docs/derivation.md).

Network: a1 = W1 x + b1, z1 = sigma(a1), a2 = W2 z1 + b2, y_hat = z2 = sigma(a2);
loss L = -(y ln y_hat + (1 - y) ln(1 - y_hat)). Part 2 of the derivation gives
  dL/db2       = y_hat - y                                  (a)
  dL/dW2[h]    = z1[h] (y_hat - y)                          (b)
  dL/db1[h]    = W2[h] z1[h] (1 - z1[h]) (y_hat - y)        (c)
  dL/dW1[h,m]  = W2[h] x[m] z1[h] (1 - z1[h]) (y_hat - y)   (d)
For a batch the loss is the mean over datapoints, so each gradient is the mean too.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .checks import whole_number

__all__ = ["dimensions", "forward", "gradients", "sigmoid"]


def sigmoid(a: np.ndarray) -> np.ndarray:
    """sigma(a) = 1 / (1 + e^-a), written so that no exp overflows."""
    z = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def dimensions(M: int, H: int) -> dict[str, tuple[int, ...]]:
    """Part 1: the shape of every parameter and intermediate for data of M features, H hidden units."""
    M, H = whole_number("M", M), whole_number("H", H)
    return {"x": (M,), "W1": (H, M), "b1": (H,), "a1": (H,), "z1": (H,),
            "W2": (1, H), "b2": (), "a2": (), "z2": ()}


def _check(W1: Any, b1: Any, W2: Any, b2: Any) -> tuple[np.ndarray, ...]:
    W1, b1, W2, b2 = (np.asarray(v, dtype=float) for v in (W1, b1, W2, b2))
    if W1.ndim != 2:
        raise ValueError(f"W1 must be H×M, got shape {W1.shape}")
    H, M = W1.shape
    for name, arr, want in (("b1", b1, (H,)), ("W2", W2, (1, H)), ("b2", b2, ())):
        if arr.shape != want and not (name == "b2" and arr.shape == (1,)):
            raise ValueError(f"{name} must have shape {want} for W1 of shape {W1.shape}, got {arr.shape}")
    return W1, b1, W2, b2.reshape(())


def forward(W1: Any, b1: Any, W2: Any, b2: Any, x: Any) -> dict[str, np.ndarray]:
    """a1, z1, a2, z2 for one datapoint x (M,) or a batch X (N, M) (then each gets a leading N)."""
    W1, b1, W2, b2 = _check(W1, b1, W2, b2)
    x = np.asarray(x, dtype=float)
    if x.shape[-1:] != (W1.shape[1],) or x.ndim > 2:
        raise ValueError(f"x must have shape (M,) or (N, M) with M = {W1.shape[1]}, got {x.shape}")
    a1 = x @ W1.T + b1                # (H,) or (N, H)
    z1 = sigmoid(a1)
    a2 = z1 @ W2[0] + b2              # () or (N,)
    z2 = sigmoid(a2)
    return {"a1": a1, "z1": z1, "a2": a2, "z2": z2}


def gradients(W1: Any, b1: Any, W2: Any, b2: Any, x: Any, y: Any) -> dict[str, np.ndarray]:
    """dL/dW1, dL/db1, dL/dW2, dL/db2 by the formulas (a)-(d), in the parameters' shapes."""
    W1, b1, W2, b2 = _check(W1, b1, W2, b2)
    f = forward(W1, b1, W2, b2, x)
    X = np.atleast_2d(np.asarray(x, dtype=float))           # (N, M)
    z1 = np.atleast_2d(f["z1"])                             # (N, H)
    if np.atleast_1d(np.asarray(y, dtype=float)).shape != (X.shape[0],):
        raise ValueError(f"y must have one target per datapoint ({X.shape[0]}), got shape {np.shape(y)}")
    err = np.atleast_1d(f["z2"] - np.asarray(y, dtype=float))   # y_hat - y, (N,)
    N = X.shape[0]
    back1 = W2[0] * z1 * (1.0 - z1) * err[:, None]          # W2[h] z1[h](1 - z1[h])(y_hat - y), (N, H)
    return {
        "b2": np.asarray(err.sum() / N),                                     # (a)
        "W2": (z1 * err[:, None]).sum(axis=0, keepdims=True).reshape(1, -1) / N,   # (b)
        "b1": back1.sum(axis=0) / N,                                         # (c)
        "W1": np.einsum("nh,nm->hm", back1, X) / N,                          # (d)
    }
