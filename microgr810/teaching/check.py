"""Every gradient of a network four ways: autograd, the closed form, finite differences and PyTorch.

`check_reference(problem)` does it for the reference problem, `check_mlp(...)` for any MLP; both return a
`GradientTable` that prints one row per parameter and says whether all agree. `estimate_seconds(sizes, batch)`
says how long either takes, from the sizes alone (the finite differences dominate: two forward passes a weight).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..adapters.torch_bridge import torch_gradients
from ..core.engine import Value
from ..core.losses import bce, mse
from ..core.nn import MLP
from ..notation.names import parse_name
from . import closed_form
from .gradcheck import GradcheckReport, gradcheck
from .reference import ReferenceProblem

__all__ = ["GradientTable", "check_reference", "check_mlp", "estimate_seconds"]

# a forward pass costs about this much per node it creates and per operand link (measured on the reference
# network at 70×70, 10×10 with a batch of 50 and 1000×1: 1-3.5 µs a node, 0.05-0.1 µs an edge)
SECONDS_PER_NODE = 3.5e-6
SECONDS_PER_EDGE = 0.08e-6


def estimate_seconds(sizes: Sequence[int], batch: int = 1) -> float:
    """About how long check_mlp(sizes, batch=batch) or the reference check (sizes M, H, 1) takes: the finite
    differences run two forward passes per weight; each creates ~batch·(inputs + 2 per neuron) nodes."""
    pairs = list(zip(sizes, sizes[1:]))
    weights = sum(n * (m + 1) for m, n in pairs)
    neurons = sum(n for _, n in pairs)
    nodes = batch * (sizes[0] + 2 * neurons + 3) + 2
    edges = batch * (sum(n * (2 * m + 1) for m, n in pairs) + 2 * neurons + 3)
    forward = SECONDS_PER_NODE * nodes + SECONDS_PER_EDGE * edges
    return (2 * weights + 2) * forward


@dataclass
class GradientTable:
    """∂L/∂p for every parameter p, by autograd, the closed form, finite differences and (if installed) PyTorch."""

    title: str
    loss: float
    rows: list[tuple[str, float, float, float, float | None]]  # (parameter, autograd, closed, numeric, torch)
    finite_differences: GradcheckReport
    closed_agrees: bool
    torch_agrees: bool | None  # None: PyTorch is not installed

    @property
    def ok(self) -> bool:
        return self.closed_agrees and self.torch_agrees is not False and self.finite_differences.ok

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        torch = self.torch_agrees is not None
        lines = [self.title] if self.title else []
        lines.append(f"loss L = {self.loss:.10g}")
        head = f"{'parameter':10s} {'autograd':>14s} {'closed form':>14s} {'finite diff':>14s}"
        lines.append(head + (f" {'PyTorch':>14s}" if torch else ""))
        for name, auto, closed, numeric, t in self.rows:
            row = f"{name:10s} {auto:14.10f} {closed:14.10f} {numeric:14.10f}"
            lines.append(row + (f" {t:14.10f}" if t is not None else ""))
        err = [abs(a - c) for _, a, c, _, _ in self.rows]
        rel = [e / max(abs(c), 1e-300) for e, (_, _, c, _, _) in zip(err, self.rows)]
        lines.append(f"worst autograd vs closed form: abs {max(err):.2e}, rel {max(rel):.2e}")
        if torch:
            lines.append(f"worst autograd vs PyTorch: abs {max(abs(a - t) for _, a, _, _, t in self.rows):.2e}")  # type: ignore[operator]
        lines.append(f"finite differences: {self.finite_differences}")
        lines.append("all gradients agree" if self.ok else "GRADIENTS DISAGREE")
        return "\n".join(lines)


def _table(
    title: str,
    net: MLP,
    L: Value,
    rebuild: Callable[[], Value],
    closed: dict[str, np.ndarray],
    torch: dict[str, np.ndarray] | None,
    rtol: float,
    atol: float,
    progress: bool,
) -> GradientTable:
    """The table for `net` after backward of L; `rebuild()` builds L anew for the finite differences."""
    auto = net.grad_arrays()
    params = net.parameters()
    fd = gradcheck(rebuild, params, eps=1e-6, progress=progress)
    numeric = {r.label: r.numeric for r in fd.rows}
    rows = []
    for p in params:
        name = parse_name(p.label)
        index = tuple(int(i) for i in name.index)
        t = float(torch[name.stem][index]) if torch is not None else None
        rows.append((p.label, p.grad, float(closed[name.stem][index]), numeric[p.label], t))
    agree = lambda other: all(np.allclose(auto[k], other[k], rtol=rtol, atol=atol) for k in closed)  # noqa: E731
    return GradientTable(title, L.data, rows, fd, agree(closed), None if torch is None else agree(torch))


def check_reference(
    problem: ReferenceProblem, *, rtol: float = 1e-9, atol: float = 1e-12, progress: bool = True
) -> GradientTable:
    """The reference network's gradients four ways (the hand derivation is the closed form)."""
    net, L = problem.autograd()
    closed = closed_form.gradients(problem.W1, problem.b1, problem.W2, problem.b2, problem.x, problem.y)
    X = problem.x.reshape(-1, problem.x.shape[-1])
    torch = torch_gradients(net, X, np.reshape(problem.y, -1), "bce")
    return _table("", net, L, lambda: problem.loss(net), closed, torch, rtol, atol, progress)


def check_mlp(
    sizes: Sequence[int],
    activation: str = "sigmoid",
    output_activation: str | None = None,
    loss: str = "bce",
    *,
    batch: int = 1,
    y: float | None = None,
    seed: int = 0,
    rtol: float = 1e-9,
    atol: float = 1e-12,
    progress: bool = True,
) -> GradientTable:
    """Any MLP (sizes from the inputs to one output) with N(0, 1) weights, on `batch` random datapoints."""
    out_act = output_activation or ("sigmoid" if loss == "bce" else "linear")
    if loss == "bce" and out_act != "sigmoid":
        raise ValueError(f"--loss bce needs a probability: --output-activation must be sigmoid, not {out_act}")
    rng = np.random.default_rng(seed)
    net = MLP(sizes[0], list(sizes[1:]), activation, out_act, seed=seed)
    arrays = {k: rng.normal(size=np.shape(v)) for k, v in net.arrays().items()}  # N(0, 1), as the reference
    net.set_arrays(arrays)
    X = rng.normal(size=(batch, sizes[0]))
    if y is not None:
        Y = np.full(batch, y)
    else:
        Y = rng.integers(0, 2, size=batch).astype(float) if loss == "bce" else rng.normal(size=batch)
    loss_fn: Any = bce if loss == "bce" else mse

    def rebuild() -> Value:
        return loss_fn([net.scalar(list(row)) for row in X], list(Y))

    L = rebuild()
    L.backward()
    closed = closed_form.backprop(arrays, X, Y, activation=activation, output_activation=out_act, loss=loss)
    title = (
        f"MLP {'-'.join(map(str, sizes))}, {activation} hidden, {out_act} output, {loss} loss, "
        f"{batch} datapoint{'s' * (batch != 1)}, seed {seed}"
    )
    return _table(title, net, L, rebuild, closed, torch_gradients(net, X, Y, loss), rtol, atol, progress)
