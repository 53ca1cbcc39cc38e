"""One short name for every node, the same in the drawing, the trace, explain, the stepper and derive."""

from __future__ import annotations

from .engine import Value, topological_order

__all__ = ["node_names"]


def node_names(root: Value) -> dict[Value, str]:
    """Every node under root by name: its label, else t1, t2, ... in the order computed (leaves: v1, v2, ...)."""
    names: dict[Value, str] = {}
    ops = leaves = 0
    for node in topological_order(root):
        if node.label:
            names[node] = node.label
        elif node.op:
            ops += 1
            names[node] = f"t{ops}"
        else:
            leaves += 1
            names[node] = f"v{leaves}"
    return names
