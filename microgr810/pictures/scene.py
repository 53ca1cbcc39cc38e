"""What a box drawing shows, whatever its look: one small structure, the Scene, that each view fills.

Three views choose the boxes: a box per node (`nodes`), a box per neuron (`neurons`, collapse=True), and
only the boxes on the chain-rule paths to one node (`focus`, over either). Each has a limit past which it
is no longer legible and is refused (TooBig). The Scene also holds each box's role (parameter, input,
intermediate, output), the boxes a highlight lights, and for a frame of backward each box's phase.
Nothing here reads a node's label: roles and layers come from the graph's ops and from the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..core.engine import Value, topological_order
from ..notation.names import find, node_names
from ..teaching.trace import Trace, trace_backward
from .drawing import TooBig
from .views import Box, Frame, boxes, grad_widths, holding, paths_to, step_frames, weights_and_bias

__all__ = ["Scene", "scene", "roles", "layers", "MAX_NODES", "MAX_NEURON_BOXES", "MAX_FOCUS_BOXES"]

# Where each view stops being legible: measured as the drawing's size with its 12 pt text shown at 12 px,
# in windows of 1280 x 800 (docs, "Bigger graphs"). Past about 2.5 windows tall a learner scrolls
# through edges whose ends are screens apart.
# A box per node: the reference net M=4, H=4 (40 value nodes) is 0.9 x 2.5 windows; M=4, H=8 (72) 0.9 x 4.6;
# MLP(3, [4, 4, 1]) with an MSE loss (63) 1.3 x 2.5.
MAX_NODES = 40
# A box per neuron: ~38 pt a box down a column; 50 boxes (M=16, H=32) are 0.7 x 2.5 windows, the batch of 4
# at M=4, H=8 (58 boxes, 143 value nodes) 1.1 x 2.5.
MAX_NEURON_BOXES = 60
# The paths to one node are a narrow band (M=4, H=8: 6 boxes, 0.9 x 0.2); past this many it is a graph again.
MAX_FOCUS_BOXES = 40
LIMITS = {"nodes": MAX_NODES, "neurons": MAX_NEURON_BOXES, "focus": MAX_FOCUS_BOXES}


@dataclass
class Scene:
    """One drawing's content. boxes: every box of the view (views.Box); shown: the indices drawn (all but
    those a focus leaves out); roles: each box's role; on_path: the boxes a highlight lights; frame,
    widths: a frame of backward (views.Frame) and each grad cell's width in characters, else None and []."""

    root: Value
    order: list[Value]
    names: dict[Value, str]
    collapsed: bool
    boxes: list[Box]
    shown: set[int]
    roles: list[str]
    on_path: set[int]
    frame: Frame | None
    widths: list[int]


def scene(
    root: Value,
    *,
    collapse: bool = False,
    focus: Any = None,
    highlight: Any = None,
    parameters: Any = None,
    step: int | None = None,
    trace: Trace | None = None,
    precision: int = 4,
    max_nodes: int | None = None,
) -> Scene:
    """The Scene of draw's box styles; arguments as draw takes them. Raises TooBig past the view's limit."""
    order = topological_order(root)
    view = "focus" if focus is not None else "neurons" if collapse else "nodes"
    limit = max_nodes or LIMITS[view]
    if view == "nodes" and len(order) > limit:  # before anything else is built for a graph too big
        raise TooBig(too_big(root, order, len(order), limit, view), len(order), limit, view)
    trace = _trace(root, step, trace)
    names = trace.names if trace is not None else node_names(root)
    bs = boxes(order, collapse)
    shown = paths_to(bs, _targets(root, focus, "focus", bs, names)) if focus is not None else set(range(len(bs)))
    if len(shown) > limit:
        raise TooBig(too_big(root, order, len(shown), limit, view), len(shown), limit, view)
    on_path = paths_to(bs, _targets(root, highlight, "highlight", bs, names)) if highlight is not None else set()
    frame, widths = None, []
    if step is not None and trace is not None:
        frame = step_frames(trace, bs, precision, [step])[0]
        # every frame of one trace has the same layout: each grad cell is as wide as its widest text
        widths = grad_widths(trace, bs, precision)
    return Scene(root, order, names, collapse, bs, shown, roles(bs, root, parameters), on_path, frame, widths)


