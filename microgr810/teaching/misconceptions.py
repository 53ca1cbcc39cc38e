"""The classic backprop bugs, each as a small backward that makes it, and the smallest graph that shows it.

`BUGS[name](root)` fills `.grad` on the graph the way the buggy code would. Each one starts from a
fresh graph (every gradient 0), as a training step after zero_grad() does. `CORRECT[name](root)`
is the engine doing the same job right, in the same setting (one backward, or two for the bugs
that need two steps). `find_counterexample(name)` gives the smallest graph where they differ;
`compare(name, root)` shows both side by side and draws the graph with the differing nodes marked.

The micrograd history: PR #64 (a = 1; b = a + a; c = b + b), issues #2, #25, #32 (+= not =),
#53 (zero_grad), PR #90 (recursion depth).
"""

from __future__ import annotations

import math
import sys
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from ..core.engine import Value, topological_order
from ..notation.formats import fmt
from ..notation.names import node_names
from .gradcheck import GradcheckReport, gradcheck
from .graphs import build, replay, small_graphs

__all__ = ["BUGS", "CORRECT", "WHAT", "find_counterexample", "compare", "check", "Comparison", "fresh", "chain"]


def fresh(root: Value) -> None:
    """Every gradient in the graph back to 0: the state before a first backward."""
    for node in topological_order(root):
        node.grad = 0.0


def _pass_on(node: Value) -> None:
    """The one correct rule: each input gets local derivative x upstream gradient added."""
    for child, local in zip(node.inputs, node.local_grads):
        child.grad += local * node.grad


def overwrite(root: Value) -> None:
    """input.grad = local * upstream, where += belongs: a node used twice keeps only its last share."""
    fresh(root)
    root.grad = 1.0
    for node in reversed(topological_order(root)):
        for child, local in zip(node.inputs, node.local_grads):
            child.grad = local * node.grad  # the bug: = forgets what other paths brought


def order(root: Value) -> None:
    """Nodes pass their gradient on breadth-first from the root, which is not a topological order:
    a node reached early by a short path passes its gradient on before a longer path has added to it."""
    fresh(root)
    root.grad = 1.0
    queue, seen = deque([root]), {root}
    while queue:
        node = queue.popleft()
        _pass_on(node)  # the bug: the node's users may not all have passed theirs on yet
        for child in node.inputs:
            if child not in seen:
                seen.add(child)
                queue.append(child)


def no_zero_grad(root: Value) -> None:
    """Two training steps, and the second forgets zero_grad(): the leaves add this step's gradient
    to the last one's (the engine's leaves accumulate, as PyTorch's do, so zeroing is the loop's job)."""
    fresh(root)
    root.backward()  # step 1
    root.backward()  # step 2, no zero_grad() in between


def recursion(root: Value) -> None:
    """micrograd's backward: a recursive walk builds the order, one Python frame per node deep, so a
    chain longer than sys.getrecursionlimit() raises RecursionError (the engine's walk uses a stack)."""
    fresh(root)
    topo, visited = [], set()

    def build_topo(v: Value) -> None:
        if v not in visited:
            visited.add(v)
            for child in v.inputs:
                build_topo(child)  # the bug: one frame per node on the path
            topo.append(v)

    build_topo(root)
    root.grad = 1.0
    for node in reversed(topo):
        _pass_on(node)


def _micrograd_backward(root: Value) -> None:
    """micrograd's backward: root.grad = 1 and += everywhere, with nothing zeroed first."""
    root.grad = 1.0
    for node in reversed(topological_order(root)):
        _pass_on(node)


def accumulate_interior(root: Value) -> None:
    """Two backward calls where interior gradients are never zeroed: the second call adds onto the
    first's interior gradients, so leaves get more than twice (micrograd: 72 for a*a*a at a = 3, not 54)."""
    fresh(root)
    _micrograd_backward(root)
    _micrograd_backward(root)


def _engine_once(root: Value) -> None:
    fresh(root)
    root.backward()


def _engine_twice(root: Value) -> None:
    """Two engine backward calls: leaves accumulate (2x), interior nodes hold this call's gradient."""
    fresh(root)
    root.backward()
    root.backward()


BUGS: dict[str, Callable[[Value], None]] = {
    "overwrite": overwrite,
    "order": order,
    "no_zero_grad": no_zero_grad,
    "recursion": recursion,
    "accumulate_interior": accumulate_interior,
}
CORRECT: dict[str, Callable[[Value], None]] = {
    "overwrite": _engine_once,
    "order": _engine_once,
    "no_zero_grad": _engine_once,  # what step 2 should see: its own gradient only
    "recursion": _engine_once,
    "accumulate_interior": _engine_twice,
}
CALLS = {"accumulate_interior": 2}  # backward calls the correct setting makes (others: one)
WHAT = {
    "overwrite": "input.grad = local × upstream where += belongs (micrograd PR #64, issues #2, #25, #32)",
    "order": "nodes pass their gradient on in breadth-first order, not a topological one",
    "no_zero_grad": "two training steps without zero_grad() in between (micrograd issue #53)",
    "recursion": "a recursive topological sort: RecursionError on a long chain (micrograd PR #90)",
    "accumulate_interior": "interior gradients pile up over two backward calls (micrograd: 72 where 54 is right)",
}


