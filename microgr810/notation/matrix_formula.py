"""A formula in matrix notation, read from the one formula tree (formula.read_tree) into numpy, shapes first.

`(W2.T * z1 * (1 - z1)) @ x.T * (y_hat - y)`: names are matrices (2-D arrays), `@` is the matrix product,
`.T` the transpose, `* / + - **` and the op table's functions (σ, exp, log, tanh, ...) act elementwise,
and `sum(E, axis=1)` (or `E.sum(axis=1)`, `mean`) sums a matrix's rows or columns, keeping it 2-D (an H×N
matrix summed over axis 1 is H×1). Every operation checks its operands' shapes as it is read; a mismatch
is a ShapeError naming the operation, the operands as written, their shapes, and the likely fix.

Elementwise operations broadcast only along one axis, as a batch needs (an H×1 column beside an H×N
matrix, a 1×1 everywhere): a column beside a row (H×1 * 1×M) is refused, since there `@` was meant.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.ops import OPS, calls
from .formula import MAX_EXPONENT, OPERATORS, FormulaError

__all__ = ["ShapeError", "Term", "evaluate", "size", "FUNCTIONS"]

# the functions a matrix formula may call: the op table's unary ops, by name and by symbol (σ, ln)
FUNCTIONS = {name: name for name in calls()} | {OPS[n].symbol: n for n in calls() if OPS[n].symbol}
_SUMS = {"sum": np.sum, "mean": np.mean}


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


class _Math:
    """The op table's forward rules on numpy arrays, elementwise."""

    @staticmethod
    def sigmoid(a: Any) -> Any:
        return 1.0 / (1.0 + np.exp(-a))

    @staticmethod
    def relu(a: Any) -> Any:
        return np.maximum(a, 0.0)

    @staticmethod
    def step(a: Any) -> Any:
        return (np.asarray(a) > 0).astype(float)

    def __getattr__(self, name: str) -> Any:
        return getattr(np, name)


_NUMPY = _Math()


def evaluate(tree: ast.expr, env: Mapping[str, np.ndarray]) -> Term:
    """The value of a formula tree with each name bound to a 2-D array of env; shapes checked per operation."""
    with np.errstate(all="ignore"):  # inf and NaN are the caller's to judge, never a warning
        return _read(tree, env)


def _read(node: ast.expr, env: Mapping[str, np.ndarray]) -> Term:
    text = ast.unparse(node)
    text = f"({text})" if isinstance(node, ast.BinOp) else text  # an operand in a message reads as one
    if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
        left, right = _read(node.left, env), _read(node.right, env)
        sign, f = OPERATORS[type(node.op)]
        if sign == "@":
            _check_matmul(left, right, node)
        elif sign == "**":
            if right.shape is not None:
                raise FormulaError(f"the exponent in {text} must be a number, not the matrix {right.described()}")
            if abs(right.value) > MAX_EXPONENT:
                raise FormulaError(f"the exponent {right.value} is too large (at most {MAX_EXPONENT})")
        else:
            _check_elementwise(sign, left, right, node)
        value = f(left.value, right.value)
        inner = left.inner or right.inner or (sign == "@" and np.shape(value) == (1, 1) and left.shape != (1, 1))
        outer = left.outer or right.outer or (sign == "@" and left.shape is not None and left.shape[1] == 1)
        return Term(text, value, sign, inner, outer and np.shape(value) != (1, 1))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _read(node.operand, env)
        return Term(text, -inner.value if isinstance(node.op, ast.USub) else inner.value, inner.op, inner.inner, inner.outer)
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return Term(text, float(node.value), "number")
    if isinstance(node, ast.Name):
        if node.id not in env:
            if node.id in FUNCTIONS or node.id in _SUMS:
                raise FormulaError(f"{node.id} is a function: write {node.id}(...)")
            other = node.id[0].swapcase() + node.id[1:]  # z1 <-> Z1: one datapoint's name in a batch, or back
            if other in env:
                one = "one column per datapoint" if other[0].isupper() else "one datapoint"
                raise FormulaError(f"unknown name {node.id!r} here: write {other} ({one}, {size(env[other].shape)})")
            raise FormulaError(f"unknown name {node.id!r}; the matrices here are {', '.join(env)}")
        return Term(text, np.asarray(env[node.id], dtype=float), node.id)
    if isinstance(node, ast.Attribute) and node.attr == "T":
        inner = _read(node.value, env)
        return Term(text, inner.value if inner.shape is None else inner.value.T, "T")
    if isinstance(node, ast.Call):
        return _call(node, env)
    if isinstance(node, ast.Subscript):
        raise FormulaError(
            f"{text}: write whole matrices here (W1, z1.T); one element is graded in index form, e.g. grade W1[h,m]"
        )
    raise FormulaError(f"{text[:40]} is not allowed in a matrix formula")


