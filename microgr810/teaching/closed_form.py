"""The reference problem's hand-derived formulas, in numpy (docs/derivation.md).

Network: a1 = W1 x + b1, z1 = sigma(a1), a2 = W2 z1 + b2, y_hat = z2 = sigma(a2);
loss L = -(y ln y_hat + (1 - y) ln(1 - y_hat)). Part 2 of the derivation gives
  dL/db2       = y_hat - y                                  (a)
  dL/dW2[h]    = z1[h] (y_hat - y)                          (b)
  dL/db1[h]    = W2[h] z1[h] (1 - z1[h]) (y_hat - y)        (c)
  dL/dW1[h,m]  = W2[h] x[m] z1[h] (1 - z1[h]) (y_hat - y)   (d)
For a batch the loss is the mean over datapoints, so each gradient is the mean too.
`backprop` is the same chain rule in matrix form for an MLP of any depth; (a)-(d) are its special case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.checks import whole_number
from ..core.ops import OPS, activations
from ..notation.arrays import ARRAY_MATH

__all__ = ["dimensions", "forward", "gradients", "sigmoid", "mlp_forward", "backprop"]


sigmoid = ARRAY_MATH.sigmoid  # σ(a) = 1/(1 + e^-a) elementwise, no exp overflowing


def dimensions(M: int, H: int) -> dict[str, tuple[int, ...]]:
    """Part 1: the shape of every parameter and intermediate for data of M features, H hidden units."""
    M, H = whole_number("M", M), whole_number("H", H)
    return {"x": (M,), "W1": (H, M), "b1": (H,), "a1": (H,), "z1": (H,), "W2": (1, H), "b2": (), "a2": (), "z2": ()}


@dataclass
class ShapeTable:
    """Part 1's table: every shape for M features and H hidden units, and whether they compose."""

    M: int
    H: int
    shapes: dict[str, tuple[int, ...]]
    a1: tuple[int, ...]  # the shape W1 x + b1 has when arrays of these shapes are composed
    a2: tuple[int, ...]  # ... and W2 z1 + b2

    @property
    def ok(self) -> bool:
        return self.a1 == self.shapes["a1"] and self.a2 == self.shapes["a2"]

    def __str__(self) -> str:
        lines = [f"Part 1: shapes for M = {self.M} features, H = {self.H} hidden units"]
        lines += [f"  {name:3s} {'x'.join(map(str, shape)) or 'scalar':>8s}" for name, shape in self.shapes.items()]
        verdict = "shapes compose" if self.ok else "MISMATCH"
        lines.append(f"  W1 x + b1 -> {self.a1}, W2 z1 + b2 -> {self.a2 or 'scalar'}: {verdict}")
        return "\n".join(lines)


MAX_ENTRIES = 10**7  # W1's entries in shape_table's zero arrays: 80 MB, composed in about 0.05 s


def shape_table(M: int, H: int) -> ShapeTable:
    """dimensions(M, H), checked by composing zero arrays of those shapes as the network does."""
    if M * H > MAX_ENTRIES:
        raise ValueError(
            f"W1 would hold M·H = {M * H:,} entries, more than {MAX_ENTRIES:,} ({MAX_ENTRIES * 8 // 10**6} MB) "
            f"to compose as arrays"
        )
    dims = dimensions(M, H)
    a1 = np.zeros(dims["W1"]) @ np.zeros(dims["x"]) + np.zeros(dims["b1"])
    a2 = (np.zeros(dims["W2"]) @ np.zeros(dims["z1"]))[0] + np.zeros(dims["b2"])
    return ShapeTable(M, H, dims, a1.shape, np.shape(a2))


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
    a1 = x @ W1.T + b1  # (H,) or (N, H)
    z1 = sigmoid(a1)
    a2 = z1 @ W2[0] + b2  # () or (N,)
    z2 = sigmoid(a2)
    return {"a1": a1, "z1": z1, "a2": a2, "z2": z2}


def gradients(W1: Any, b1: Any, W2: Any, b2: Any, x: Any, y: Any) -> dict[str, np.ndarray]:
    """dL/dW1, dL/db1, dL/dW2, dL/db2 by the formulas (a)-(d), in the parameters' shapes."""
    W1, b1, W2, b2 = _check(W1, b1, W2, b2)
    f = forward(W1, b1, W2, b2, x)
    X = np.atleast_2d(np.asarray(x, dtype=float))  # (N, M)
    z1 = np.atleast_2d(f["z1"])  # (N, H)
    if np.atleast_1d(np.asarray(y, dtype=float)).shape != (X.shape[0],):
        raise ValueError(f"y must have one target per datapoint ({X.shape[0]}), got shape {np.shape(y)}")
    err = np.atleast_1d(f["z2"] - np.asarray(y, dtype=float))  # y_hat - y, (N,)
    N = X.shape[0]
    back1 = W2[0] * z1 * (1.0 - z1) * err[:, None]  # W2[h] z1[h](1 - z1[h])(y_hat - y), (N, H)
    return {
        "b2": np.asarray(err.sum() / N),  # (a)
        "W2": (z1 * err[:, None]).sum(axis=0, keepdims=True).reshape(1, -1) / N,  # (b)
        "b1": back1.sum(axis=0) / N,  # (c)
        "W1": np.einsum("nh,nm->hm", back1, X) / N,  # (d)
    }


