"""Check autograd against central finite differences: (f(p + eps) - f(p - eps)) / 2 eps."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core.engine import Value
from ..core.progress import progress_bar

__all__ = ["gradcheck", "central_difference", "GradcheckReport", "Mismatch"]


@dataclass
class Mismatch:
    """One parameter: its autograd and finite-difference gradients and how far apart they are."""

    label: str
    autograd: float
    numeric: float

    @property
    def abs_err(self) -> float:
        return abs(self.autograd - self.numeric)

    @property
    def rel_err(self) -> float:
        return self.abs_err / max(abs(self.autograd), abs(self.numeric), 1e-300)


@dataclass
class GradcheckReport:
    rows: list[Mismatch]
    rtol: float
    atol: float
    failures: list[Mismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def worst(self) -> Mismatch | None:
        """The row farthest outside (or nearest to) the tolerance abs_err <= atol + rtol |numeric|."""
        return max(self.rows, key=lambda r: r.abs_err - self.rtol * abs(r.numeric), default=None)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        w = self.worst
        head = "gradcheck passed" if self.ok else f"gradcheck FAILED for {len(self.failures)} of {len(self.rows)}"
        if w is None:
            return head + " (no parameters)"
        return (
            f"{head}; worst: {w.label or '?'} autograd {w.autograd:.10g} vs finite differences "
            f"{w.numeric:.10g} (abs {w.abs_err:.2e}, rel {w.rel_err:.2e})"
        )


def central_difference(f: Callable[[float], Any], x: float, eps: float = 1e-6) -> Any:
    """(f(x + eps) - f(x - eps)) / 2 eps: the slope of f at x, with an error of order eps^2.

    f may return a number or a numpy array (then the slope of each entry).
    """
    if not eps > 0:
        raise ValueError(f"eps must be positive, got {eps!r}")
    return (f(x + eps) - f(x - eps)) / (2.0 * eps)


def gradcheck(
    f: Callable[[], Value],
    params: Sequence[Value],
    *,
    eps: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-8,
    progress: bool = False,
    backward: Callable[[Value], None] | None = None,
) -> GradcheckReport:
    """Compare d f()/d p from backward with finite differences, for every p in params.

    `f` rebuilds the graph from the params each call; the params' data are restored after.
    progress: a progress bar (tqdm, if installed) once the check has run for a second.
    `backward(root)` fills the gradients (default: the engine's `root.backward()`); the classic
    bugs of microgr810.misconceptions are checked by passing theirs.
    """
    if not eps > 0:
        raise ValueError(f"eps must be positive, got {eps!r}")
    for p in params:
        p.grad = 0.0
    root = f()
    if backward is None:
        root.backward()
    else:
        backward(root)
    analytic = [p.grad for p in params]
    rows = []
    bar = progress_bar(len(params), "finite differences", "weight", progress)
    for p, g in zip(params, analytic):
        x0 = p.data
        try:
            rows.append(Mismatch(p.label, g, central_difference(_moving(p, f), x0, eps)))
        finally:
            p.data = x0
        bar.update()
    bar.close()
    failures = [r for r in rows if not r.abs_err <= atol + rtol * abs(r.numeric)]
    return GradcheckReport(rows, rtol, atol, failures)


def _moving(p: Value, f: Callable[[], Value]) -> Callable[[float], float]:
    """t -> f()'s value with p's data set to t."""

    def at(t: float) -> float:
        p.data = t
        return f().data

    return at
