"""The one reader of expressions people type: text -> a small tree that several evaluators walk.

Public API
----------
- `read(text, *, letters=(), matrices=False, max_length=None) -> Node`: read a formula or an
  expression. Raises `ExprError` (a ValueError, one line) for anything that is not allowed.
- `Node` kinds (frozen dataclasses): `Num(text)`, `Name(stem, index)`, `Call(fn, arg, prime)`,
  `Op(op, args, call, axis)` (`call`: a product written as a call, `z1[h](1 - z1[h])`). `Op.op` and
  `Call.fn` are op-table names (`"+" "-" "*" "/" "**" "neg"`, `"exp"`, `"sigmoid"`, ...); with
  `matrices=True` also `"@"` (matrix product), `"T"` (transpose, `W2.T`) and `"sum"`/`"mean"` over
  `axis` (`sum(E, axis=1)` or `E.sum(axis=1)`, keeping the matrix 2-D).
- `evaluate(node, m, name, number=float)`: walk the tree through the op table in the algebra `m`
  (`FLOAT_MATH`, `engine.VALUE_MATH`, `symbolic.SYMPY_MATH`, a numpy or mpmath namespace): each
  `Op`/`Call` is `OPS[op].forward(m, ...)`, a derivative `σ'(a)` is `OPS["sigmoid"].d(m, 0, a, out=σ(a))`;
  `name(Name)` gives a leaf's value and `number(text)` a number's. Iterative: no recursion limit.
- `show(node)`: the tree as plain text, with every product written out (the "read as: ..." line).
- `names(node)`: the `Name`s a tree mentions, in order of appearance; `walk(node)`: every node, post-order.
- `functions()`: the spellings a call may use, from the op table: every unary op (`calls()`), its
  text symbol (σ, ln), and `step` (relu's slope, as derivations print it).

What is read (one notation, three styles, all giving the same tree)
- Python: `W2[h]*x[m]*z1[h]*(1-z1[h])*(y_hat-y)`, `**`, calls of the op table's unary ops.
- Math: `σ`, `σ'(a)`, `sigmoid'(a)`, `tanh'(a)`, `ŷ`, `·`, `×`, `−`, `²`, `³`, `^`; implicit
  products `2x[m]`, `z1[h](1-z1[h])`, `(a)(b)`, `x y`. `name(...)` is a call only when `name` is a
  function; otherwise it is a product, as the derivation writes it.
- LaTeX (any text with a backslash or `_{`/`_1`): `W_2^h x^m z_1^h (1 - z_1^h)(\\hat{y} - y)`,
  `W_{2}[h]`, `\\sigma(a_2)`, `\\sigma'(a)`, `\\frac{a}{b}`, `\\cdot`, `\\times`, `\\left( \\right)`,
  `\\big(`, `\\,`, `e^{...}`. A superscript made of index letters (`letters`) is an index, any other a power.
  It is read by a recursive-descent parser of that subset into the same text the Python reader takes.

Reading uses Python's `ast` with one whitelist: numbers, names, subscripts `x[m]`, `W1[h,m]`,
`+ - * / **`, unary minus, calls of `functions()`; nothing is ever evaluated as Python.
"""

from __future__ import annotations

import ast
import keyword
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..core.ops import OPS, calls

__all__ = [
    "ExprError",
    "Node",
    "Num",
    "Name",
    "Call",
    "Op",
    "read",
    "evaluate",
    "show",
    "names",
    "walk",
    "functions",
    "is_latex",
]


class ExprError(ValueError):
    """Text that is not an expression this reader allows (the message says where and why, one line)."""


@dataclass(frozen=True)
class Num:
    """A number as written (exact: "0.25" stays 1/4 for sympy)."""

    text: str


@dataclass(frozen=True)
class Name:
    """A name with its index: `x[m]` is Name("x", ("m",)), `W1[0,2]` Name("W1", (0, 2)), `y` Name("y", ())."""

    stem: str
    index: tuple[int | str, ...] = ()

    def __str__(self) -> str:
        return f"{self.stem}[{','.join(map(str, self.index))}]" if self.index else self.stem


@dataclass(frozen=True)
class Call:
    """fn(arg), or its derivative fn'(arg) when prime = 1; fn is an op-table name."""

    fn: str
    arg: Node
    prime: int = 0


