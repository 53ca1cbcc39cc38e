"""The chain rule for one node: ∂root/∂node = sum over every path root → node of the product of the
local derivatives along it. For the reference network with BCE, also the derivation's hand formula.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..core.engine import Value, topological_order
from ..notation.formats import fmt, latex_name, md_code, md_table, tex_number, tex_partial
from ..notation.names import find, node_names, partial, slots
from .trace import formula

__all__ = ["explain", "Explanation", "Path", "Factor", "MAX_PATHS"]

MAX_PATHS = 10_000  # paths multiply with depth; a printout past this teaches nothing


class Factor(NamedTuple):
    """One local derivative on a path: its name "∂z2/∂a2" (with the slot where an input is used twice:
    "∂t1/∂a (2nd)"), its formula "z2(1 − z2)", its value, and both written in LaTeX."""

    name: str
    formula: str
    value: float
    latex_name: str
    latex_formula: str


@dataclass
class Path:
    """One route root → node: its factors (local derivatives) and their product."""

    nodes: list[Value]
    factors: list[Factor]
    product: float

    def __str__(self) -> str:
        if not self.factors:
            return "(the node is the root) = 1"
        names = " · ".join(f.name for f in self.factors)
        values = " × ".join(fmt(f.value) for f in self.factors)
        return f"{names}\n        = {values} = {fmt(self.product)}"


@dataclass
class Explanation:
    """∂root/∂node as `paths` and their sum `total`, next to the engine's `grad` (and `hand`, if known)."""

    root_name: str
    name: str
    paths: list[Path]
    total: float
    grad: float
    ran_backward: bool
    hand: tuple[str, str, float] | None = None  # (the derivation's formula, with numbers, value)
    notes: list[str] = field(default_factory=list)
    leaf: bool = False  # a leaf's grad adds up over backward calls; an interior node's is this call's

    @property
    def agrees(self) -> bool:
        ok = _close(self.total, self.grad)
        return ok and (self.hand is None or _close(self.hand[2], self.grad))

    @property
    def calls(self) -> int | None:
        """How many backward calls' sum a leaf's grad holds, when it is k × the path sum for a whole k >= 2."""
        if not self.leaf or self.total == 0.0 or not math.isfinite(self.grad / self.total):
            return None
        k = round(self.grad / self.total)
        return k if k >= 2 and _close(self.grad, k * self.total) else None

    def verdict(self) -> str:
        """ "agrees", or why grad and the path sum differ."""
        if _close(self.total, self.grad):
            return "agrees"
        k = self.calls
        if k is not None:
            return (
                f"{self.name}.grad holds {k} backward calls' sum: {fmt(self.grad, 10)} = {k} × {fmt(self.total, 10)} "
                f"(a leaf's grad adds up over calls, as in PyTorch: zero it before each backward)"
            )
        if self.leaf:
            return "DIFFERS (a leaf's grad adds up over backward calls: was it zeroed before the last one?)"
        return "DIFFERS"

    def __str__(self) -> str:
        d = f"{partial(self.root_name, self.name)}"
        n = len(self.paths)
        lines = [f"{d} by the chain rule: {n} path{'s' * (n != 1)} from {self.root_name} to {self.name}"]
        lines += [f"  path {i + 1}: {p}" for i, p in enumerate(self.paths)]
        lines.append(f"  sum over paths = {fmt(self.total, 10)}")
        lines.append(f"  {self.name}.grad = {fmt(self.grad, 10)} ({self._how()}): {self.verdict()}")
        if self.hand is not None:
            lines.append(f"  reference derivation: {d} = {self.hand[0]}")
            lines.append(
                f"        = {self.hand[1]} = {fmt(self.hand[2], 10)}: "
                f"{'agrees' if _close(self.hand[2], self.grad) else 'DIFFERS'}"
            )
        lines += [f"  ({note})" for note in self.notes]
        return "\n".join(lines)

    def _how(self) -> str:
        return "backward run by explain" if self.ran_backward else "from the backward already run"

    def latex(self, digits: int = 4) -> str:
        """The chain rule for this node as LaTeX aligned equations (math mode: put it inside \\[ ... \\])."""
        d = tex_partial(self.root_name, self.name)
        if not any(p.factors for p in self.paths):
            symbols = formulas = values = "1"
        else:
            symbols = " + ".join(r" \, ".join(f.latex_name for f in p.factors) for p in self.paths)
            formulas = " + ".join(r" \cdot ".join(_bracket(f.latex_formula) for f in p.factors) for p in self.paths)
            values = " + ".join(
                r" \times ".join(tex_number(f.value, digits, bracket=True) for f in p.factors) for p in self.paths
            )
        rows = [
            rf"{d} &= {symbols}",
            rf"&= {formulas}",
            rf"&= {values}",
            rf"&= {tex_number(self.total, 10)} \quad \left({latex_name(self.name)}.\mathrm{{grad}} = "
            rf"{tex_number(self.grad, 10)}\text{{: }}{self._tex_verdict()}\right)",
        ]
        return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"

    def _tex_verdict(self) -> str:
        if _close(self.total, self.grad):
            return r"\text{agrees}"
        k = self.calls
        if k is not None:
            return rf"\text{{the sum of {k} backward calls: }} {k} \times {tex_number(self.total, 10)}"
        return r"\text{DIFFERS}"

    def markdown(self, digits: int = 4) -> str:
        """The chain rule for this node as Markdown: a table of the paths, then the sum and the check."""
        d = f"{partial(self.root_name, self.name)}"
        n = len(self.paths)
        rows = [
            [
                str(i + 1),
                md_code(" · ".join(f.name for f in p.factors) or "1"),
                md_code(" · ".join(_bracket(f.formula) for f in p.factors) or "1"),
                md_code(" × ".join(fmt(f.value, digits) for f in p.factors) or "1"),
                fmt(p.product, digits),
            ]
            for i, p in enumerate(self.paths)
        ]
        lines = [
            f"{md_code(d)} by the chain rule: {n} path{'s' * (n != 1)} from {md_code(self.root_name)} "
            f"to {md_code(self.name)}",
            "",
            md_table(["path", "local derivatives", "formulas", "values", "product"], rows, right={0, 4}),
            "",
            f"sum over paths = {fmt(self.total, 10)}; {md_code(self.name + '.grad')} = {fmt(self.grad, 10)} "
            f"({self._how()}): {md_code(self.verdict())}",
        ]
        if self.hand is not None:
            lines.append(
                f"\nreference derivation: {md_code(f'{d} = {self.hand[0]} = {self.hand[1]}')} = {fmt(self.hand[2], 10)}"
            )
        lines += [f"\n({md_code(note)})" for note in self.notes]
        return "\n".join(lines)