def _call(node: ast.Call, env: Mapping[str, np.ndarray]) -> Term:
    f, text = node.func, ast.unparse(node)
    if isinstance(f, ast.Attribute) and f.attr in _SUMS:  # E.sum(axis=1)
        return _sum(f.attr, f.value, node.args, node.keywords, text, env)
    if isinstance(f, ast.Name) and f.id in _SUMS:  # sum(E, axis=1)
        if not node.args:
            raise FormulaError(f"{text}: {f.id}(...) needs the matrix to sum")
        return _sum(f.id, node.args[0], node.args[1:], node.keywords, text, env)
    if isinstance(f, ast.Name) and f.id in FUNCTIONS:
        if len(node.args) != 1 or node.keywords or isinstance(node.args[0], ast.Starred):
            raise FormulaError(f"{f.id}(...) takes exactly one argument")
        inner = _read(node.args[0], env)
        return Term(text, OPS[FUNCTIONS[f.id]].forward(_NUMPY, inner.value), f.id)
    allowed = ", ".join([*FUNCTIONS, *_SUMS])
    raise FormulaError(f"the call {ast.unparse(f)[:40]}(...) is not allowed: only {allowed}")


def _sum(how: str, of: ast.expr, args: list, keywords: list, text: str, env: Mapping[str, np.ndarray]) -> Term:
    axis: int | None = None
    given = [k.value for k in keywords if k.arg == "axis"] + list(args)
    if len(given) > 1 or any(k.arg != "axis" for k in keywords):
        raise FormulaError(f"{text}: write {how}(E) or {how}(E, axis=0) or {how}(E, axis=1)")
    if given:
        a = given[0]
        if not (isinstance(a, ast.Constant) and a.value in (0, 1) and type(a.value) is int):
            raise FormulaError(f"{text}: the axis is 0 (down each column) or 1 (along each row)")
        axis = a.value
    inner = _read(of, env)
    if inner.shape is None:
        raise FormulaError(f"{text}: {ast.unparse(of)} is a number; {how} sums a matrix")
    value = _SUMS[how](inner.value, axis=axis, keepdims=True)
    return Term(text, value, how)


def _transposed_text(node: ast.expr) -> str:
    """How the operand would read transposed: z1.T -> z1, z1 -> z1.T, (a @ b) -> (a @ b).T."""
    if isinstance(node, ast.Attribute) and node.attr == "T":
        return ast.unparse(node.value)
    text = ast.unparse(node)
    return f"{text}.T" if isinstance(node, (ast.Name, ast.Attribute, ast.Call)) else f"({text}).T"


def _check_matmul(left: Term, right: Term, node: ast.BinOp) -> None:
    a, b = left.shape, right.shape
    if a is None or b is None:
        number = left if a is None else right
        raise ShapeError(f"`@` on {left.described()} and {right.described()}: {number.text} is a number; "
                         f"a number multiplies with `*`", "matmul-number")
    if a[1] == b[0]:
        return
    say = f"`@` on {left.described()} and {right.described()}: the inner sizes {a[1]} and {b[0]} differ"
    if a[1] == b[1]:
        fix = f"did you mean {_transposed_text(node.right)} ({size(b[::-1])})?"
    elif a[0] == b[0]:
        fix = f"did you mean {_transposed_text(node.left)} ({size(a[::-1])}) on the left?"
    elif b[1] == a[0]:
        fix = f"did you mean {right.text} @ {left.text} ({size((b[0], a[1]))})?"
    else:
        fix = "neither operand transposed fits"
    if (1, 1) in (a, b):
        fix += f"; a 1×1 ({left.text if a == (1, 1) else right.text}) multiplies with `*`"
    raise ShapeError(f"{say}; {fix}", "inner-sizes")


def _check_elementwise(sign: str, left: Term, right: Term, node: ast.BinOp) -> None:
    a, b = left.shape, right.shape
    if a is None or b is None or a == b or (1, 1) in (a, b):
        return
    if (a[0] == b[0] and 1 in (a[1], b[1])) or (a[1] == b[1] and 1 in (a[0], b[0])):
        return  # a column beside a matrix of as many rows (b1 + W1 @ X), or a row beside one of as many columns
    say = f"elementwise `{sign}` on {left.described()} and {right.described()}: the shapes differ"
    if a == b[::-1]:
        raise ShapeError(f"{say}; did you mean {_transposed_text(node.right)} ({size(a)})?", "transposed")
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