@dataclass(frozen=True)
class Op:
    """An op-table operator over its operands: "+", "-", "*", "/", "**", "neg" (and "@", "T" for matrices)."""

    op: str
    args: tuple[Node, ...]
    call: bool = field(default=False, compare=False)  # a product written as a call: z1[h](1 - z1[h])
    axis: int | None = None  # of a matrix sum or mean: 0 down each column, 1 along each row, None all


Node = Num | Name | Call | Op

_BINARY: dict[type, str] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_MATRIX_BINARY: dict[type, str] = {ast.MatMult: "@"}
SUMS = ("sum", "mean")  # with matrices: sum(E, axis=1) or E.sum(axis=1) is Op("sum", (E,), axis=1)
# the math's own signs, as Python writes them
_SPELLING = {
    "^": "**",
    "−": "-",
    "–": "-",
    "·": "*",
    "⋅": "*",
    "×": "*",
    "∙": "*",
    "²": "**2",
    "³": "**3",
    "ŷ": "y_hat",
    "Ŷ": "Y_hat",  # a batch's predictions, as matrices write them
    "y\u0302": "y_hat",  # y and a combining circumflex
    "′": "'",
    "’": "'",
    "⊙": "*",
}
_PRIME = "__prime"  # σ'(a) reads as the name σ__prime: Python has no primes


def functions() -> dict[str, tuple[str, int]]:
    """Each spelling a call may use -> (op name, derivative order), from the op table."""
    out: dict[str, tuple[str, int]] = {}
    for name in calls():
        out[name] = (name, 0)
        symbol = OPS[name].symbol
        if symbol and symbol.isidentifier():
            out[symbol] = (name, 0)
    if "relu" in OPS:
        out.setdefault("step", ("relu", 1))  # relu's slope, as derive and trace print it
    return out


# -- text -> normalised text ---------------------------------------------------------------------------

_LATEX_HINT = re.compile(r"\\|_\{|[A-Za-z]_\d|\^\{")


def is_latex(text: str) -> bool:
    """Whether `text` is read as LaTeX: it has a backslash, or subscripts like z_1, _{...}, ^{...}."""
    return bool(_LATEX_HINT.search(text))


_TOKEN = re.compile(
    r"(?P<space>\s*)(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[jJ]?)|(?P<str>[rbfuRBFU]{0,2}'[^']*'|"
    r"[rbfuRBFU]{0,2}\"[^\"]*\")|(?P<name>[^\W\d]\w*)(?P<prime>'*)|(?P<op>\*\*|//|:=|.))",
    re.UNICODE,
)


def _tokens(text: str) -> list[tuple[str, str, str]]:
    """(kind, text, the space before it): numbers, strings (to be refused by name), names, signs."""
    out: list[tuple[str, str, str]] = []
    spellings = functions()
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            break
        pos, space = m.end(), m.group("space")
        if m.group("num") is not None:
            out.append(("num", m.group("num"), space))
        elif m.group("str") is not None:
            out.append(("str", m.group("str"), space))
        elif m.group("name") is not None:
            name, primes = m.group("name"), m.group("prime")
            if primes and name not in spellings:  # not a derivative: the quote opens a string
                pos -= len(primes)
                primes = ""
            out.append(("name", name + _PRIME * len(primes), space))
        elif m.group("op").strip():
            out.append(("op", m.group("op"), space))
    return out


def _implicit_products(text: str) -> str:
    """Python text with * written where the math leaves it out: 2x[m] -> 2*x[m], x y -> x*y, ) x -> )*x.

    A name or number followed by `(` is left alone: the reader decides there (a call of a function,
    else a product)."""
    out: list[str] = []
    prev: tuple[str, str, str] | None = None
    depth = 0  # inside [...] an index list: no products there
    for kind, tok, space in _tokens(text):
        ends = prev is not None and (
            prev[0] == "num" or (prev[0] == "name" and not keyword.iskeyword(prev[1])) or prev[1] in (")", "]")
        )
        starts = kind == "num" or (kind == "name" and not keyword.iskeyword(tok))
        if ends and starts and depth == 0:
            out.append(" *")
        if tok == "[":
            depth += 1
        elif tok == "]":
            depth = max(0, depth - 1)
        out.append(space + tok)
        prev = (kind, tok, space)
    return "".join(out).strip()


# -- LaTeX -> the same text ----------------------------------------------------------------------------

