"""How ops and derivatives read in math, in plain text and LaTeX: the op table's rules evaluated on `Text`.

`op_text(op, names)` writes a node's right-hand side from its operands' names (`x·2`, `σ(a2)`), and
`local_text(op, names, out)` each local derivative (`z2(1 − z2)`). How a call to an op is written
(σ, ln, \\sigma) comes from its entry in the op table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..core.ops import OPS, Op, is_number
from .formats import fmt, latex_name
from .names import block_name

__all__ = ["Text", "TEXT_MATH", "LATEX_MATH", "fmt", "latex_name", "op_text", "local_text", "call_name"]


# precedence: a sum binds loosest, then products, unary minus, powers; names and calls are atoms
_SUM, _PRODUCT, _NEG, _POWER, _ATOM = range(5)
_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


class Text:
    """A formula as text that knows how tightly it binds, so arithmetic on it adds only needed brackets.

    `Text("x") * 2` is "x·2"; `1 - Text("t")**2` is "1 − t²". A number keeps its value (`num`), so
    products by 1 and sums with 0 drop out. `latex=True` writes LaTeX instead of plain text.
    """

    __slots__ = ("s", "prec", "num", "latex")

    def __init__(self, s: str, prec: int = _ATOM, num: float | None = None, latex: bool = False) -> None:
        self.s, self.prec, self.num, self.latex = s, prec, num, latex

    def __str__(self) -> str:
        return self.s

    def __repr__(self) -> str:
        return f"Text({self.s!r})"

    def _of(self, x: Any) -> Text:
        return x if isinstance(x, Text) else _number(float(x), self.latex)

    def _wrap(self, prec: int) -> str:
        if self.prec >= prec:
            return self.s
        return rf"\left({self.s}\right)" if self.latex else f"({self.s})"

    def __add__(self, other: Any) -> Text:
        return self._add(self, self._of(other))

    def __radd__(self, other: Any) -> Text:
        return self._add(self._of(other), self)

    def _add(self, a: Text, b: Text) -> Text:
        if a.num is not None and b.num is not None:
            return _number(a.num + b.num, self.latex)
        if a.num == 0.0:
            return b
        if b.num == 0.0:
            return a
        if (b.num is not None and b.num < 0) or b.prec == _NEG:
            return a - (-b)  # a + (−b) reads a − b
        return Text(f"{a.s} + {b._wrap(_SUM)}", _SUM, latex=self.latex)

    def __sub__(self, other: Any) -> Text:
        other = self._of(other)
        if self.num is not None and other.num is not None:
            return _number(self.num - other.num, self.latex)
        if other.num == 0.0:
            return self
        if self.num == 0.0:
            return -other
        # the right operand needs brackets at its own level: a − (b + c), a − (−b)
        right = other._wrap(_PRODUCT) if other.prec != _NEG else other._wrap(_POWER)
        return Text(f"{self.s}{' - ' if self.latex else ' − '}{right}", _SUM, latex=self.latex)

    def __rsub__(self, other: Any) -> Text:
        return self._of(other) - self

    def __mul__(self, other: Any) -> Text:
        return self._mul(self, self._of(other))

    def __rmul__(self, other: Any) -> Text:
        return self._mul(self._of(other), self)

    def _mul(self, a: Text, b: Text) -> Text:
        if a.num == 1.0:
            return b
        if b.num == 1.0:
            return a
        if a.num == 0.0 or b.num == 0.0:
            return _number(0.0, self.latex)
        if a.num == -1.0:
            return -b
        if b.num == -1.0:
            return -a
        if a.num is not None and b.num is not None:
            return _number(a.num * b.num, self.latex)
        # a negative right factor keeps its brackets: x·(−2), not x·−2
        right = b._wrap(_POWER) if b.prec == _NEG else b._wrap(_PRODUCT)
        # a bracketed right factor follows without a dot, as the derivation writes z2(1 − z2)
        sym = r" \cdot " if self.latex else "" if right.startswith("(") and b.num is None else "·"
        return Text(f"{a._wrap(_PRODUCT)}{sym}{right}", _PRODUCT, latex=self.latex)

    def __truediv__(self, other: Any) -> Text:
        return self._truediv(self, self._of(other))

    def __rtruediv__(self, other: Any) -> Text:
        return self._truediv(self._of(other), self)

    def _truediv(self, a: Text, b: Text) -> Text:
        if b.num == 1.0:
            return a
        if a.num is not None and b.num is not None and b.num != 0.0:
            return _number(a.num / b.num, self.latex)
        if self.latex:
            return Text(rf"\frac{{{a.s}}}{{{b.s}}}", _ATOM, latex=True)
        return Text(f"{a._wrap(_PRODUCT)}/{b._wrap(_POWER)}", _PRODUCT)

    def __neg__(self) -> Text:
        if self.num is not None:
            return _number(-self.num, self.latex)
        if self.s.startswith(("−", "-")) and self.prec >= _PRODUCT:
            return Text(self.s[1:], self.prec, latex=self.latex)
        return Text(("-" if self.latex else "−") + self._wrap(_NEG + 1), _NEG, latex=self.latex)

    def __pow__(self, other: Any) -> Text:
        return self._pow(self, self._of(other))

    def __rpow__(self, other: Any) -> Text:
        return self._pow(self._of(other), self)

    def _pow(self, a: Text, b: Text) -> Text:
        if b.num == 1.0:
            return a
        if b.num == 0.0:
            return _number(1.0, self.latex)
        if self.latex:
            return Text(f"{a._wrap(_ATOM)}^{{{b.s}}}", _POWER, latex=True)
        if b.num is not None and b.num.is_integer() and 2 <= b.num <= 9:
            return Text(a._wrap(_ATOM) + str(int(b.num)).translate(_SUPERSCRIPTS), _POWER)
        return Text(f"{a._wrap(_ATOM)}^{b._wrap(_ATOM)}", _POWER)


def _number(x: float, latex: bool = False) -> Text:
    s = fmt(x)
    if latex:
        s = s.replace("inf", r"\infty")
    elif s.startswith("-"):
        s = "−" + s[1:]
    return Text(s, _NEG if x < 0 else _ATOM, num=x, latex=latex)


# LaTeX's own operator names: a call to one of these ops is written \name, any other \operatorname{name}
_LATEX_OPERATORS = frozenset({"sin", "cos", "tan", "sinh", "cosh", "tanh", "exp", "log", "ln", "arcsin", "arccos"})


def call_name(name: str, latex: bool = False) -> str:
    """How a call to the op `name` is written: its entry's symbol (σ, ln), else its name."""
    op = OPS.get(name)
    if latex:
        if op is not None and op.latex:
            return op.latex
        return rf"\{name}" if name in _LATEX_OPERATORS else rf"\operatorname{{{name}}}"
    return op.symbol if op is not None and op.symbol else name


