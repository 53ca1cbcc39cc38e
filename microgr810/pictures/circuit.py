"""CS231n's circuit, drawn from any graph: gates are circles holding their op, values are wires.

Each wire carries its name at its left end, its forward value in green above the line and its gradient in
red below it (the lecture notes' convention). A number mixed into an op is part of its gate: `x * -1`
is the gate `*-1`, `x + 1` the gate `+1`, `1 / x` the gate `1/x`. A value read by several gates is one
wire that forks. The walk is `topological_order` (no recursion); graphviz names are positions in it.
"""

from __future__ import annotations

from ..core.checks import whole_number
from ..core.engine import Value, topological_order
from ..core.ops import OPS, is_number
from ..notation.names import node_names
from ..notation.text import op_text
from .colours import CIRCUIT_DATA, CIRCUIT_GRAD
from .drawing import Drawing, TooBig
from .graphviz_html import html_text

__all__ = ["circuit", "gate_text", "wire_number", "MAX_WIRES"]

# a wire is about 60 pt long and a gate 40 pt: past this many wires the circuit is wider than three windows
MAX_WIRES = 60

# how a gate of two wires is written, CS231n's way (a `*` for times, as their slides write it)
_SYMBOL = {"+": "+", "-": "-", "*": "*", "/": "/", "**": "^"}


def wire_number(x: float, precision: int = 3) -> str:
    """A wire's number as CS231n writes it: two decimals (-2.00, 0.73), else `precision` significant digits."""
    if x == 0.0 or 0.01 <= abs(x) < 1e4:
        return f"{x:.2f}"
    return f"{x:.{precision}g}"


def _number(x: float) -> str:
    """A number inside a gate: 1 not 1.0, -1 not -1.0."""
    return f"{x:g}"


def gate_text(node: Value) -> str:
    """What a gate's circle says: the op alone when every operand is a wire (`+`, `*`, `exp`, `σ`), the numbers
    mixed in where there are some (`*-1`, `+1`, `1/x`, `^2`); `*-1` for a negation, as CS231n writes it."""
    op = node.op
    if op == "neg":
        return "*-1"
    numbers = [i for i, x in enumerate(node.operands) if is_number(x)]
    if op in _SYMBOL and numbers:
        i = numbers[0]
        n = _number(node.operands[i])
        if i == 1 or op in ("+", "*"):  # x ∘ n, or n ∘ x for an order-free op: the gate adds n, times n
            return f"{_SYMBOL[op]}{n}"
        return f"{n}{_SYMBOL[op]}x"  # n − x, n / x, n ^ x: the wire is the x
    if op in _SYMBOL:
        return _SYMBOL[op]
    if op == "sum":
        extra = sum(node.operands[i] for i in numbers)
        return "+" if not numbers else f"+{_number(extra)}"
    if op == "linear":
        return "w·x + b"
    if op in OPS and OPS[op].arity == 1:  # a call: exp, tanh, σ, ln as the op table writes them
        return op_text(op, ["x"]).removesuffix("(x)")
    return op


def _wire(name: str, data: str, grad: str | None, max_label: int) -> str:
    """A wire's label: its name at the left end over the line, the value over the line's middle and the
    gradient under it. The line is a cell of its own, PORT "w", so edges meet the wire at its two ends."""
    line = '<TD PORT="w" COLSPAN="2" HEIGHT="2" CELLPADDING="0" BGCOLOR="#333333"></TD>'
    under = f'<FONT COLOR="{CIRCUIT_GRAD}">{grad}</FONT>' if grad is not None else ""
    return (
        '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
        f'<TR><TD ALIGN="LEFT"><B>{html_text(name, max_label)}</B></TD>'
        f'<TD WIDTH="48" ALIGN="RIGHT"><FONT COLOR="{CIRCUIT_DATA}">{data}</FONT></TD></TR>'
        f'<TR>{line}</TR><TR><TD></TD><TD ALIGN="RIGHT">{under}</TD></TR></TABLE>>'
    )


def circuit(
    root: Value,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    precision: int = 3,
    max_label: int = 40,
    fontsize: int = 12,
    max_nodes: int | None = None,
) -> Drawing:
    """The graph below `root` as CS231n's circuit (a Drawing; render with .render(path, format="svg")).
    show_grad: the gradients (red, under each wire) as they stand now: call root.backward() first."""
    if not isinstance(root, Value):
        raise TypeError(f"circuit needs a Value, got {type(root).__name__}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be one of LR, RL, TB, BT, got {rankdir!r}")
    for what, n in (("precision", precision), ("max_label", max_label), ("fontsize", fontsize)):
        whole_number(what, n)
    order = topological_order(root)
    limit = max_nodes if max_nodes is not None else MAX_WIRES
    if len(order) > limit:
        raise TooBig(
            f"the circuit below {root.describe()} has {len(order)} wires, more than max_nodes={limit}: wider than "
            f"three windows. draw(root, collapse=True) draws each neuron as one box; "
            f"draw(root, style='circuit', max_nodes={len(order)}) draws it anyway",
            len(order),
            limit,
            "circuit",
        )
    names = node_names(root)
    index = {node: i for i, node in enumerate(order)}
    g = Drawing(
        "circuit",
        graph_attr={"rankdir": rankdir, "nodesep": "0.25", "ranksep": "0.3", "fontname": "Helvetica"},
        node_attr={"fontname": "Helvetica", "fontsize": str(fontsize)},
        edge_attr={"arrowsize": "0.5", "color": "#333333", "penwidth": "1.3"},
    )
    g.boxes, g.box_ids = [], []
    for i, node in enumerate(order):
        grad = wire_number(node.grad, precision) if show_grad else None
        g.node(
            f"v{i}", _wire(names[node], wire_number(node.data, precision), grad, max_label), shape="plain", id=f"v{i}"
        )
        if not node.inputs:
            continue
        g.node(
            f"g{i}",
            html_text(gate_text(node), max_label).join(("<", ">")),
            shape="circle",
            margin="0.02",
            width="0.45",
            style="filled",
            fillcolor="#FFFFFF",
            id=f"g{i}",
        )
        g.edge(f"g{i}", f"v{i}:w:w", arrowhead="none", id=f"e{i}_out")
        for j, child in enumerate(node.inputs):
            g.edge(f"v{index[child]}:w:e", f"g{i}", id=f"e{i}_{j}")
    if show_grad:
        g.attr(
            label=(
                f'<<FONT COLOR="{CIRCUIT_DATA}">green, above a wire: its value</FONT>     '
                f'<FONT COLOR="{CIRCUIT_GRAD}">red, below: ∂{html_text(names[root], max_label)}/∂wire</FONT>>'
            ),
            labelloc="t",
            labeljust="l",
            fontsize=str(max(fontsize - 1, 1)),
        )
    return g