_LATEX_DROP = {r"\left", r"\right", r"\big", r"\Big", r"\bigg", r"\Bigg", r"\bigl", r"\bigr", r"\Bigl", r"\Bigr"}
_LATEX_SPACE = {r"\,", r"\;", r"\:", r"\!", r"\quad", r"\qquad", "\\ "}
_LATEX_TIMES = {r"\cdot", r"\times", r"\odot", r"\ast"}
_LATEX_WRAP = {r"\mathrm", r"\mathbf", r"\boldsymbol", r"\mathit", r"\text", r"\operatorname", r"\bm"}
_LATEX_SIGNS = {r"\sigma": "σ", r"\hat": "", r"\prime": "'", r"\exp": "exp", r"\ln": "ln", r"\log": "log"}


class _Latex:
    """A recursive-descent reader of the LaTeX a derivation writes, into the reader's Python-style text."""

    _COMMAND = re.compile(r"\\(?:[A-Za-z]+|.)")

    def __init__(self, text: str, letters: Iterable[str]) -> None:
        self.s, self.i, self.letters = text, 0, set(letters)

    def error(self, why: str) -> ExprError:
        return ExprError(f"cannot read the LaTeX at column {self.i + 1}: {why}")

    def peek(self) -> str:
        while self.i < len(self.s) and self.s[self.i].isspace():
            self.i += 1
        if self.i >= len(self.s):
            return ""
        m = self._COMMAND.match(self.s, self.i)
        return m.group(0) if m else self.s[self.i]

    def take(self) -> str:
        tok = self.peek()
        self.i += len(tok)
        return tok

    def group(self) -> str:
        """A {...} group or a single token, as text."""
        if self.peek() == "{":
            self.take()
            out = self.sequence("}")
            if self.take() != "}":
                raise self.error("a { is not closed")
            return out
        tok = self.take()
        if not tok:
            raise self.error("the formula ends where a group or a symbol belongs")
        return self.atom(tok)

    def sequence(self, stop: str = "") -> str:
        parts: list[str] = []
        while True:
            tok = self.peek()
            if not tok or tok == stop or (stop == "}" and tok == "}"):
                return " ".join(parts)
            self.take()
            parts.append(self.atom(tok))

    def atom(self, tok: str) -> str:
        if tok in _LATEX_DROP or tok in _LATEX_SPACE:
            return ""
        if tok in _LATEX_TIMES:
            return "*"
        if tok == r"\frac" or tok == r"\dfrac" or tok == r"\tfrac":
            top, bottom = self.group(), self.group()
            return f"(({top})/({bottom}))"
        if tok == r"\hat":
            inner = self.group().strip()
            return f"{inner}_hat" if inner.isidentifier() else f"({inner})"
        if tok in _LATEX_WRAP:
            return self.group().replace(" ", "")
        if tok == "{":
            inner = self.sequence("}")
            if self.take() != "}":
                raise self.error("a { is not closed")
            return f"({inner})"
        if tok == "^":
            return f"^({self.group()})"
        if tok == "_":
            raise self.error("a subscript _ follows a letter (z_1, W_{2})")
        if tok.startswith("\\"):
            name = tok[1:]
            if tok in _LATEX_SIGNS:
                return _LATEX_SIGNS[tok] + self.primes()
            if name in functions():
                return name + self.primes()
            raise self.error(f"the command {tok} is not one this reader knows")
        if tok.isalpha() or tok in "'":
            return self.name(tok)
        return tok

    def primes(self) -> str:
        """The primes after a function's name: \\sigma', \\sigma^\\prime, \\sigma^{\\prime}."""
        out = ""
        while True:
            if self.peek() == "'":
                self.take()
                out += "'"
            elif self.peek() == "^" and self.s[self.i + 1 :].lstrip("{ ").startswith("\\prime"):
                self.take()
                self.group()
                out += "'"
            else:
                return out

    def name(self, first: str) -> str:
        """A letter with its subscripts and superscripts: z_1^h -> z1[h], W_{2}^{h} -> W2[h], e^{x} -> exp(x)."""
        stem, power = first, ""
        index: list[str] = []
        while self.peek() in ("_", "^", "'"):
            tok = self.take()
            if tok == "'":
                stem += "'"
                continue
            text = self.group().strip()
            compact = text.replace(" ", "").strip("()")
            if tok == "_" and compact.isdigit() and not index:
                stem += compact  # the layer: z_1 is z1
            elif tok == "_" and compact.replace(",", "").isalnum():
                index += compact.split(",") if "," in compact else list(compact)
            elif tok == "^" and compact and all(c in self.letters or c == "," for c in compact) and stem != "e":
                index += [c for c in compact.split(",") if c] if "," in compact else list(compact)
            elif tok == "^" and compact == "'":
                stem += "'"
            else:
                power = f"**({text})" if tok == "^" else power
                if tok == "_":
                    raise self.error(f"a subscript {{{text}}} that is neither a layer nor an index")
        if stem == "e" and power:
            return f"exp({power[3:-1]})"
        written = stem + (f"[{','.join(index)}]" if index else "")
        return written + power

    def read(self) -> str:
        out = self.sequence()
        if self.i < len(self.s):
            raise self.error(f"unexpected {self.s[self.i]!r}")
        return out