def _bracket(formula: str) -> str:
    """A factor in a product: a sum or difference (outside any brackets) in brackets, else as it is."""
    depth = 0
    for i, c in enumerate(formula):
        depth += c in "({[" and 1 or c in ")}]" and -1 or 0
        if depth == 0 and formula[i : i + 3] in (" + ", " − ", " - "):
            return rf"\left({formula}\right)" if "\\" in formula else f"({formula})"
    return formula


def _close(a: float, b: float) -> bool:
    # the paths are summed in another order than backward adds them: equal up to rounding
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _paths(root: Value, target: Value, order: list[Value], names: dict[Value, str], max_paths: int) -> list[Path]:
    """Every path root → target, found with an explicit stack over the inputs that lead to target."""
    count: dict[Value, int] = {}  # how many paths lead from a node down to target; 0: target is not below it
    for n in order:  # inputs come first, so their counts are ready
        count[n] = 1 if n is target else sum(count[c] for c in n.inputs)
    if count[root] > max_paths:
        raise ValueError(
            f"explain: {count[root]} paths lead from {names[root]!r} to {names[target]!r}, "
            f"more than max_paths={max_paths}; raise it to list them all"
        )
    factors: dict[Value, list[Factor]] = {}  # each node's local derivatives, written once
    paths = []
    # a path is a linked list (earlier link, node, factor): pushing costs O(1) however deep the graph
    stack: list[tuple[Value, Any]] = [(root, None)]
    while stack:
        node, link = stack.pop()
        if node is target:
            nodes: list[Value] = []
            fs: list[Factor] = []
            while link is not None:
                link, n, f = link
                nodes.append(n)
                fs.append(f)
            nodes.append(root)
            nodes.reverse()
            fs.reverse()
            product = 1.0
            for f in fs:
                product *= f.value
            paths.append(Path(nodes, fs, product))
            continue
        if node not in factors:
            factors[node] = _factors(node, names)
        inputs = node.inputs
        for i in reversed(range(len(inputs))):  # reversed: the first input is explored first
            c = inputs[i]
            if count[c]:
                stack.append((c, (link, c, factors[node][i])))
    return paths


def _factors(node: Value, names: dict[Value, str]) -> list[Factor]:
    """d node / d input for each input of node, named with the input's slot where it is used twice."""
    text, tex = formula(node, names)[1], formula(node, names, latex=True)[1]
    out = []
    for x, slot, g, f, ft in zip(node.inputs, slots(node), node.local_grads, text, tex):
        name = f"{partial(names[node], names[x])}" + (f" ({slot})" if slot else "")
        out.append(Factor(name, f, g, tex_partial(names[node], names[x], slot), ft))
    return out


def explain(
    root: Value,
    node: Value | str,
    *,
    y: float | None = None,
    max_paths: int = MAX_PATHS,
    hand: Callable[[Value, float | None], tuple[dict[Value, tuple[str, str, float]], list[str]]] | None = None,
) -> Explanation:
    """∂root/∂node as the sum over all paths of the products of local derivatives, checked against node.grad.

    `node` is a Value or a node's name as trace and draw write it (its label; t3; a2[n=1] in a batch).
    If `root.grad` is 0 (backward never ran from root), explain runs `root.backward()` first; otherwise
    it compares with the gradients as they stand.
    `hand(root, y)`, if given, knows a derivation's formulas for some nodes ({node: (formula, with numbers,
    value)}, notes): they are shown beside the chain rule (the reference problem's: `reference.explain_reference`).
    """
    if not isinstance(root, Value):
        raise TypeError(f"explain: root must be a Value, got {type(root).__name__}: {root!r:.80}")
    order = topological_order(root)
    names = node_names(root)
    target = find(root, node, names=names, where="explain")
    ran = root.grad == 0.0
    if ran:
        root.backward()
    paths = _paths(root, target, order, names, max_paths)
    formulas, notes = hand(root, y) if hand is not None else ({}, [])
    return Explanation(
        names[root],
        names[target],
        paths,
        math.fsum(p.product for p in paths),
        target.grad,
        ran,
        formulas.get(target),
        notes if target in formulas else [],
        leaf=not target.op,
    )
