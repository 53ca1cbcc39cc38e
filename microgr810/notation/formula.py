"""Formulas between text and sympy: read what a learner typed (through the one reader, notation/expr.py),
write a result as the math does, and evaluate one with numbers. Symbols are named exactly by node
names (W1[0,1], z1[0], t3).

`parse_formula(text, resolve, letters)` reads `text` with `expr.read` (Python, math or LaTeX style;
the functions are the op table's) and builds sympy through the op table's rules (`SYMPY_MATH`).
Anything the reader refuses, a name the resolver does not know, or a constant too large to compute
is a FormulaError.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from . import expr as reader
from .formats import latex_name
from .symbolic import SYMPY_MATH

__all__ = ["FormulaError", "parse_formula", "to_sympy", "MAX_LENGTH", "symbol", "text", "latex", "numeric"]

MAX_LENGTH = 500  # a gradient formula is a line; longer text is refused before it is parsed
MAX_EXPONENT = 64  # 9**9**9 would keep sympy busy for ever: constant exponents stay small
MAX_CONSTANT = sp.Integer(10) ** 300  # nor may a power build a constant beyond a float's range

# A name resolver: (stem, indices) -> the symbol's node name, e.g. ("W2", (1,)) -> "W2[0,1]";
# it raises ValueError for a name or index the graph does not have.
Resolver = Callable[[str, tuple[int, ...]], str]


class FormulaError(reader.ExprError):
    """A formula that is malformed, not allowed, or names something unknown."""


def parse_formula(text: str, resolve: Resolver, letters: Mapping[str, int] | None = None) -> sp.Expr:
    """The sympy expression of `text`; `letters` binds index letters (h, m) to whole numbers."""
    letters = dict(letters or {})
    try:
        tree = reader.read(text, letters=letters, max_length=MAX_LENGTH)
    except reader.ExprError as e:
        raise FormulaError(str(e)) from None
    return to_sympy(tree, resolve, letters)


def to_sympy(tree: reader.Node, resolve: Resolver, letters: Mapping[str, int] | None = None) -> sp.Expr:
    """A tree of the reader as sympy, its names resolved to node names and letters bound."""
    letters = dict(letters or {})

    def name(n: reader.Name) -> sp.Expr:
        index = []
        for i in n.index:
            if isinstance(i, str):
                if i not in letters:
                    bound = ", ".join(sorted(letters)) or "none here"
                    raise FormulaError(f"unknown index letter {i!r} in {n.stem}[...] (index letters: {bound})")
                i = letters[i]
            index.append(i)
        try:
            return symbol(resolve(n.stem, tuple(index)))
        except FormulaError:
            raise
        except ValueError as e:  # the resolver's own refusal (unknown name, index out of range)
            raise FormulaError(str(e)) from None

    for n in reader.walk(tree):  # f(x) with an unknown f: a call that is not allowed, not a product
        if isinstance(n, reader.Op) and n.call and isinstance(n.args[0], reader.Name):
            try:
                name(n.args[0])
            except FormulaError:
                allowed = ", ".join(reader.functions())
                raise FormulaError(f"the call {n.args[0]}(...) is not allowed: only {allowed}") from None
    try:
        return reader.evaluate(tree, SYMPY_MATH, name, _number, _guard)
    except (ZeroDivisionError, OverflowError, MemoryError, RecursionError) as e:
        raise FormulaError(f"cannot compute a constant in the formula: {type(e).__name__}") from None


def _number(text: str) -> sp.Expr:
    return sp.Integer(text) if text.isdigit() else sp.Rational(text) if "inf" not in text else sp.oo


def _guard(op: str, args: list[Any]) -> None:
    """Refuse constants that would keep sympy busy: 9**9**9, ((9**64)**64)**64."""
    if op != "**":
        return
    base, exponent = args
    if exponent.is_number and abs(exponent) > MAX_EXPONENT:
        raise FormulaError(f"the exponent {exponent} is too large (at most {MAX_EXPONENT})")
    if (
        base.is_number
        and exponent.is_number
        and base.is_finite
        and base != 0
        and abs(sp.log(abs(base), 10).evalf(15) * exponent) > 300
    ):
        raise FormulaError(f"the constant ({base})**({exponent}) is too large (beyond 10^300)")


# -- writing and evaluating formulas ------------------------------------------------------------------


def symbol(name: str) -> sp.Symbol:
    """The symbol of the node called `name` (real: every Value is a real number)."""
    return sp.Symbol(name, real=True)


class _LatexPrinter(LatexPrinter):
    def _print_Heaviside(self, e, exp=None):  # relu's slope, as the op namespace names it
        out = rf"\operatorname{{step}}\left({self._print(e.args[0])}\right)"
        return out if exp is None else rf"{out}^{{{exp}}}"


class _TextPrinter(StrPrinter):
    def _print_Heaviside(self, e):  # step(a): 1 if a > 0 else 0, and grade reads it back
        return f"step({self._print(e.args[0])})"


def latex(expr: sp.Expr) -> str:
    """A formula in LaTeX with node names written as the math writes them (z2 − y, not −y + z2)."""
    names = {s: latex_name(s.name) for s in expr.free_symbols}
    return _LatexPrinter({"symbol_names": names, "order": "rev-lex"}).doprint(expr)


def text(expr: sp.Expr) -> str:
    """A formula as plain text the way the derivation writes it: W2[0,1]·x[0]·z1[1]·(1 − z1[1])·(z2 − y).

    `grade` reads this spelling back (· for *, ^ for **, − for -)."""
    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    # node names may hold * or - themselves (labels are free text): print placeholders, sorted the same way
    stand_in = {s: sp.Symbol(f"§{i:06d}§", real=True) for i, s in enumerate(symbols)}
    out = _TextPrinter({"order": "rev-lex"}).doprint(expr.xreplace(stand_in))
    out = out.replace("**", "^").replace("*", "·").replace(" - ", " − ").replace("(-", "(−")
    out = "−" + out[1:] if out.startswith("-") else out
    for s, t in stand_in.items():
        out = out.replace(t.name, s.name)
    return out


_NUMPY_FUNCTIONS: dict[str, Callable[..., object]] = {
    "sigmoid": lambda a: 1.0 / (1.0 + np.exp(-a)),
    "Heaviside": lambda a, h0=0.0: np.heaviside(a, h0),
}


def numeric(expr: sp.Expr, symbols: Sequence[sp.Symbol]) -> Callable[..., float]:
    """A fast numpy function of `symbols` that computes `expr` (inf and NaN as numpy gives them)."""
    # cse: common subexpressions once; without it printing a nest such as tanh(tanh(...)) takes time 2^depth
    f = sp.lambdify(list(symbols), expr, modules=[_NUMPY_FUNCTIONS, "numpy"], dummify=True, cse=True)

    def call(*values: float) -> float:
        with np.errstate(all="ignore"):
            return float(np.real_if_close(f(*values)))

    return call