# -- text -> tree --------------------------------------------------------------------------------------


def _normalised(text: str, letters: Iterable[str]) -> str:
    for sign, python in _SPELLING.items():
        text = text.replace(sign, python)
    if is_latex(text):
        text = text.replace("**", "^")
        text = _Latex(text, letters).read()
        text = text.replace("^", "**")
    return _implicit_products(text)


def read(text: str, *, letters: Iterable[str] = (), matrices: bool = False, max_length: int | None = None) -> Node:
    """The tree of `text` (see the module's docstring); `letters` are the index letters (h, m) a LaTeX
    superscript may be; `matrices` also allows `@` and `.T`."""
    if not isinstance(text, str):
        raise ExprError(f"a formula must be text, got {type(text).__name__}")
    if max_length is not None and len(text) > max_length:
        raise ExprError(f"the formula is {len(text)} characters long; at most {max_length} are read")
    if not text.strip():
        raise ExprError("the formula is empty")
    letters = tuple(letters)
    try:
        python = _normalised(text.strip(), letters)
        tree = ast.parse(python, mode="eval").body
    except SyntaxError as e:
        where = f" at column {e.offset}" if e.offset else ""
        raise ExprError(f"not a formula{where}: {e.msg}") from None
    except (RecursionError, MemoryError):  # Python's own parser recurses
        raise ExprError(f"the expression is nested too deeply for Python's parser ({len(text)} characters)") from None
    except ValueError as e:  # a NUL byte, ...
        raise ExprError(f"not a formula: {e}") from None
    return _Reader(matrices, python).read(tree)