def _trace(root: Value, step: int | None, trace: Trace | None) -> Trace | None:
    """The trace a frame of backward is drawn from: the one given (of backward from root), else a new one."""
    if step is None:
        return trace
    if trace is not None and trace.root is not root:
        raise ValueError(
            f"draw: the trace given is of backward from {trace.root.describe()}, not from {root.describe()}"
        )
    trace = trace or trace_backward(root)
    trace.frame(step)  # says what is wrong with a step out of range
    return trace


def too_big(root: Value, order: list[Value], count: int, limit: int, view: str) -> str:
    """The refusal: how big, what limit, and the smaller views that would draw it."""
    what = {
        "nodes": "value nodes",
        "neurons": "boxes in the collapsed view",
        "focus": "boxes on the paths to the focus",
    }[view]
    advice = []
    if view == "nodes" and count <= 100 * MAX_NODES:  # counting the neurons of a huge graph costs seconds
        n = len(boxes(order, collapse=True))
        if n < count:
            advice.append(f"draw(root, collapse=True) draws each neuron as one box ({n} boxes)")
    if view != "focus":
        advice.append("draw(root, focus=node) draws only the chain-rule paths to that node")
    advice.append(f"draw(root, max_nodes={count}) draws it anyway")
    return (
        f"the graph below {root.describe()} has {count} {what}, more than max_nodes={limit}: a drawing that "
        f"big is no longer legible at 1280 px and `dot` may take minutes. " + "; ".join(advice)
    )


def _targets(root: Value, wanted: Any, what: str, bs: Sequence[Box], names: dict[Value, str]) -> set[int]:
    """The boxes showing the nodes named by highlight= or focus= (a Value or name, or a list of them)."""
    wanted = [wanted] if isinstance(wanted, (Value, str)) else list(wanted)
    return set().union(*(holding(bs, find(root, t, names=names, where=what)) for t in wanted))


def roles(bs: Sequence[Box], root: Value, parameters: Any = None) -> list[str]:
    """parameter / input / intermediate / output for every box. The parameters are the leaves given (a list,
    or anything with .parameters(), such as an MLP or the reference network); given none, a leaf is a
    parameter when some `linear` node reads it as a weight or bias (w·x + b), as every neuron of nn does."""
    if parameters is None:
        params = {w for b in bs for node in b.steps if node.op == "linear" for w in weights_and_bias(node)}
    else:
        params = set(parameters.parameters() if hasattr(parameters, "parameters") else parameters)
    out = []
    for b in bs:
        node = b.node
        if node is root:
            out.append("output")
        elif node.inputs:
            out.append("intermediate")
        else:
            out.append("parameter" if node in params else "input")
    return out


def layers(order: Sequence[Value]) -> dict[Value, int]:
    """The layer of each node that belongs to one, read from the ops: a `linear` node (w·x + b) is in layer
    1 + the most `linear` nodes on a path below it; its activation (one op of it alone) and the leaves it
    reads as weight or bias are in its layer (a leaf read in two layers is in none). Inputs and the loss
    are in none."""
    depth: dict[Value, int] = {}  # the most linear nodes on a path from a leaf up to and including the node
    layer: dict[Value, int] = {}
    mixed: set[Value] = set()
    for node in order:  # inputs before users
        d = max((depth[c] for c in node.inputs), default=0)
        if node.op == "linear":
            d += 1
            layer[node] = d
            for w in weights_and_bias(node):
                if not w.inputs and layer.setdefault(w, d) != d:
                    mixed.add(w)
        elif len(node.operands) == 1 and node.inputs and node.inputs[0].op == "linear":
            layer[node] = layer[node.inputs[0]]
        depth[node] = d
    return {node: n for node, n in layer.items() if node not in mixed}
