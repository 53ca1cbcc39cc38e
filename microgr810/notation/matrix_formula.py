"""A formula in matrix notation, read by the one expression reader (expr.read) and walked into numpy, shapes first.

`(W2.T * z1 * (1 - z1)) @ x.T * (y_hat - y)`: names are matrices (2-D arrays), `@` is the matrix product,
`.T` the transpose, `* / + - **` and the op table's functions (σ, exp, log, tanh, ...) act elementwise,
and `sum(E, axis=1)` (or `E.sum(axis=1)`, `mean`) sums a matrix's rows or columns, keeping it 2-D (an H×N
matrix summed over axis 1 is H×1). Every operation checks its operands' shapes as it is read; a mismatch
is a ShapeError naming the operation, the operands as written, their shapes, and the likely fix.

Elementwise operations broadcast only along one axis, as a batch needs (an H×1 column beside an H×N
matrix, a 1×1 everywhere): a column beside a row (H×1 * 1×M) is refused, since there `@` was meant.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.ops import OPS
from . import expr
from .arrays import ARRAY_MATH
from .expr import SUMS, Call, Name, Node, Num, Op
from .formula import MAX_EXPONENT, MAX_LENGTH, FormulaError

__all__ = ["ShapeError", "Term", "read", "evaluate", "size"]


class ShapeError(FormulaError):
    """Shapes that do not compose; `mistake` names the pattern (inner-sizes, elementwise-shapes, ...)."""

    def __init__(self, message: str, mistake: str) -> None:
        super().__init__(message)
        self.mistake = mistake


@dataclass
class Term:
    """A part of the formula as written, and its value: a 2-D array, or a plain number (shape None)."""

    text: str
    value: Any
    op: str = ""  # the operation that made it ("@", "*", "T", "sum", a name ...)
    inner: bool = False  # it holds an inner product (a row @ a column: 1×1) somewhere
    outer: bool = False  # ... or an outer product (a column @ a row)

    @property
    def shape(self) -> tuple[int, int] | None:
        return None if np.ndim(self.value) == 0 else self.value.shape

    def described(self) -> str:
        return f"{self.text} ({size(self.shape)})"


def size(shape: tuple[int, ...] | None) -> str:
    return "a number" if shape is None else "×".join(map(str, shape))


_NUMPY = ARRAY_MATH


def read(text: str) -> Node:
    """A matrix formula's tree, by the one expression reader (`@`, `.T` and sums allowed)."""
    return expr.read(text, matrices=True, max_length=MAX_LENGTH)


def evaluate(tree: Node, env: Mapping[str, np.ndarray]) -> Term:
    """The value of a formula tree with each name bound to a 2-D array of env; shapes checked per operation,
    operands before the op (left to right), so the first mismatch as the formula is read is the one named."""
    terms: list[Term] = []
    with np.errstate(all="ignore"):  # inf and NaN are the caller's to judge, never a warning
        for n in expr.walk(tree):
            if isinstance(n, Num):
                terms.append(Term(_text(n), np.float64(n.text), "number"))  # numpy's: 1/0 is inf, not an error
            elif isinstance(n, Name):
                terms.append(_name(n, env))
            elif isinstance(n, Call):
                a = terms.pop()
                op = OPS[n.fn]
                out = op.forward(_NUMPY, a.value)
                value = op.d(_NUMPY, 0, a.value, out=out) if n.prime else out
                terms.append(Term(_text(n), value, n.fn, a.inner, a.outer))
            else:
                k = len(n.args)
                args, terms[-k:] = terms[-k:], []
                terms.append(_op(n, args))
    return terms[0]


def _text(node: Node) -> str:
    """A part of the formula as an operand in a message: compound parts in brackets, (W2.T·z1)."""
    text = expr.show(node)
    return f"({text})" if isinstance(node, Op) and node.op not in ("T", *SUMS) else text


def _name(n: Name, env: Mapping[str, np.ndarray]) -> Term:
    if n.index:
        raise FormulaError(
            f"{n}: write whole matrices here (W1, z1.T); one element is graded in index form, e.g. W1[h,m]"
        )
    if n.stem not in env:
        other = n.stem[0].swapcase() + n.stem[1:]  # z1 <-> Z1: one datapoint's name in a batch, or back
        if other in env:
            one = "one column per datapoint" if other[0].isupper() else "one datapoint"
            raise FormulaError(f"unknown name {n.stem!r} here: write {other} ({one}, {size(env[other].shape)})")
        raise FormulaError(f"unknown name {n.stem!r}; the matrices here are {', '.join(env)}")
    return Term(n.stem, np.asarray(env[n.stem], dtype=float), n.stem)