class _Reader:
    """ast -> tree with one whitelist, bottom-up with an explicit stack."""

    def __init__(self, matrices: bool, source: str) -> None:
        self.matrices, self.source = matrices, source
        self.functions = functions()
        self.binary: dict[type, str] = {**_BINARY, **(_MATRIX_BINARY if matrices else {})}

    def read(self, tree: ast.AST) -> Node:
        done: dict[int, Node] = {}
        stack: list[tuple[ast.AST, bool]] = [(tree, False)]
        while stack:
            node, ready = stack.pop()
            kids = self.children(node)
            if not ready:
                stack.append((node, True))
                stack.extend((k, False) for k in reversed(kids))
                continue
            done[id(node)] = self.build(node, [done[id(k)] for k in kids])
        return done[id(tree)]

    def _sum(self, node: ast.AST) -> tuple[ast.AST, int | None] | None:
        """sum(E, axis=k), E.sum(axis=k) (and mean): (E, k), read only with matrices; else None."""
        if not (self.matrices and isinstance(node, ast.Call)):
            return None
        f, args = node.func, list(node.args)
        if isinstance(f, ast.Attribute) and f.attr in SUMS:
            args.insert(0, f.value)
        elif not (isinstance(f, ast.Name) and f.id in SUMS):
            return None
        how = f.attr if isinstance(f, ast.Attribute) else f.id
        axes = args[1:] + [k.value for k in node.keywords if k.arg == "axis"]
        if not args or len(axes) > 1 or any(k.arg != "axis" for k in node.keywords):
            raise ExprError(f"write {how}(E), {how}(E, axis=0) or {how}(E, axis=1), got {ast.unparse(node)[:60]}")
        axis = axes[0] if axes else None
        if axis is None:
            return args[0], None
        if not (isinstance(axis, ast.Constant) and type(axis.value) is int and axis.value in (0, 1)):
            raise ExprError(f"{ast.unparse(node)[:60]}: the axis is 0 (down each column) or 1 (along each row)")
        return args[0], axis.value

    def children(self, node: ast.AST) -> list[ast.AST]:
        summed = self._sum(node)
        if summed is not None:
            return [summed[0]]
        if isinstance(node, ast.BinOp) and type(node.op) in self.binary:
            return [node.left, node.right]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            return [node.operand]
        if isinstance(node, ast.Call):
            f = node.func
            function = isinstance(f, ast.Name) and self._function(f.id)
            product = isinstance(f, (ast.Name, ast.Subscript, ast.Constant, ast.Call, ast.BinOp, ast.UnaryOp))
            if not (function or product):
                what = ast.unparse(f)[:40]
                what = what if isinstance(f, (ast.Name, ast.Attribute, ast.Subscript)) else f"({what})"
                raise ExprError(f"the call {what}(...) is not allowed: only {', '.join(self.functions)}")
            if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
                raise ExprError(f"{ast.unparse(f)[:40].replace(_PRIME, chr(39))}(...) takes exactly one argument")
            # z1[h](1 - z1[h]), 2(x), (a)(b): a product, as the math writes it
            return [node.args[0]] if function else [f, node.args[0]]
        if isinstance(node, ast.Attribute) and self.matrices and node.attr == "T":
            return [node.value]
        return []

    def _function(self, name: str) -> tuple[str, int] | None:
        primes = name.count(_PRIME)
        found = self.functions.get(name.replace(_PRIME, ""))
        return None if found is None else (found[0], found[1] + primes)

    def build(self, node: ast.AST, args: list[Node]) -> Node:
        summed = self._sum(node)
        if summed is not None:
            how = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id  # type: ignore[attr-defined]
            return Op(how, (args[0],), axis=summed[1])
        if isinstance(node, ast.BinOp) and type(node.op) in self.binary:
            return Op(self.binary[type(node.op)], tuple(args))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            return Op("neg", (args[0],)) if isinstance(node.op, ast.USub) else args[0]
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name) and self._function(f.id):
                fn, prime = self._function(f.id) or ("", 0)
                if prime > 1:
                    raise ExprError(f"{f.id.replace(_PRIME, '')}{chr(39) * prime}: only first derivatives (')")
                return Call(fn, args[0], prime)
            if isinstance(f, ast.Name) and _PRIME in f.id:
                raise ExprError(f"{f.id.replace(_PRIME, chr(39))}: a prime ' only follows a function's name")
            return Op("*", (args[0], args[1]), call=True)
        if isinstance(node, ast.Attribute) and self.matrices and node.attr == "T":
            return Op("T", (args[0],))
        if isinstance(node, ast.Constant):
            if type(node.value) not in (int, float):
                raise ExprError(f"{_show(node)} is not allowed in a formula: only numbers and names")
            return Num(ast.get_source_segment(self.source, node) or repr(node.value))
        if isinstance(node, ast.Name):
            return self.name(node.id, ())
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        raise ExprError(f"{_show(node)} is not allowed in a formula")

    def name(self, stem: str, index: tuple[int | str, ...]) -> Name:
        if self._function(stem):
            shown = stem.replace(_PRIME, chr(39))
            raise ExprError(f"{shown} is a function: write {shown}(...)")
        if _PRIME in stem:
            raise ExprError(f"{stem.replace(_PRIME, chr(39))}: a prime ' only follows a function's name")
        return Name(stem, index)

    def subscript(self, node: ast.Subscript) -> Name:
        """x[m], W1[h,m], W1[h][m]: a name and its index (letters or whole numbers)."""
        parts: list[ast.AST] = []
        base: ast.AST = node
        while isinstance(base, ast.Subscript):
            s = base.slice
            parts[:0] = s.elts if isinstance(s, ast.Tuple) else [s]
            base = base.value
        if not isinstance(base, ast.Name):
            raise ExprError(f"only a name takes an index, got {_show(base)}")
        stem = base.id
        index: list[int | str] = []
        for p in parts:
            if isinstance(p, ast.Constant) and type(p.value) is int:
                index.append(p.value)
            elif isinstance(p, ast.Name) and len(p.id) <= 3 and p.id.isidentifier() and _PRIME not in p.id:
                index.append(p.id)
            else:
                raise ExprError(f"an index of {stem} must be a letter or a whole number, got {_show(p)}")
        return self.name(stem, tuple(index))


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
    text = ast.unparse(node).replace(_PRIME, "'")
    short = f"{text[:40]}{'…' if len(text) > 40 else ''}"
    if isinstance(node, (ast.Name, ast.Subscript)):
        return short
    if isinstance(node, ast.Constant):
        kind = {str: "a string", bytes: "bytes", bool: "a boolean", complex: "a complex number"}.get(
            type(node.value), "a constant"
        )
    elif isinstance(node, (ast.BinOp, ast.UnaryOp)):
        kind = f"the operator {type(node.op).__name__}"
    else:
        kind = kinds.get(type(node), type(node).__name__)
    return f"{kind} ({short})"


