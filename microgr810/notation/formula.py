"""Formulas between text and sympy: read what a learner typed (safely), write a result as the math does,
and evaluate one with numbers. Symbols are named exactly by node names (W1[0,1], z1[0], t3).

Reading uses Python's `ast` and a whitelist; nothing is ever evaluated as Python. Allowed: numbers,
names, subscripts `W1[h,m]` (index letters or whole numbers), `+ - * / **`, unary minus, parentheses
and calls of sigmoid (σ), exp, log (ln), tanh, step (relu's slope).
Everything else (attributes, other calls, lambdas, strings, comprehensions, ...) is a FormulaError.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from .symbolic import SYMPY_MATH

__all__ = ["FormulaError", "parse_formula", "read_tree", "OPERATORS", "MAX_LENGTH", "symbol", "text", "latex", "numeric"]

MAX_LENGTH = 500  # a gradient formula is a line; longer text is refused before it is parsed
MAX_EXPONENT = 64  # 9**9**9 would keep sympy busy for ever: constant exponents stay small
FUNCTIONS = {
    "sigmoid": SYMPY_MATH.sigmoid,
    "σ": SYMPY_MATH.sigmoid,
    "exp": SYMPY_MATH.exp,
    "log": SYMPY_MATH.log,
    "ln": SYMPY_MATH.log,
    "tanh": SYMPY_MATH.tanh,
    "step": SYMPY_MATH.step,
}
# what people type for the math's own signs, read as Python's
_SPELLING = {"^": "**", "−": "-", "·": "*", "⋅": "*", "×": "*", "²": "**2", "³": "**3", "ŷ": "y_hat", "Ŷ": "Y_hat"}

# A name resolver: (stem, indices) -> the symbol's node name, e.g. ("W2", (1,)) -> "W2[0,1]";
# it raises ValueError for a name or index the graph does not have.
Resolver = Callable[[str, tuple[int, ...]], str]


class FormulaError(ValueError):
    """A formula that is malformed, not allowed, or names something unknown."""


def parse_formula(text: str, resolve: Resolver, letters: Mapping[str, int] | None = None) -> sp.Expr:
    """The sympy expression of `text`; `letters` binds index letters (h, m) to whole numbers."""
    return _Reader(resolve, dict(letters or {})).read(read_tree(text))


def read_tree(text: str) -> ast.expr:
    """The syntax tree of a formula, its math spellings (σ, ·, ^, −, ŷ) read as Python's; never evaluated.
    Readers walk it: to sympy for one element (parse_formula), to numpy matrices (matrix_formula)."""
    if not isinstance(text, str):
        raise FormulaError(f"a formula must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"the formula is {len(text)} characters long; at most {MAX_LENGTH} are read")
    for sign, python in _SPELLING.items():
        text = text.replace(sign, python)
    if not text.strip():
        raise FormulaError("the formula is empty")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as e:
        where = f" at column {e.offset}" if isinstance(e, SyntaxError) and e.offset else ""
        raise FormulaError(f"not a formula{where}: {getattr(e, 'msg', None) or e}") from None
    return tree.body


# the one operator table: how each operator is written and what it computes (on numbers, sympy or numpy)
OPERATORS: dict[type, tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Add: ("+", lambda a, b: a + b),
    ast.Sub: ("-", lambda a, b: a - b),
    ast.Mult: ("*", lambda a, b: a * b),
    ast.Div: ("/", lambda a, b: a / b),
    ast.Pow: ("**", lambda a, b: a**b),
    ast.MatMult: ("@", lambda a, b: a @ b),  # matrices only: the scalar reader refuses it
}
_BINARY = {op: f for op, (_, f) in OPERATORS.items() if op is not ast.MatMult}


class _Reader:
    """Turns the whitelisted ast nodes into sympy; any other node is refused by name."""

    def __init__(self, resolve: Resolver, letters: dict[str, int]) -> None:
        self.resolve = resolve
        self.letters = letters

    def read(self, node: ast.AST) -> sp.Expr:
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left, right = self.read(node.left), self.read(node.right)
            if isinstance(node.op, ast.Pow) and right.is_number and abs(right) > MAX_EXPONENT:
                raise FormulaError(f"the exponent {right} is too large (at most {MAX_EXPONENT})")
            return _BINARY[type(node.op)](left, right)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            raise FormulaError("@ multiplies matrices: grade a whole matrix (W1, not W1[h,m]) to write it")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = self.read(node.operand)
            return -inner if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.Constant):
            if type(node.value) not in (int, float):
                raise FormulaError(f"{_show(node)} is not allowed in a formula: only numbers and names")
            return sp.Rational(repr(node.value)) if type(node.value) is float else sp.Integer(node.value)
        if isinstance(node, ast.Name):
            return self.name(node.id, ())
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            return self.name(node.value.id, tuple(self.index(p, node.value.id) for p in parts))
        if isinstance(node, ast.Call):
            return self.call(node)
        raise FormulaError(f"{_show(node)} is not allowed in a formula")

    def index(self, node: ast.AST, stem: str) -> int:
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        if isinstance(node, ast.Name):
            if node.id not in self.letters:
                bound = ", ".join(sorted(self.letters)) or "none here"
                raise FormulaError(f"unknown index letter {node.id!r} in {stem}[...] (index letters: {bound})")
            return self.letters[node.id]
        raise FormulaError(f"an index of {stem} must be a letter or a whole number, got {_show(node)}")

    def name(self, stem: str, indices: tuple[int, ...]) -> sp.Expr:
        if stem in FUNCTIONS:
            raise FormulaError(f"{stem} is a function: write {stem}(...)")
        try:
            return symbol(self.resolve(stem, indices))
        except FormulaError:
            raise
        except ValueError as e:  # the resolver's own refusal (unknown name, index out of range)
            raise FormulaError(str(e)) from None

    def call(self, node: ast.Call) -> sp.Expr:
        f = node.func
        if isinstance(f, ast.Name) and f.id in FUNCTIONS:
            if len(node.args) != 1 or node.keywords or isinstance(node.args[0], ast.Starred):
                raise FormulaError(f"{f.id}(...) takes exactly one argument")
            return FUNCTIONS[f.id](self.read(node.args[0]))
        what = ast.unparse(f)[:40]
        what = what if isinstance(f, (ast.Name, ast.Attribute, ast.Subscript)) else f"({what})"
        if isinstance(f, (ast.Subscript, ast.Constant)) or isinstance(f, ast.Name) and self._is_name(f.id):
            # z1[h](1 - z1[h]) is how the math writes a product
            raise FormulaError(f"{what}(...) reads as a call: write * between factors, e.g. {what}*(...)")
        raise FormulaError(f"the call {what}(...) is not allowed: only {', '.join(FUNCTIONS)}")

    def _is_name(self, stem: str) -> bool:
        try:
            self.resolve(stem, ())
        except ValueError:
            return False
        return True


def _show(node: ast.AST) -> str:
    """An ast node for an error message: its kind and (short) text."""
    kinds = {
        ast.Attribute: "attribute access",
        ast.Lambda: "a lambda",
        ast.ListComp: "a comprehension",
        ast.GeneratorExp: "a comprehension",
        ast.SetComp: "a comprehension",
        ast.DictComp: "a comprehension",
        ast.Compare: "a comparison",
        ast.BoolOp: "a boolean operator",
        ast.IfExp: "an if-expression",
        ast.NamedExpr: "an assignment",
        ast.List: "a list",
        ast.Tuple: "a tuple",
        ast.Dict: "a dict",
        ast.Set: "a set",
        ast.Starred: "a starred expression",
        ast.JoinedStr: "an f-string",
        ast.Await: "await",
        ast.Yield: "yield",
        ast.YieldFrom: "yield",
        ast.Slice: "a slice",
    }
    if isinstance(node, ast.Constant):
        kind = {str: "a string", bytes: "bytes", bool: "a boolean", complex: "a complex number"}.get(
            type(node.value), "a constant"
        )
    elif isinstance(node, (ast.BinOp, ast.UnaryOp)):
        kind = f"the operator {type(node.op).__name__}"
    else:
        kind = kinds.get(type(node), type(node).__name__)
    text = ast.unparse(node)
    return f"{kind} ({text[:40]}{'…' if len(text) > 40 else ''})"


# -- writing and evaluating formulas ------------------------------------------------------------------


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


class _LatexPrinter(LatexPrinter):
    def _print_Heaviside(self, e, exp=None):  # relu's slope, as the op namespace names it
        out = rf"\operatorname{{step}}\left({self._print(e.args[0])}\right)"
        return out if exp is None else rf"{out}^{{{exp}}}"


class _TextPrinter(StrPrinter):
    def _print_Heaviside(self, e):  # step(a): 1 if a > 0 else 0, and grade reads it back
        return f"step({self._print(e.args[0])})"


def latex(expr: sp.Expr) -> str:
    """A formula in LaTeX with node names written as the math writes them (z2 − y, not −y + z2)."""
    names = {s: _latex_name(s.name) for s in expr.free_symbols}
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
    f = sp.lambdify(list(symbols), expr, modules=[_NUMPY_FUNCTIONS, "numpy"], dummify=True)

    def call(*values: float) -> float:
        with np.errstate(all="ignore"):
            return float(np.real_if_close(f(*values)))

    return call