def _op(n: Op, args: list[Term]) -> Term:
    text = _text(n)
    if n.op == "T":
        (a,) = args
        return Term(text, a.value if a.shape is None else a.value.T, "T", a.inner, a.outer)
    if n.op in SUMS:
        (a,) = args
        if a.shape is None:
            raise FormulaError(f"{text}: {a.text} is a number; {n.op} adds up a matrix")
        return Term(text, getattr(a.value, n.op)(axis=n.axis, keepdims=True), n.op, a.inner, a.outer)
    if n.op == "neg":
        (a,) = args
        return Term(text, -a.value, a.op, a.inner, a.outer)
    left, right = args
    if n.op == "@":
        _check_matmul(left, right, n)
        value = left.value @ right.value
    else:
        if n.op == "**":
            if right.shape is not None:
                raise FormulaError(f"the exponent in {text} must be a number, not the matrix {right.described()}")
            if abs(right.value) > MAX_EXPONENT:
                raise FormulaError(f"the exponent {right.value:g} is too large (at most {MAX_EXPONENT})")
        else:
            _check_elementwise(n.op, left, right, n)
        value = OPS[n.op].forward(_NUMPY, left.value, right.value)
    inner = left.inner or right.inner or (n.op == "@" and np.shape(value) == (1, 1) and left.shape != (1, 1))
    outer = left.outer or right.outer or (n.op == "@" and left.shape is not None and left.shape[1] == 1)
    return Term(text, value, n.op, inner, outer and np.shape(value) != (1, 1))


def _transposed_text(node: Node) -> str:
    """How the operand would read transposed: z1.T -> z1, z1 -> z1.T, (a @ b) -> (a @ b).T."""
    if isinstance(node, Op) and node.op == "T":
        return expr.show(node.args[0])
    return f"{_text(node)}.T"


def _check_matmul(left: Term, right: Term, node: Op) -> None:
    a, b = left.shape, right.shape
    if a is None or b is None:
        number = left if a is None else right
        raise ShapeError(
            f"`@` on {left.described()} and {right.described()}: {number.text} is a number; "
            f"a number multiplies with `*`",
            "matmul-number",
        )
    if a[1] == b[0]:
        return
    say = f"`@` on {left.described()} and {right.described()}: the inner sizes {a[1]} and {b[0]} differ"
    if a[1] == b[1]:
        fix = f"did you mean {_transposed_text(node.args[1])} ({size(b[::-1])})?"
    elif a[0] == b[0]:
        fix = f"did you mean {_transposed_text(node.args[0])} ({size(a[::-1])}) on the left?"
    elif b[1] == a[0]:
        fix = f"did you mean {right.text} @ {left.text} ({size((b[0], a[1]))})?"
    else:
        fix = "neither operand transposed fits"
    if (1, 1) in (a, b):
        fix += f"; a 1×1 ({left.text if a == (1, 1) else right.text}) multiplies with `*`"
    raise ShapeError(f"{say}; {fix}", "inner-sizes")


def _check_elementwise(sign: str, left: Term, right: Term, node: Op) -> None:
    a, b = left.shape, right.shape
    if a is None or b is None or a == b or (1, 1) in (a, b):
        return
    if (a[0] == b[0] and 1 in (a[1], b[1])) or (a[1] == b[1] and 1 in (a[0], b[0])):
        return  # a column beside a matrix of as many rows (b1 + W1 @ X), or a row beside one of as many columns
    say = f"elementwise `{sign}` on {left.described()} and {right.described()}: the shapes differ"
    if a == b[::-1]:
        left_t, right_t = _transposed_text(node.args[0]), _transposed_text(node.args[1])
        fix = f"did you mean {left_t} ({size(b)}), or {right_t} ({size(a)})?"
        raise ShapeError(f"{say}; {fix}", "transposed")
    if sign == "*" and a[1] == 1 and b[0] == 1:
        raise ShapeError(
            f"{say}; a column times a row is the outer product, written `@`: "
            f"{left.text} @ {right.text} is {size((a[0], b[1]))}",
            "star-for-matmul",
        )
    if sign == "*" and a[0] == 1 and b[1] == 1:
        raise ShapeError(
            f"{say}; a row times a column is the inner product, written `@`: {left.text} @ {right.text} is 1×1",
            "star-for-matmul",
        )
    raise ShapeError(f"{say} in both axes (only a 1×1, a column or a row is stretched)", "elementwise-shapes")
