"""One short name for every node, the same in the drawing, the trace, explain, the stepper and derive.

A node's name is its label, else t1, t2, ... in the order computed (unlabelled leaves: v1, v2, ...).
In a batch every datapoint builds its own copy of the network's nodes (three `a2` for three
datapoints); a label that repeats is told apart by the datapoint the node belongs to: `a2[n=1]`.
A datapoint is marked by its loss, labelled `L[n=1]` (as `losses` labels each datapoint's loss),
and a node belongs to datapoint n when every path from it to the root passes through that loss.
"""

from __future__ import annotations

import re
from collections import Counter

from .engine import Value, topological_order

__all__ = ["node_names", "datapoint_label", "slots", "DATAPOINT"]

DATAPOINT = re.compile(r"\[n=(\d+)\]$")  # a label ending in [n=k]: datapoint k's loss
_MIXED = -1  # used by more than one datapoint (a weight), or by the batch's own nodes (the mean)


def datapoint_label(label: str, n: int) -> str:
    """How a node of datapoint n is named: a2 -> a2[n=1], a1[0] -> a1[0][n=1]."""
    return f"{label}[n={n}]"


def _datapoints(order: list[Value]) -> dict[Value, int]:
    """node -> the datapoint n it belongs to, for the nodes under exactly one loss labelled ...[n=k]."""
    seen: dict[Value, int] = {}  # what the users of each node said so far
    out: dict[Value, int] = {}
    for node in reversed(order):  # every user of a node comes before it
        m = DATAPOINT.search(node.label)
        n = int(m[1]) if m else seen.get(node, _MIXED)
        if n != _MIXED:
            out[node] = n
        for x in node.inputs:
            seen[x] = n if seen.get(x, n) == n else _MIXED
    return out


def node_names(root: Value) -> dict[Value, str]:
    """Every node under root by name: its label (with [n=k] where a batch repeats it), else t1, t2, ...
    in the order computed; unlabelled leaves v1, v2, ...; a label still repeated gets #2, #3, ..."""
    order = topological_order(root)
    repeated = {label for label, count in Counter(n.label for n in order if n.label).items() if count > 1}
    datapoint = _datapoints(order) if repeated else {}
    taken = {n.label for n in order if n.label}  # an automatic name never copies a label
    names: dict[Value, str] = {}
    counters: Counter[str] = Counter()  # "t", "v" and each repeated name: how many so far

    def fresh(stem: str, sep: str = "") -> str:
        while True:
            counters[stem] += 1
            name = f"{stem}{sep}{counters[stem]}"
            if name not in taken:
                taken.add(name)
                return name

    for node in order:
        if node.label not in repeated:
            names[node] = node.label or fresh("t" if node.op else "v")
        elif node in datapoint:
            names[node] = datapoint_label(node.label, datapoint[node])
        else:
            names[node] = node.label
    # what is still repeated (one label used twice within a datapoint, or outside any): a#1, a#2, ...;
    # the root keeps its name (a mean of single-datapoint losses, each labelled L, is still L)
    twice = {name for name, count in Counter(names.values()).items() if count > 1}
    for node in order:
        if names[node] in twice and node is not root:
            names[node] = fresh(names[node], "#")
    return names


def slots(node: Value) -> list[str]:
    """For each input of node: "" if it is there once, else which of its slots this is ("1st", "2nd", ...),
    so the paths through t1 = a·a can be told apart: ∂t1/∂a (1st), ∂t1/∂a (2nd)."""
    inputs = node.inputs
    times = Counter(inputs)
    seen: Counter[Value] = Counter()
    out = []
    for x in inputs:
        seen[x] += 1
        out.append(_ordinal(seen[x]) if times[x] > 1 else "")
    return out


def _ordinal(k: int) -> str:
    return f"{k}{'th' if 10 <= k % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(k % 10, 'th')}"
