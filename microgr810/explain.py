"""The chain rule for one node: ∂root/∂node = sum over every path root → node of the product of the
local derivatives along it. For the reference network with BCE, also the derivation's hand formula.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .engine import Value, topological_order
from .trace import fmt, formula, node_names

__all__ = ["explain", "Explanation", "Path", "MAX_PATHS"]

MAX_PATHS = 10_000  # paths multiply with depth; a printout past this teaches nothing


@dataclass
class Path:
    """One route root → node: its factors (name "∂z2/∂a2", formula "z2(1 − z2)", value) and their product."""
    nodes: list[Value]
    factors: list[tuple[str, str, float]]
    product: float

    def __str__(self) -> str:
        if not self.factors:
            return "(the node is the root) = 1"
        names = " · ".join(f[0] for f in self.factors)
        values = " × ".join(fmt(f[2]) for f in self.factors)
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

    @property
    def agrees(self) -> bool:
        ok = _close(self.total, self.grad)
        return ok and (self.hand is None or _close(self.hand[2], self.grad))

    def __str__(self) -> str:
        d = f"∂{self.root_name}/∂{self.name}"
        n = len(self.paths)
        lines = [f"{d} by the chain rule: {n} path{'s' * (n != 1)} from {self.root_name} to {self.name}"]
        lines += [f"  path {i + 1}: {p}" for i, p in enumerate(self.paths)]
        lines.append(f"  sum over paths = {fmt(self.total, 10)}")
        how = "backward run by explain" if self.ran_backward else "from the backward already run"
        lines.append(f"  {self.name}.grad = {fmt(self.grad, 10)} ({how}): "
                     f"{'agrees' if _close(self.total, self.grad) else 'DIFFERS'}")
        if self.hand is not None:
            lines.append(f"  reference derivation: {d} = {self.hand[0]}")
            lines.append(f"        = {self.hand[1]} = {fmt(self.hand[2], 10)}: "
                         f"{'agrees' if _close(self.hand[2], self.grad) else 'DIFFERS'}")
        lines += [f"  ({note})" for note in self.notes]
        return "\n".join(lines)


def _close(a: float, b: float) -> bool:
    # the paths are summed in another order than backward adds them: equal up to rounding
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _find(root: Value, node: Value | str, order: list[Value]) -> Value:
    if isinstance(node, Value):
        if node not in set(order):
            raise ValueError(f"explain: {node.describe()} is not in the graph under {root.describe()}")
        return node
    found = [n for n in order if n.label == node]
    if len(found) != 1:
        what = "no node" if not found else f"{len(found)} nodes"
        raise ValueError(f"explain: {what} labelled {node!r} under {root.describe()}; pass the Value itself")
    return found[0]


def _paths(root: Value, target: Value, order: list[Value], names: dict[Value, str], max_paths: int) -> list[Path]:
    """Every path root → target, found with an explicit stack over the inputs that lead to target."""
    count = {}  # how many paths lead from a node down to target; 0: target is not below it
    for n in order:  # inputs come first, so their counts are ready
        count[n] = 1 if n is target else sum(count[c] for c in n.inputs)
    if count[root] > max_paths:
        raise ValueError(f"explain: {count[root]} paths lead from {names[root]!r} to {names[target]!r}, "
                         f"more than max_paths={max_paths}; raise it to list them all")
    locals_ = {}
    paths = []
    # a path is a linked list (earlier link, node, factor): pushing costs O(1) however deep the graph
    stack = [(root, None)]
    while stack:
        node, link = stack.pop()
        if node is target:
            nodes, factors = [], []
            while link is not None:
                link, n, f = link
                nodes.append(n)
                factors.append(f)
            nodes.append(root)
            nodes.reverse()
            factors.reverse()
            product = 1.0
            for f in factors:
                product *= f[2]
            paths.append(Path(nodes, factors, product))
            continue
        if node not in locals_:
            locals_[node] = formula(node, names)[1]
        inputs, local_grads = node.inputs, node.local_grads
        for i in reversed(range(len(inputs))):  # reversed: the first input is explored first
            c = inputs[i]
            if count[c]:
                stack.append((c, (link, c, (f"∂{names[node]}/∂{names[c]}", locals_[node][i], local_grads[i]))))
    return paths


def _reference_hand(root: Value, y: float | None) -> tuple[dict[Value, tuple[str, str, float]], list[str]]:
    """The derivation's formulas (a)-(d) for b2, W2[h], b1[h], W1[h,m], when root is its BCE loss; else {}."""
    z2 = root.inputs[0] if root.op == "bce" and len(root.inputs) == 1 else None
    a2 = z2.inputs[0] if z2 is not None and z2.op == "sigmoid" else None
    if a2 is None or a2.op != "linear" or len(a2.inputs) != len(a2.operands):
        return {}, []
    H = (len(a2.inputs) - 1) // 2
    W2, z1, b2 = a2.inputs[:H], a2.inputs[H:2 * H], a2.inputs[-1]
    if not (all(w.label.startswith("W2") for w in W2) and b2.label.startswith("b2")
            and all(z.op == "sigmoid" and z.inputs[0].op == "linear" for z in z1)):
        return {}, []
    a1 = [z.inputs[0] for z in z1]
    M = (len(a1[0].inputs) - 1) // 2
    if any(len(a.inputs) != 2 * M + 1 or not a.inputs[-1].label.startswith("b1")
           or not all(w.label.startswith("W1") for w in a.inputs[:M]) for a in a1):
        return {}, []
    y_hat = z2.data
    notes = []
    if y is None:
        y = root.operands[1]  # the loss node keeps its target as a number operand
    err = f"({fmt(y_hat)} − {fmt(y)})"
    e = y_hat - y
    hand = {b2: ("ŷ − y", err, e)}
    for h in range(H):
        zh = z1[h].data
        s = f"{fmt(zh)}(1 − {fmt(zh)})"
        hand[W2[h]] = (f"z1[{h}](ŷ − y)", f"{fmt(zh)} × {err}", zh * e)
        back = W2[h].data * zh * (1.0 - zh) * e
        hand[a1[h].inputs[-1]] = (f"W2[{h}]·z1[{h}](1 − z1[{h}])(ŷ − y)", f"{fmt(W2[h].data)} × {s} × {err}", back)
        for m in range(M):
            x = a1[h].inputs[M + m].data
            hand[a1[h].inputs[m]] = (f"W2[{h}]·x[{m}]·z1[{h}](1 − z1[{h}])(ŷ − y)",
                                    f"{fmt(W2[h].data)} × {fmt(x)} × {s} × {err}", back * x)
    return hand, notes


def explain(root: Value, node: Value | str, *, y: float | None = None, max_paths: int = MAX_PATHS) -> Explanation:
    """∂root/∂node as the sum over all paths of the products of local derivatives, checked against node.grad.

    `node` is a Value or a label. If `root.grad` is 0 (backward never ran from root), explain runs
    `root.backward()` first; otherwise it compares with the gradients as they stand.
    For the reference network's BCE loss `y` is the target (read back from the loss node if omitted).
    """
    order = topological_order(root)
    target = _find(root, node, order)
    names = node_names(root)
    ran = root.grad == 0.0
    if ran:
        root.backward()
    paths = _paths(root, target, order, names, max_paths)
    hand, notes = _reference_hand(root, y)
    return Explanation(names[root], names[target], paths, math.fsum(p.product for p in paths), target.grad,
                       ran, hand.get(target), notes if target in hand else [])
