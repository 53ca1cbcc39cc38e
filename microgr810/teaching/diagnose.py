"""How a wrong gradient formula differs from the chain rule, in words: a flipped sign, one local derivative
(or a run of them, like the error term z2 − y) missing or extra, or one intermediate in place of another.

Each candidate is tested by value: formula and gradient, written in the leaves, at random points
(equal as formulas if equal there), so any rearrangement of the same mistake is recognised.
"""

from __future__ import annotations

import math
import random

import sympy as sp

from ..notation.formula import symbol, text
from .derive import Derivation, Factor

__all__ = ["diagnose"]

MAX_RUNS = 200  # runs of consecutive factors tried


def _same(a: sp.Expr, b: sp.Expr, points: list[dict]) -> bool:
    """a and b agree at random values of their symbols (each symbol independent): equal as formulas."""
    for point in points:
        try:
            x, y = complex(a.xreplace(point).evalf()), complex(b.xreplace(point).evalf())
        except (TypeError, ValueError, ZeroDivisionError):
            return False
        if not (math.isfinite(abs(x)) and _complex_close(x, y)):
            return False
    return True


def _complex_close(x: complex, y: complex) -> bool:
    return abs(x - y) <= 1e-9 * max(abs(x), abs(y)) + 1e-12


def diagnose(d: Derivation, expr: sp.Expr) -> str:
    """How `expr` differs from d.result, in words: a flipped sign, one missing or one extra local
    derivative of the chain rule, or one intermediate used in place of another."""
    truth = d.in_leaves()
    leaves = sorted(d.in_leaves(expr).free_symbols | truth.free_symbols, key=lambda s: s.name)
    rng = random.Random(0)
    # compared in the leaves, at random values in (0.1, 0.9): there no log or division meets 0
    points = [{s: sp.Float(rng.uniform(0.1, 0.9)) for s in leaves} for _ in range(3)]

    def same(e: sp.Expr, want: sp.Expr) -> bool:
        return _same(d.in_leaves(e), want, points)

    if same(expr, -truth):
        return "only the sign differs: your formula is −1 times the gradient"
    factors: dict[tuple[str, sp.Expr], tuple[Factor, Factor | None]] = {}
    for path in d.paths:
        for i, f in enumerate(path):
            if f.formula != 1:
                factors.setdefault((f.name, f.formula), (f, path[i - 1] if i else None))
    for f, before in factors.values():
        if same(expr * f.formula, truth):
            return f"missing the factor {text(f.formula)} = {f.name}{_cancel_note(f, before, 'missing')}"
        if same(expr, truth * d.in_leaves(f.formula)):
            return f"an extra factor {text(f.formula)} = {f.name}{_cancel_note(f, before, 'extra')}"
    # a run of factors missing together, e.g. ∂L/∂z2 · ∂z2/∂a2 = z2 − y: the error term forgotten
    runs: dict[sp.Expr, str] = {}
    for path in d.paths:
        for i in range(len(path)):
            for j in range(i + 2, len(path) + (i > 0)):  # two factors or more, never the whole path
                product = sp.Mul(*(f.formula for f in path[i:j]))
                if product != 1 and len(runs) < MAX_RUNS:
                    runs.setdefault(product, " · ".join(f.name for f in path[i:j]))
    for product, name in runs.items():
        if same(expr * product, truth):
            return f"missing the factor {text(product)} = {name}"
        if same(expr, truth * d.in_leaves(product)):
            return f"an extra factor {text(product)} = {name}"
    on_path = [symbol(n) for n in dict.fromkeys(x for p in d.paths for f in p for x in (f.out, f.wrt))]
    others = on_path + [symbol(n) for n in d.values if symbol(n) not in on_path]
    for used in sorted(expr.free_symbols, key=lambda s: s.name):
        for meant in others:
            if meant != used and same(expr.xreplace({used: meant}), truth):
                return f"{used.name} is used where {meant.name} belongs"
    ratio = sp.simplify(expr / d.result)
    hint = f" (your formula / the gradient = {text(ratio)})" if sp.count_ops(ratio) <= 8 else ""
    return (
        f"not one factor, sign or name away from the chain rule; write {d.name} as the product of the "
        f"local derivatives along the path and compare factor by factor{hint}"
    )


def _cancel_note(f: Factor, before: Factor | None, kind: str) -> str:
    """BCE of a sigmoid: ∂L/∂ŷ = (ŷ − y)/(ŷ(1 − ŷ)) cancels σ′ = ŷ(1 − ŷ), a classic slip either way."""
    if f.op != "sigmoid" or before is None or before.op not in ("bce",):
        return ""
    z = f.out
    if kind == "extra":
        return f" (the {z}(1 − {z}) that BCE cancels: {before.name} · {f.name} = {z} − y)"
    return f" (∂L/∂{z} = ({z} − y)/({z}(1 − {z})) needs it to give {z} − y)"
