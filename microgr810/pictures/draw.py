"""Draw a computation graph with graphviz, in one of two styles: "graph" (box_graph.py: one box per
Value, name | data | grad, one small node per op) or "circuit" (circuit.py: CS231n's gates and wires).

The graph style is for a slide: roles in the Okabe-Ito colour-blind-safe palette with a legend,
`highlight=` paints every path from the root down to a node (the chain rule's terms for it),
`show_local=True` writes d(out)/d(in) on each edge, `cluster_layers=True` boxes each layer and
`cluster_datapoints=True` each datapoint of a batch. Bigger graphs: `collapse=True` draws each
neuron as one box, `focus=node` only the chain-rule paths to one node (scene.py chooses the boxes).
Every box shows its node's short name from `names.node_names` (label, else t1, t2 ...), as the
trace's table does. A new style is a module beside these two and one entry in STYLES.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..core.checks import whole_number
from ..core.engine import Value
from ..teaching.trace import Trace
from .box_graph import FLOW_STYLE, PHASE_STYLES, Look, box_graph
from .circuit import circuit
from .colours import PATH_COLOUR, PHASE_COLOURS, ROLE_COLOURS
from .drawing import Drawing, GraphvizNotFound, TooBig, scalable_svg
from .scene import MAX_FOCUS_BOXES, MAX_NEURON_BOXES, MAX_NODES, scene

__all__ = [
    "draw",
    "draw_comparison",
    "Drawing",
    "GraphvizNotFound",
    "TooBig",
    "MAX_NODES",
    "MAX_NEURON_BOXES",
    "MAX_FOCUS_BOXES",
    "STYLES",
    "scalable_svg",
    # what the stepper, notebooks and tests read from here
    "PATH_COLOUR",
    "ROLE_COLOURS",
    "PHASE_COLOURS",
    "FLOW_STYLE",
    "PHASE_STYLES",
]


def draw(
    root: Value,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    highlight: Any = None,
    show_local: bool = False,
    cluster_layers: bool = False,
    cluster_datapoints: bool = False,
    collapse: bool = False,
    focus: Any = None,
    max_nodes: int | None = None,
    parameters: Any = None,
    legend: bool = True,
    precision: int = 4,
    max_label: int = 60,
    step: int | None = None,
    trace: Trace | None = None,
    fontsize: int = 12,
    style: str = "graph",
) -> Drawing:
    """The graph below `root` as a graphviz.Digraph (render with .render(path, format="svg"|"png")).

    highlight: a Value or name (or a list of them): every path from root down to it is painted.
    cluster_layers: a box around each layer's nodes (a neuron's w·x + b, its activation, weights and bias; the
    layer read from the ops, see scene.layers); cluster_datapoints: around each datapoint's (names ending
    [n=k], as names.node_names writes a batch).
    collapse: one box per neuron (w·x + b and its activation, weights and bias inside), showing
    z = act(w·x + b), its data, ∂z/∂a and its grad. focus: a Value or name: draw only the boxes on
    the chain-rule paths from root to it, and one box counting the rest.
    parameters: the leaves to colour as parameters (a list, or anything with .parameters(): an MLP, the
    reference network), e.g. draw(L, parameters=net.parameters()); by default the leaves some `linear`
    node (w·x + b) reads as a weight or bias, as in every nn neuron; every other leaf is an input.
    max_nodes: refuse to draw more boxes than this; by default where the view stops being legible
    (MAX_NODES, MAX_NEURON_BOXES, MAX_FOCUS_BOXES). max_label: longer labels are cut.
    step: draw the graph after that many backward steps (done/current/pending, gradients only where
    they have arrived, the step's edges marked), from `trace` (a `trace_backward(root)`) or else by
    running trace_backward here. fontsize: of the boxes' text, in points.
    style: "graph" (boxes and ops, as above) or "circuit" (CS231n's: gates as circles, values as wires
    with their data above and their gradient below; see pictures/circuit.py), which takes rankdir,
    show_grad, precision, max_label, fontsize and max_nodes.
    """
    options = dict(locals())
    del options["root"], options["style"]
    if style not in STYLES:
        raise ValueError(f"draw: style must be {' or '.join(map(repr, STYLES))}, got {style!r}")
    return STYLES[style](root, options)


def _graph(root: Value, o: dict[str, Any]) -> Drawing:
    """The "graph" style: the Scene of the view asked for, drawn as boxes and ops."""
    if not isinstance(root, Value):
        raise TypeError(f"draw needs a Value, got {type(root).__name__}")
    if o["rankdir"] not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be one of LR, RL, TB, BT, got {o['rankdir']!r}")
    for name in ("precision", "max_label", "fontsize"):
        whole_number(name, o[name])
    if o["max_nodes"] is not None:
        whole_number("max_nodes", o["max_nodes"])
    what = ("collapse", "focus", "highlight", "parameters", "step", "trace", "precision", "max_nodes")
    look = ("rankdir", "show_grad", "show_local", "cluster_layers", "cluster_datapoints", "legend")
    s = scene(root, **{k: o[k] for k in what})
    return box_graph(s, Look(**{k: o[k] for k in (*look, "precision", "max_label", "fontsize")}))


# the graph style's options, refused by the circuit when given (the switches when on, the rest when not None)
_GRAPH_ONLY = ("highlight", "show_local", "cluster_layers", "cluster_datapoints", "collapse", "focus", "parameters")
_SWITCHES = ("show_local", "cluster_layers", "cluster_datapoints", "collapse")


def _circuit(root: Value, o: dict[str, Any]) -> Drawing:
    """The "circuit" style (pictures/circuit.py); it refuses the options it has no use for, rather than ignore them."""
    wrong = [k for k in (*_GRAPH_ONLY, "step", "trace") if (o[k] if k in _SWITCHES else o[k] is not None)]
    if wrong:
        raise ValueError(f"draw: style='circuit' does not take {', '.join(wrong)} (those belong to style='graph')")
    kept = ("rankdir", "show_grad", "precision", "max_label", "fontsize", "max_nodes")
    return circuit(root, **{k: o[k] for k in kept})


# each style: (root, draw's keyword options) -> Drawing
STYLES: dict[str, Callable[[Value, dict[str, Any]], Drawing]] = {"graph": _graph, "circuit": _circuit}


def draw_comparison(comparison: Any, **kwargs: Any) -> Drawing:
    """A classic bug's graph (teaching.misconceptions.Comparison) showing the bug's gradients: the paths to
    every node it gets wrong highlighted, and beside each such node the gradient the engine gives it."""
    g = draw(comparison.root, highlight=comparison.differing or None, **kwargs)
    notes = comparison.notes()
    for box, box_id in zip(g.boxes, g.box_ids):  # the drawing says which box shows which node
        if box_id is not None and box.node in notes:
            g.node(box_id, xlabel=notes[box.node])
    return g