# -- any MLP: backprop in matrix form ---------------------------------------------------------------


def _activation(name: str | None, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f(a) and f'(a), elementwise, for an activation of the op table (or linear: the identity)."""
    if name in ("linear", None):
        return a, np.ones_like(a)
    if name not in activations():
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(activations())}, linear")
    op = OPS[name]
    z = op.forward(ARRAY_MATH, a)
    return z, op.d(ARRAY_MATH, 0, a, out=z) * np.ones_like(a)


def mlp_forward(
    arrays: dict[str, Any], X: Any, activation: str = "sigmoid", output_activation: str | None = "sigmoid"
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """a_l = W_l z_{l−1} + b_l, z_l = f(a_l) with z_0 = x, for a batch X (N, M): the lists [a_1..a_L] and
    [z_0..z_L], each (N, n_l). `arrays` holds W1, b1, W2, b2, ... as MLP.arrays() gives them."""
    L = len(arrays) // 2
    if L < 1 or set(arrays) != {f"{k}{l}" for l in range(1, L + 1) for k in "Wb"}:
        raise ValueError(f"arrays must hold W1, b1, ..., WL, bL; got {sorted(arrays)}")
    z = np.atleast_2d(np.asarray(X, dtype=float))
    a_s, z_s = [], [z]
    for l in range(1, L + 1):
        W = np.asarray(arrays[f"W{l}"], dtype=float)
        b = np.asarray(arrays[f"b{l}"], dtype=float).reshape(-1)
        if W.ndim != 2 or W.shape[1] != z.shape[1] or b.shape != (W.shape[0],):
            raise ValueError(f"W{l} {W.shape} and b{l} {b.shape} do not fit an input of width {z.shape[1]}")
        a = z @ W.T + b
        z = _activation(activation if l < L else output_activation, a)[0]
        a_s.append(a)
        z_s.append(z)
    return a_s, z_s


def backprop(
    arrays: dict[str, Any],
    X: Any,
    y: Any,
    *,
    activation: str = "sigmoid",
    output_activation: str | None = "sigmoid",
    loss: str = "bce",
) -> dict[str, np.ndarray]:
    """∂L/∂W_l = δ_l z_{l−1}ᵀ, ∂L/∂b_l = δ_l, with δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ f′(a_l), averaged over the batch.

    δ_L = ∂ℓ/∂ŷ ⊙ f′(a_L) comes from the loss: BCE of a sigmoid output gives ŷ − y, MSE (ŷ − y)² gives
    2(ŷ − y) f′(a_L). The output layer has one unit (the losses take one prediction per datapoint).
    The results have the shapes of `arrays`.
    """
    if loss not in ("bce", "mse"):
        raise ValueError(f"unknown loss {loss!r}; choose bce or mse")
    if loss == "bce" and output_activation != "sigmoid":
        raise ValueError(f"bce needs a probability: the output activation must be sigmoid, got {output_activation!r}")
    a_s, z_s = mlp_forward(arrays, X, activation, output_activation)
    N, L = z_s[0].shape[0], len(a_s)
    if a_s[-1].shape[1] != 1:
        raise ValueError(f"the output layer must have one unit, W{L} has {a_s[-1].shape[1]}")
    y = np.asarray(y, dtype=float).reshape(-1)
    if y.shape != (N,):
        raise ValueError(f"y must have one target per datapoint ({N}), got shape {y.shape}")
    y_hat = z_s[-1][:, 0]
    if loss == "bce":
        delta = (y_hat - y)[:, None]  # ∂ℓ/∂ŷ · σ′(a_L) = (ŷ − y)/(ŷ(1 − ŷ)) · ŷ(1 − ŷ)
    else:
        delta = (2.0 * (y_hat - y))[:, None] * _activation(output_activation, a_s[-1])[1]
    delta = delta / N  # the loss is the batch mean
    grads: dict[str, np.ndarray] = {}
    for l in range(L, 0, -1):  # δ_l holds one row per datapoint: (N, n_l)
        grads[f"W{l}"] = delta.T @ z_s[l - 1]
        grads[f"b{l}"] = delta.sum(axis=0).reshape(np.shape(arrays[f"b{l}"]))
        if l > 1:
            W = np.asarray(arrays[f"W{l}"], dtype=float)
            delta = (delta @ W) * _activation(activation, a_s[l - 2])[1]
    return {k: grads[k] for k in arrays}