class _TextMath:
    """Rules on text: how each op and each local derivative reads in math."""

    def __init__(self, latex: bool) -> None:
        self.latex = latex

    def of(self, x: Any) -> Text:
        """A name (str) as an atom, a number as a number; Text stays itself."""
        if isinstance(x, Text):
            return x
        if isinstance(x, str):
            return Text(latex_name(x) if self.latex else x, latex=self.latex)
        return _number(float(x), self.latex)

    def step(self, a: Any) -> Text:
        return Text(rf"[{self.of(a)} > 0]", latex=self.latex)

    def dot(self, w: tuple, x: tuple) -> Text:
        """w·x written as the math writes a row times a vector: W1[0,:]·x."""
        if len(w) == 1:
            return self.of(w[0]) * self.of(x[0])
        row, col = block_name([str(t) for t in w]), block_name([str(t) for t in x])
        return Text(row, latex=self.latex) * Text(col, latex=self.latex)

    def __getattr__(self, name: str) -> Callable[[Any], Text]:
        fn = call_name(name, self.latex)
        if self.latex:
            return lambda a: Text(rf"{fn}\left({self.of(a)}\right)", latex=True)
        return lambda a: Text(f"{fn}({self.of(a)})")


TEXT_MATH = _TextMath(latex=False)
LATEX_MATH = _TextMath(latex=True)


def op_text(op: Op | str, names: list, latex: bool = False) -> str:
    """A node's right-hand side, written from its operands' names (numbers as numbers)."""
    op = OPS[op] if isinstance(op, str) else op
    m = LATEX_MATH if latex else TEXT_MATH
    args = [m.of(n) for n in names]
    if op.write is None and op.arity == 1 and op.name.isidentifier():  # a function: softplus(a), not its formula
        return str(getattr(m, op.name)(*args))
    return str((op.write or op.forward)(m, *args))


def local_text(op: Op | str, names: list, out: str, latex: bool = False) -> list[str | None]:
    """d out / d operand i as text, for each operand (None for a number)."""
    op = OPS[op] if isinstance(op, str) else op
    m = LATEX_MATH if latex else TEXT_MATH
    args = [m.of(n) for n in names]
    return [None if is_number(n) else str(m.of(op.d(m, i, *args, out=m.of(out)))) for i, n in enumerate(names)]
