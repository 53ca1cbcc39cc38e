"""The op table: everything microgr810 knows about each op, defined once, where the op is defined.

An entry is made by the `entry(...)` decorator on the method (or function) that computes the op's value
and its local derivatives as numbers. The decorator adds, beside that numeric code:
- `forward(m, *operands)`: the op written with generic arithmetic;
- `d(m, i, *operands, out=...)`: d out / d operand i, written with generic arithmetic.
`m` is a namespace of functions (exp, log, tanh, sigmoid, relu, step) for one algebra, so the same
rule builds floats (`FLOAT_MATH`), `Value`s (`VALUE_MATH`, for gradients of gradients), sympy
expressions (`microgr810.symbolic.SYMPY_MATH`) and text (`TEXT_MATH`, for trace, draw and explain).
How an op reads in math, in plain text and LaTeX, comes from evaluating those same rules on `Text`.

Operands are the op's arguments in order, numbers included: `x * 2` has operands (x, 2.0); a number
is part of its op, not a node (it gets no gradient and backward never visits it).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Op", "OPS", "entry", "Text", "TEXT_MATH", "LATEX_MATH", "FLOAT_MATH", "fmt", "latex_name"]

OPS: dict[str, Op] = {}


def fmt(x: float, digits: int = 4) -> str:
    """A number as tables and formulas print it: `digits` significant digits, no trailing zeros."""
    return f"{x:.{digits}g}"


@dataclass(frozen=True)
class Op:
    """One op: its name, how many operands (None: any number), its forward and its local-derivative rule."""

    name: str
    arity: int | None
    forward: Callable[..., Any]
    d: Callable[..., Any]
    target: int | None = None  # the operand that is a data target (a loss's y): derivations name it y
    write: Callable[..., Any] | None = None  # how the op reads, where `forward` would read badly (linear)

    def rule(self, m: Any, *operands: Any, out: Any, slots: Any = None) -> tuple:
        """d out / d operand for each operand, in `m`'s algebra; None where the operand is a number
        (or, given `slots`, where its index is not in slots: in the float algebra everything is a number)."""
        return tuple(
            self.d(m, i, *operands, out=out) if (i in slots if slots is not None else not _is_number(x)) else None
            for i, x in enumerate(operands)
        )

    def text(self, names: list, latex: bool = False) -> str:
        """The node's right-hand side, written from its operands' names (numbers as numbers)."""
        m = LATEX_MATH if latex else TEXT_MATH
        args = [m.of(n) for n in names]
        return str((self.write or self.forward)(m, *args))

    def local_text(self, names: list, out: str, latex: bool = False) -> list[str | None]:
        """d out / d operand i as text, for each operand (None for a number)."""
        m = LATEX_MATH if latex else TEXT_MATH
        args = [m.of(n) for n in names]
        return [None if _is_number(n) else str(m.of(self.d(m, i, *args, out=m.of(out)))) for i, n in enumerate(names)]

    def latex(self, names: list) -> str:
        return self.text(names, latex=True)

    def local_latex(self, names: list, out: str) -> list[str | None]:
        return self.local_text(names, out, latex=True)


def entry(
    name: str,
    *,
    arity: int | None,
    forward: Callable[..., Any],
    d: Callable[..., Any],
    target: int | None = None,
    write: Callable[..., Any] | None = None,
) -> Callable:
    """Register an op in OPS; the decorated function is returned unchanged (no cost per call)."""
    if name in OPS:
        raise ValueError(f"op {name!r} is defined twice")
    OPS[name] = Op(name, arity, forward, d, target, write)

    def register(f: Callable) -> Callable:
        return f

    return register


def _is_number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


# -- algebras the rules are evaluated in --------------------------------------------------------


class _Floats:
    """Rules on floats: to check the engine's numeric local derivatives against them."""

    exp, log, tanh = staticmethod(math.exp), staticmethod(math.log), staticmethod(math.tanh)

    @staticmethod
    def sigmoid(a: float) -> float:
        return 1.0 / (1.0 + math.exp(-a)) if a >= 0 else math.exp(a) / (1.0 + math.exp(a))

    @staticmethod
    def relu(a: float) -> float:
        return max(a, 0.0)

    @staticmethod
    def step(a: float) -> float:
        return 1.0 if a > 0 else 0.0

    def __getattr__(self, name: str) -> Any:  # an op added later (sin, cos): math has it
        return getattr(math, name)


FLOAT_MATH = _Floats()

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


def latex_name(name: str) -> str:
    """A node's name in LaTeX: W1[0,1] -> W_{1}[0,1], y_hat -> \\hat{y}, t3 -> t_{3}."""
    if name == "y_hat":
        return r"\hat{y}"
    stem, bracket, rest = name.partition("[")
    head = stem.rstrip("0123456789")
    digits = stem[len(head) :]
    head = head.replace("_", r"\_")
    if len(head) > 1:
        head = rf"\mathrm{{{head}}}"
    head = head.replace("Σ", r"\Sigma ")  # the batch sum ΣL: LaTeX wants the command, not the character
    out = f"{head}_{{{digits}}}" if digits and head else head or stem
    for c in "#$%&{}":
        rest = rest.replace(c, "\\" + c)
    return out + (f"[{rest}" if bracket else "")


class _TextMath:
    """Rules on text: how each op and each local derivative reads in math."""

    _CALLS = {"log": "ln", "sigmoid": "σ"}
    _LATEX_CALLS = {
        "log": r"\ln",
        "exp": r"\exp",
        "tanh": r"\tanh",
        "sigmoid": r"\sigma",
        "relu": r"\operatorname{relu}",
    }

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

    def __getattr__(self, name: str) -> Callable[[Any], Text]:
        if self.latex:
            fn = self._LATEX_CALLS.get(name, rf"\operatorname{{{name}}}")
            return lambda a: Text(rf"{fn}\left({self.of(a)}\right)", latex=True)
        fn = self._CALLS.get(name, name)
        return lambda a: Text(f"{fn}({self.of(a)})")


TEXT_MATH = _TextMath(latex=False)
LATEX_MATH = _TextMath(latex=True)


def __getattr__(name: str) -> Any:
    # VALUE_MATH builds Values, so it lives with them; it is re-exported here for one place to look
    if name == "VALUE_MATH":
        from .engine import VALUE_MATH

        return VALUE_MATH
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
