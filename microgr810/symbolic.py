"""The ops' math in sympy: `Op.rule(SYMPY_MATH, ...)` writes a local derivative as a formula.

Symbols are named exactly by node names (`W1[0,1]`, `z1[0]`, `t3`), so a formula reads as the graph
does. Imported only by the symbolic tools (derive, grade): `import microgr810` never loads sympy.
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Callable, Sequence

import numpy as np
import sympy as sp

__all__ = ["SYMPY_MATH", "sigmoid", "symbol", "latex", "text", "numeric"]


class sigmoid(sp.Function):
    """σ(a) = 1 / (1 + e^−a); sympy differentiates it as σ(a)(1 − σ(a)), the way the derivation does."""

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return self * (1 - self)

    def _eval_rewrite_as_exp(self, a, **kwargs) -> sp.Expr:
        return 1 / (1 + sp.exp(-a))

    def _eval_evalf(self, prec: int) -> sp.Expr:
        return self.rewrite(sp.exp)._eval_evalf(prec)

    def _latex(self, printer, exp=None) -> str:
        out = rf"\sigma\left({printer._print(self.args[0])}\right)"
        return out if exp is None else rf"{out}^{{{exp}}}"

    def _sympystr(self, printer) -> str:  # σ, as the derivation writes it
        return f"σ({printer._print(self.args[0])})"


SYMPY_MATH = SimpleNamespace(
    exp=sp.exp,
    log=sp.log,
    tanh=sp.tanh,
    sigmoid=sigmoid,
    relu=lambda a: sp.Max(a, 0),
    step=lambda a: sp.Heaviside(a, 0),  # 1 if a > 0 else 0: relu's slope, 0 at 0 as the engine has it
)


def symbol(name: str) -> sp.Symbol:
    """The symbol of the node called `name` (real: every Value is a real number)."""
    return sp.Symbol(name, real=True)


_NAME = re.compile(r"^([A-Za-z]+)(\d*)(\[[^\]]*\])?$")


def _latex_name(name: str) -> str:
    """W1[0,1] -> W_{1}[0,1], y_hat -> \\hat{y}, t3 -> t_{3}; anything else as it is, escaped."""
    if name == "y_hat":
        return r"\hat{y}"
    m = _NAME.match(name)
    if m is None:
        return r"\text{" + re.sub(r"([\\{}_^#$%&~])", r"\\\1", name) + "}"
    stem, digits, index = m.groups()
    return stem + (f"_{{{digits}}}" if digits else "") + (index or "")


def latex(expr: sp.Expr) -> str:
    """A formula in LaTeX with node names written as the math writes them (z2 − y, not −y + z2)."""
    names = {s: _latex_name(s.name) for s in expr.free_symbols}
    return sp.latex(expr, symbol_names=names, order="rev-lex")


def text(expr: sp.Expr) -> str:
    """A formula as plain text the way the derivation writes it: W2[0,1]·x[0]·z1[1]·(1 − z1[1])·(z2 − y).

    `grade` reads this spelling back (· for *, ^ for **, − for -)."""
    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    # node names may hold * or - themselves (labels are free text): print placeholders, sorted the same way
    stand_in = {s: sp.Symbol(f"§{i:06d}§", real=True) for i, s in enumerate(symbols)}
    out = sp.sstr(expr.xreplace(stand_in), order="rev-lex")
    out = out.replace("**", "^").replace("*", "·").replace(" - ", " − ").replace("(-", "(−")
    out = "−" + out[1:] if out.startswith("-") else out
    for s, t in stand_in.items():
        out = out.replace(t.name, s.name)
    return out


_NUMPY_FUNCTIONS = {"sigmoid": lambda a: 1.0 / (1.0 + np.exp(-a)),
                    "Heaviside": lambda a, h0=0.0: np.heaviside(a, h0)}


def numeric(expr: sp.Expr, symbols: Sequence[sp.Symbol]) -> Callable[..., float]:
    """A fast numpy function of `symbols` that computes `expr` (inf and NaN as numpy gives them)."""
    f = sp.lambdify(list(symbols), expr, modules=[_NUMPY_FUNCTIONS, "numpy"], dummify=True)

    def call(*values: float) -> float:
        with np.errstate(all="ignore"):
            return float(np.real_if_close(f(*values)))
    return call
