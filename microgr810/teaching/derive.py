"""∂root/∂node as formulas: the sum over every path root → node of the product of local derivatives,
each one written by its op's own rule in sympy (`Op.rule(SYMPY_MATH, ...)`) with node names as symbols.

For the reference network `derive(L, "W1[0,1]")` gives the derivation's
∂L/∂z2 · ∂z2/∂a2 · ∂a2/∂z1[0] · ∂z1[0]/∂a1[0] · ∂a1[0]/∂W1[0,1] = W2[0,0]·x[1]·z1[0](1 − z1[0])(z2 − y).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property

import sympy as sp

from ..core.engine import Value, topological_order
from ..core.ops import OPS
from ..notation.formats import latex_name
from ..notation.formula import latex, numeric, symbol, text
from ..notation.names import find, node_names, parse_name, partial
from ..notation.symbolic import SYMPY_MATH

__all__ = ["derive", "Derivation", "Factor", "MAX_PATHS", "MAX_FACTORS"]

MAX_PATHS = 256  # each path is a product of sympy formulas: past this, simplify takes minutes
MAX_FACTORS = 500  # a path's local derivatives: past this the product's exact numbers run to thousands of digits


@dataclass(frozen=True)
class Factor:
    """One local derivative ∂out/∂wrt along a path, as a formula (`slot`: which operand of out, `op`: out's op)."""

    out: str
    wrt: str
    slot: int
    formula: sp.Expr
    op: str = ""

    @property
    def name(self) -> str:
        return f"{partial(self.out, self.wrt)}"

    def latex_name(self) -> str:
        return rf"\frac{{\partial {_latex_symbol(self.out)}}}{{\partial {_latex_symbol(self.wrt)}}}"


@dataclass(frozen=True)
class Derivation:
    """∂root/∂node: `paths` (lists of Factors, root first), their `products` and the simplified `result`.

    `definitions` holds each interior node's formula in its operands' symbols (to write a result in the
    leaves), `values` every symbol's number in the graph (to evaluate one).
    """

    root: str
    node: str
    paths: list[list[Factor]]
    definitions: dict[str, sp.Expr] = field(repr=False)
    values: dict[str, float] = field(repr=False)
    hidden: frozenset[str] = field(default=frozenset(), repr=False)  # unlabelled interior nodes (t1, t2, ...)

    @property
    def products(self) -> list[sp.Expr]:
        return [sp.Mul(*(f.formula for f in path)) for path in self.paths]

    @cached_property
    def result(self) -> sp.Expr:
        """The sum of the products, in its shortest form, written in the nodes the learner named: an
        unlabelled interior node (t1 = a·a) is replaced by its definition. One path's product is already in
        lowest terms (sympy cancels z2(1 − z2) against 1/(z2(1 − z2)) as it multiplies); a sum gets simplify."""
        hidden: dict[sp.Symbol, sp.Expr] = {}
        for name, definition in self.definitions.items():  # inputs first: a definition may use earlier ones
            if name in self.hidden:
                hidden[symbol(name)] = definition.xreplace(hidden)
        total = sp.Add(*self.products).xreplace(hidden)
        forms = [total, sp.factor_terms(total)] + ([sp.simplify(total)] if len(self.paths) > 1 else [])
        return min(forms, key=sp.count_ops)

    @cached_property
    def _leaf_formulas(self) -> dict[sp.Symbol, sp.Expr]:
        """Every interior node as a formula of the leaves (definitions come inputs first)."""
        out: dict[sp.Symbol, sp.Expr] = {}
        for name, definition in self.definitions.items():
            out[symbol(name)] = definition.xreplace(out)
        return out

    def in_leaves(self, expr: sp.Expr | None = None) -> sp.Expr:
        """`expr` (default: the result) with every interior node replaced by its definition, down to leaves."""
        return (self.result if expr is None else expr).xreplace(self._leaf_formulas)

    def value(self, expr: sp.Expr | None = None) -> float:
        """`expr` (default: the result) evaluated at the graph's numbers."""
        expr = self.result if expr is None else expr
        names = sorted(s.name for s in expr.free_symbols)
        missing = [n for n in names if n not in self.values]
        if missing:
            raise ValueError(f"no value for {', '.join(missing)} in the graph of {self.root}")
        return numeric(expr, [symbol(n) for n in names])(*(self.values[n] for n in names))

    def renamed(self, mapping: dict[str, str]) -> Derivation:
        """The same derivation with symbols renamed, e.g. {"W1[1,0]": "W1[h,m]", "z1[1]": "z1[h]"}."""
        subs = {symbol(a): symbol(b) for a, b in mapping.items()}

        def name(n: str) -> str:
            return mapping.get(n, n)

        paths = [
            [replace(f, out=name(f.out), wrt=name(f.wrt), formula=f.formula.xreplace(subs)) for f in p]
            for p in self.paths
        ]
        return replace(
            self,
            root=name(self.root),
            node=name(self.node),
            paths=paths,
            definitions={name(k): v.xreplace(subs) for k, v in self.definitions.items()},
            values={name(k): v for k, v in self.values.items()},
            hidden=frozenset(name(h) for h in self.hidden),
        )

    # -- showing it: 1. the chain rule, 2. each factor, 3. the product, 4. the simplified result ------

    @property
    def name(self) -> str:
        return f"{partial(self.root, self.node)}"

    def _distinct_factors(self) -> list[Factor]:
        seen: dict[tuple[str, sp.Expr], Factor] = {}
        for path in self.paths:
            for f in path:
                seen.setdefault((f.name, f.formula), f)
        return list(seen.values())

    def __str__(self) -> str:
        n = len(self.paths)
        chain = " + ".join(" · ".join(f.name for f in p) or "1" for p in self.paths)
        written = " + ".join(" · ".join(_paren(f.formula) for f in p) or "1" for p in self.paths)
        lines = [
            f"{self.name} by the chain rule, {n} path{'s' * (n != 1)} from {self.root} to {self.node}:",
            f"1. {self.name} = {chain}",
            *(
                f"{'2.' if i == 0 else '  '} {f.name} = {text(f.formula)}"
                for i, f in enumerate(self._distinct_factors())
            ),
            *(["2. no factors: the node is the root itself"] if not any(self.paths) else []),
            f"3. {self.name} = {written}",
            f"4. {self.name} = {text(self.result)}",
        ]
        return "\n".join(lines)

    def latex(self) -> str:
        """The four steps as one LaTeX `aligned` block."""
        d = rf"\frac{{\partial {_latex_symbol(self.root)}}}{{\partial {_latex_symbol(self.node)}}}"
        chain = " + ".join(r" \, ".join(f.latex_name() for f in p) or "1" for p in self.paths)
        written = " + ".join(r" \cdot ".join(_latex_paren(f.formula) for f in p) or "1" for p in self.paths)
        rows = [rf"\text{{1. chain rule:}} && {d} &= {chain}"]
        step2 = r"\text{2. each factor:}"
        rows += [
            rf"{step2 if i == 0 else ''} && {f.latex_name()} &= {_latex(f.formula)}"
            for i, f in enumerate(self._distinct_factors())
        ]
        rows += [
            rf"\text{{3. the product:}} && {d} &= {written}",
            rf"\text{{4. simplified:}} && {d} &= {_latex(self.result)}",
        ]
        return r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"

    def _repr_latex_(self) -> str:
        return f"$${self.latex()}$$"

    def _repr_pretty_(self, p, cycle: bool) -> None:
        """IPython's text form (where LaTeX is not shown): the four steps, not the dataclass's fields."""
        p.text(str(self))


def _paren(e: sp.Expr) -> str:
    """A factor of a product: a sum or a negative one in parentheses (a/b · c is (a/b)·c already)."""
    t = text(e)
    return f"({t})" if isinstance(e, sp.Add) or t.startswith("−") else t


def _latex_paren(e: sp.Expr) -> str:
    return rf"\left({_latex(e)}\right)" if isinstance(e, sp.Add) else _latex(e)


def _latex_symbol(name: str) -> str:
    return latex_name(name)


def _latex(e: sp.Expr) -> str:
    """A formula in LaTeX whose node names are written by formats.latex_name, the one LaTeX escaping:
    sympy prints stand-ins (plain letters, sorted as the names are, so terms keep their order), which
    are then replaced by the names."""
    symbols = sorted(e.free_symbols, key=lambda s: s.name)
    stand_in = {s: sp.Symbol("mgzq" + _letters(i), real=True) for i, s in enumerate(symbols)}
    out = latex(e.xreplace(stand_in))
    return _put_back(out, stand_in)


def _put_back(out: str, stand_in: dict[sp.Symbol, sp.Symbol]) -> str:
    names = {t.name: latex_name(s.name) for s, t in stand_in.items()}
    return re.sub("mgzq[a-z]{6}", lambda m: names[m[0]], out)


def _letters(i: int) -> str:
    """i as six letters, a..z as digits: fixed width, so the stand-ins sort as their numbers do."""
    out = ""
    for _ in range(6):
        i, r = divmod(i, 26)
        out = chr(97 + r) + out
    return out


def _number(x: float) -> sp.Expr:
    """A number operand as sympy: short decimals exactly (2, 0.5, 0.25), others as floats."""
    return sp.Rational(repr(x)) if len(repr(float(x))) <= 6 else sp.Float(x)


def _exact(e: object) -> sp.Expr:
    """A rule's result as sympy, its float constants (1.0, −1.0, 0.5) as exact numbers."""
    expr = sp.sympify(e)
    return expr.xreplace({f: _number(float(f)) for f in expr.atoms(sp.Float)})


def derive(root: Value, node: Value | str, *, max_paths: int = MAX_PATHS) -> Derivation:
    """∂root/∂node by the chain rule, as formulas: every path root → node and its local derivatives.

    `node` is a Value or a node name (a label, or an automatic name t1, t2, ... of `node_names`).
    Each operand slot is its own path: for b = a·a both ∂b/∂a are there. Numbers stay numbers; a
    loss's target is the symbol y.
    """
    names = node_names(root) if isinstance(root, Value) else {}  # unique: one symbol per node
    target = find(root, node, names=names, where="derive")
    order = topological_order(root)
    count: dict[Value, int] = {}  # paths from a node down to target; inputs come first in `order`
    longest: dict[Value, int] = {}  # the most factors on a path from a node down to target (-1: none)
    for n in order:
        count[n] = 1 if n is target else sum(count[o] for o in n.operands if isinstance(o, Value))
        below = [longest[o] for o in n.inputs if longest[o] >= 0]
        longest[n] = 0 if n is target else 1 + max(below) if below else -1
    if longest[root] > MAX_FACTORS:
        raise ValueError(
            f"derive: a path from {names[root]!r:.60} to {names[target]!r:.60} has {longest[root]:,} factors, "
            f"more than {MAX_FACTORS}; derive a node nearer the root, or a shorter graph"
        )
    if count[root] > max_paths:
        raise ValueError(
            f"derive: {count[root]} paths lead from {names[root]!r} to {names[target]!r}, "
            f"more than max_paths={max_paths}; derive a smaller graph or raise max_paths"
        )

    values = {names[n]: n.data for n in order}
    operands: dict[Value, list[sp.Expr]] = {}
    definitions: dict[str, sp.Expr] = {}
    for n in order:  # each interior node's operands as symbols, and its own definition
        if n.op:
            ops = [symbol(names[o]) if isinstance(o, Value) else _number(o) for o in n.operands]
            slot = OPS[n.op].target  # a loss's target y is a number operand: written as the symbol y
            if slot is not None and slot < len(ops) and not isinstance(n.operands[slot], Value):
                y = "y" + names[n][len(parse_name(names[n]).stem) :]  # L -> y, L[n=3] -> y[n=3] in a batch
                ops[slot] = symbol(y)
                values[y] = float(n.operands[slot])
            operands[n] = ops
            definitions[names[n]] = _exact(OPS[n.op].forward(SYMPY_MATH, *ops))

    rules: dict[Value, tuple] = {}
    paths: list[list[Factor]] = []
    stack: list[tuple[Value, list[Factor]]] = [(root, [])]  # explicit stack: graphs can be deep
    while stack:
        n, path = stack.pop()
        if n is target:
            paths.append(path)
            continue
        if n not in rules:
            rules[n] = OPS[n.op].rule(SYMPY_MATH, *operands[n], out=symbol(names[n]))
        for i in reversed(range(len(n.operands))):  # reversed: the first operand's paths come first
            o = n.operands[i]
            if isinstance(o, Value) and count[o]:
                stack.append((o, [*path, Factor(names[n], names[o], i, _exact(rules[n][i]), n.op)]))
    hidden = frozenset(names[n] for n in order if n.op and not n.label and n is not target)
    return Derivation(names[root], names[target], paths, definitions, values, hidden)