def _bug(name: str) -> Callable[[Value], None]:
    if name not in BUGS:
        raise ValueError(f"unknown bug {name!r}; the bugs are {', '.join(BUGS)}")
    return BUGS[name]


def _grads(fill: Callable[[Value], None], root: Value) -> dict[Value, float]:
    fill(root)
    return {node: node.grad for node in topological_order(root)}


def _differ(x: float, y: float) -> bool:
    return not math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)


def chain(n: int) -> Value:
    """x, x + 1, x + 1 + 1, ...: n nodes in a line (the engine: ∂root/∂x = 1)."""
    x = Value(1.0, "x")
    node = x
    for _ in range(n - 1):
        node = node + 1.0
    node.label = "L"
    return node


def find_counterexample(name: str, max_nodes: int = 6) -> Value:
    """The root of the smallest graph on which the bug's gradients differ from the engine's.

    Graphs of +, * and tanh over one or two leaves are tried fewest nodes first; for "recursion"
    it is the chain of sys.getrecursionlimit() nodes (one frame per node, plus the caller's).
    """
    bug = _bug(name)
    if name == "recursion":
        return chain(sys.getrecursionlimit())
    for program, n_leaves in small_graphs(max_nodes):
        root = build(program, n_leaves)
        right = _grads(CORRECT[name], root)
        wrong = _grads(bug, root)
        if any(_differ(right[n], wrong[n]) for n in right):
            fresh(root)
            return root
    raise ValueError(f"no graph of at most {max_nodes} nodes shows the bug {name!r}")


@dataclass
class Comparison:
    """The engine's gradients and the bug's, node by node, on one graph (the bug's are left on it)."""

    name: str
    root: Value
    names: dict[Value, str]
    engine: dict[Value, float]
    buggy: dict[Value, float | None]  # None: the bug raised before this node got a gradient
    error: BaseException | None

    @property
    def differing(self) -> list[Value]:
        """The nodes whose gradient the bug gets wrong (all of them when it raised)."""
        return [n for n, b in self.buggy.items() if b is None or _differ(self.engine[n], b)]

    def __str__(self) -> str:
        head = [f"{self.name}: {WHAT[self.name]}"]
        if self.error is not None:
            head.append(f"the buggy backward raised {type(self.error).__name__}: {self.error}")
        wrong = set(self.differing)
        rows = [
            (
                self.names[n],
                f"{self.engine[n]:.6g}",
                "—" if self.buggy[n] is None else f"{self.buggy[n]:.6g}",
                "  ← differs" if n in wrong else "",
            )
            for n in self.names
        ]
        if len(rows) > 12:  # a long chain: its two ends say it all
            rows = rows[:5] + [("…", "", "", f"  ({len(rows) - 10} more rows)")] + rows[-5:]
        w = [max(len(r[i]) for r in rows + [("node", "engine grad", "buggy grad", "")]) for i in range(3)]
        lines = [f"{'node'.ljust(w[0])}  {'engine grad'.rjust(w[1])}  {'buggy grad'.rjust(w[2])}"]
        lines += [f"{a.ljust(w[0])}  {b.rjust(w[1])}  {c.rjust(w[2])}{d}" for a, b, c, d in rows]
        return "\n".join(head + lines)

    def notes(self) -> dict[Value, str]:
        """For each node the bug gets wrong, what the engine gives it (a drawing writes it beside the box)."""
        return {n: f"engine: {fmt(self.engine[n])}" for n in self.differing}


def check(name: str, root: Value | None = None) -> GradcheckReport:
    """microgr810.gradcheck's finite differences against the bug's gradients on root's graph.

    A setting of two backward calls should leave twice the gradient on each leaf: its leaves are
    halved before the check, so the engine passes it and only the bug fails.
    """
    bug = _bug(name)
    root = find_counterexample(name) if root is None else root
    leaves, f = replay(root)
    calls = CALLS.get(name, 1)

    def backward(r: Value) -> None:
        bug(r)
        for leaf in leaves:
            leaf.grad /= calls

    return gradcheck(f, leaves, backward=backward)


def compare(name: str, root: Value | None = None) -> Comparison:
    """Run the engine and the bug on the same graph (its counterexample by default) and line them up."""
    bug = _bug(name)
    root = find_counterexample(name) if root is None else root
    if not isinstance(root, Value):
        raise TypeError(f"compare: root must be a Value, got {type(root).__name__}: {root!r:.80}")
    names = node_names(root)
    engine = _grads(CORRECT[name], root)
    fresh(root)
    error = None
    try:
        bug(root)
        buggy: dict[Value, float | None] = {n: n.grad for n in names}
    except RecursionError as e:
        error = e
        buggy = dict.fromkeys(names)
    return Comparison(name, root, names, engine, buggy, error)