# -- walking a tree ------------------------------------------------------------------------------------


def _kids(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Op):
        return node.args
    if isinstance(node, Call):
        return (node.arg,)
    return ()


def walk(node: Node) -> list[Node]:
    """Every node of the tree, operands before the op (post-order), without recursion."""
    order: list[Node] = []
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        n, ready = stack.pop()
        if ready:
            order.append(n)
            continue
        stack.append((n, True))
        stack.extend((k, False) for k in reversed(_kids(n)))
    return order


def evaluate(
    node: Node,
    m: Any,
    name: Callable[[Name], Any],
    number: Callable[[str], Any] = float,
    guard: Callable[[str, list[Any]], None] | None = None,
) -> Any:
    """The tree's value in the algebra `m`, every op through the op table (see the module's docstring).
    `guard(op, operands)`, called before each op, may raise to refuse it (e.g. a huge constant power)."""
    values: list[Any] = []
    for n in walk(node):
        if isinstance(n, Num):
            values.append(number(n.text))
        elif isinstance(n, Name):
            values.append(name(n))
        elif isinstance(n, Call):
            a = values.pop()
            if guard is not None:
                guard(n.fn, [a])
            op = OPS[n.fn]
            out = getattr(m, n.fn)(a)  # the algebra's own function: in Values, the op's node
            values.append(op.d(m, 0, a, out=out) if n.prime else out)
        else:
            k = len(n.args)
            args, values[-k:] = values[-k:], []
            if guard is not None:
                guard(n.op, args)
            if n.op == "T":
                values.append(args[0].T)
            elif n.op == "@":
                values.append(args[0] @ args[1])
            elif n.op in SUMS:  # numpy's, keeping the matrix 2-D
                values.append(getattr(args[0], n.op)(axis=n.axis, keepdims=True))
            else:
                values.append(OPS[n.op].forward(m, *args))
    return values[0]


_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "@": 2, "neg": 3, "**": 4}


def show(node: Node) -> str:
    """The tree as plain text with every operator written: how the reader understood the formula."""
    out: list[tuple[str, int]] = []  # (text, precedence); atoms are 9
    for n in walk(node):
        if isinstance(n, Num):
            out.append((n.text, 9))
        elif isinstance(n, Name):
            out.append((str(n), 9))
        elif isinstance(n, Call):
            text, _ = out.pop()
            spelled = [k for k, v in functions().items() if v == (n.fn, n.prime) and n.prime]  # step for relu'
            sym = spelled[0] if spelled else (OPS[n.fn].symbol or n.fn) + "'" * n.prime
            out.append((f"{sym}({text})", 9))
        elif n.op == "T":
            text, p = out.pop()
            out.append((f"{text if p == 9 else f'({text})'}.T", 9))
        elif n.op in SUMS:
            text, _ = out.pop()
            out.append((f"{n.op}({text}{'' if n.axis is None else f', axis={n.axis}'})", 9))
        elif n.op == "neg":
            text, p = out.pop()
            out.append((f"−{text if p > 3 else f'({text})'}", 3))
        else:
            (a, pa), (b, pb) = out[-2], out[-1]
            del out[-2:]
            p = _PRECEDENCE[n.op]
            left = a if pa > p or (pa == p and n.op != "**") else f"({a})"
            right = b if pb > p or (pb == p and n.op in ("+", "*")) else f"({b})"
            sign = {"*": "·", "-": "−", "**": "^"}.get(n.op, n.op)
            out.append((f"{left}{sign}{right}" if n.op in ("*", "**") else f"{left} {sign} {right}", p))
    return out[0][0]


def names(node: Node) -> list[Name]:
    """The names a tree mentions, each once, in order of appearance."""
    return list(dict.fromkeys(n for n in walk(node) if isinstance(n, Name)))
