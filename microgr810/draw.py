"""Draw a computation graph with graphviz: one box per Value (label | data | grad), one small node per op.

The drawing is for a slide: roles in the Okabe-Ito colour-blind-safe palette with a legend,
`highlight=` paints every path from the root down to a node (the chain rule's terms for it),
`show_local=True` writes d(out)/d(in) on each edge, `cluster_layers=True` boxes each layer.
The walk is `topological_order` (no recursion) and node names are positions in it, so the same
graph always gives the same DOT text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Any, Iterable

import graphviz

from .checks import whole_number
from .engine import Value, topological_order
from .names import node_names
from .ops import OPS
from .trace import Trace, trace_backward

__all__ = ["draw", "Drawing", "GraphvizNotFound", "MAX_NODES"]

MAX_NODES = 500  # value nodes; beyond this a drawing is unreadable and `dot` may take minutes

# Okabe-Ito colours (Okabe & Ito 2008), told apart with every common colour-vision deficiency
ROLE_COLOURS = {
    "parameter": "#E69F00",     # orange
    "input": "#56B4E9",         # sky blue
    "constant": "#DDDDDD",      # light grey
    "intermediate": "#FFFFFF",
    "output": "#F0E442",        # yellow
}
PATH_COLOUR = "#D55E00"         # vermillion: the highlighted chain-rule paths
PHASE_COLOURS = {"done": "#009E73", "current": "#0072B2", "pending": "#999999"}  # bluish green, blue, grey
FADED = "#999999"

_PARAMETER = re.compile(r"W|b\d")
_LAYER = re.compile(r"[A-Za-z_]+(\d+)(?:\[|$)")  # a1[0], W1[0,1], z2, b2 -> layer 1, 1, 2, 2

_INSTALL_HINT = ("install Graphviz's `dot` program: Debian/Ubuntu `sudo apt-get install graphviz`, "
                 "macOS `brew install graphviz`, conda `conda install -c conda-forge graphviz`")


class GraphvizNotFound(graphviz.ExecutableNotFound):
    """Rendering needs the `dot` program; the message says how to install it."""

    def __init__(self, cause: graphviz.ExecutableNotFound) -> None:
        RuntimeError.__init__(self, f"rendering needs Graphviz, which is not on PATH ({cause}); {_INSTALL_HINT}. "
                                    f"The DOT text is available without it: drawing.source")


class Drawing(graphviz.Digraph):
    """A graphviz.Digraph whose render/pipe say how to install Graphviz when `dot` is missing."""

    def pipe(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().pipe(*args, **kwargs)
        except graphviz.ExecutableNotFound as e:
            raise GraphvizNotFound(e) from e

    def render(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().render(*args, **kwargs)
        except graphviz.ExecutableNotFound as e:
            raise GraphvizNotFound(e) from e


@dataclass(frozen=True)
class NodeState:
    """What a drawing shows about one node besides its role.

    A frame of backward is one NodeState per node: a later `step=` passes its phase and the
    gradient so far through here and `_node_style`, the rest of `draw` stays as it is.
    """

    on_path: bool = False       # on a highlighted root-to-target path
    faded: bool = False         # something is highlighted and this node is not on its paths
    grad: float | None = None   # the gradient to show; None: node.grad (in a frame: none yet)
    phase: str | None = None    # in a frame of backward: "done", "current" or "pending"


def draw(root: Value, *, rankdir: str = "LR", show_grad: bool = True, highlight: Any = None,
         show_local: bool = False, cluster_layers: bool = False, max_nodes: int = MAX_NODES,
         parameters: Any = None, legend: bool = True, precision: int = 4,
         max_label: int = 60, step: int | None = None, trace: Trace | None = None) -> Drawing:
    """The graph below `root` as a graphviz.Digraph (render with .render(path, format="svg"|"png")).

    highlight: a Value or label (or a list of them): every path from root down to it is painted.
    parameters: the parameter leaves (a list, or a Module); by default leaves labelled W... or b<digit>...
    max_nodes: refuse graphs with more value nodes than this. max_label: longer labels are cut.
    step: draw the graph after that many backward steps (done/current/pending, gradients only where
    they have arrived), from `trace` (a `trace_backward(root)`) or else by running trace_backward here.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw needs a Value, got {type(root).__name__}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be one of LR, RL, TB, BT, got {rankdir!r}")
    for name, n in (("max_nodes", max_nodes), ("precision", precision), ("max_label", max_label)):
        whole_number(name, n)
    order = topological_order(root)
    if len(order) > max_nodes:
        raise ValueError(f"the graph below {root.describe()} has {len(order)} value nodes, more than "
                         f"max_nodes={max_nodes}: a drawing that big is unreadable and `dot` may take "
                         f"minutes. Draw a smaller graph, or raise the limit: draw(root, max_nodes={len(order)})")
    index = {node: i for i, node in enumerate(order)}
    names = node_names(root)
    roles = _roles(order, root, parameters)
    on_path = _on_paths(order, _targets(highlight, order, index))
    states = {node: NodeState(node in on_path, bool(on_path) and node not in on_path) for node in order}
    titles = {node: node.label for node in order}
    if step is not None:
        if trace is not None and trace.root is not root:
            raise ValueError(f"draw: the trace given is of backward from {trace.root.describe()}, not {root.describe()}")
        trace = trace or trace_backward(root)
        frame = trace.frame(step)
        # the step's table names an unlabelled op "+#4": the frame shows that name too
        titles = {node: trace.names[node] if node.op else node.label for node in order}
        states = {node: replace(states[node], phase=frame[node][0], grad=frame[node][1]) for node in order}

    g = Drawing("computation_graph", graph_attr={"rankdir": rankdir, "nodesep": "0.25", "ranksep": "0.35"},
                node_attr={"fontname": "Helvetica", "fontsize": "12"},
                edge_attr={"fontname": "Helvetica", "arrowsize": "0.6"})
    clusters: dict[int, graphviz.Digraph] = {}

    def where(node: Value) -> graphviz.Digraph:
        layer = _layer(node.label) if cluster_layers else None
        if layer is None:
            return g
        if layer not in clusters:
            clusters[layer] = graphviz.Digraph(f"cluster_layer{layer}", graph_attr={
                "label": f"layer {layer}", "style": "rounded,dashed", "color": FADED, "fontname": "Helvetica"})
        return clusters[layer]

    fmt = f"{{:.{precision}g}}"
    for i, node in enumerate(order):
        role, state = roles[node], states[node]
        cells = [f"<B>{_html(titles[node], max_label)}</B>"] if titles[node] else []
        cells.append(f"data {fmt.format(node.data)}")
        if show_grad:
            grad = node.grad if state.grad is None and state.phase is None else state.grad
            cells.append(f"grad {'?' if grad is None else fmt.format(grad)}")
        # fields run across the flow, as in a graphviz record: a left-to-right graph stacks them
        where(node).node(f"v{i}", _table(cells, stacked=rankdir in ("LR", "RL")), shape="box", margin="0.04",
                         **_node_style(node, role, state))
        if not node.op:
            continue
        where(node).node(f"op{i}", _table([_html(OPS[node.op].text([names[x] if isinstance(x, Value) else x for x in node.operands]), max_label)]),
                         shape="ellipse", margin="0.02", **_node_style(node, "op", state))
        g.edge(f"op{i}", f"v{i}", **_edge_style(state))
        for child, local in zip(node.inputs, node.local_grads):
            style = _edge_style(states[child])  # an edge is on a path exactly when its input is
            if show_local:
                style["label"] = fmt.format(local)
                style["fontsize"] = "10"
            g.edge(f"v{index[child]}", f"op{i}", **style)
    for layer in sorted(clusters):
        g.subgraph(clusters[layer])
    if legend:
        _legend(g, sorted({roles[n] for n in order}, key=list(ROLE_COLOURS).index), bool(on_path), show_local,
                step is not None)
    return g


def _roles(order: list[Value], root: Value, parameters: Any) -> dict[Value, str]:
    """parameter / input / constant / intermediate / output for every node."""
    if parameters is None:  # named as the MLP's: W1[h,m], b1[h], W2[0,h], b2 (a bare "b" is micrograd's input)
        params = {node for node in order if _PARAMETER.match(node.label)}
    else:
        params = set(parameters.parameters() if hasattr(parameters, "parameters") else parameters)
    roles = {}
    for node in order:
        if node is root:
            role = "output"
        elif node.op:
            role = "intermediate"
        elif node in params:
            role = "parameter"
        else:
            role = "input"
        roles[node] = role
    return roles


def _targets(highlight: Any, order: list[Value], index: dict[Value, int]) -> set[Value]:
    """The nodes named by highlight= (Values or labels), each of which must be in the graph."""
    if highlight is None:
        return set()
    wanted = [highlight] if isinstance(highlight, (Value, str)) else list(highlight)
    by_label: dict[str, list[Value]] = {}
    for node in order:
        by_label.setdefault(node.label, []).append(node)
    targets = set()
    for t in wanted:
        if isinstance(t, Value):
            if t not in index:
                raise ValueError(f"highlight: {t.describe()} is not in the graph being drawn")
            targets.add(t)
        elif isinstance(t, str) and t in by_label:
            targets.update(by_label[t])
        else:
            raise ValueError(f"highlight: no node labelled {t!r} in the graph being drawn")
    return targets


def _on_paths(order: list[Value], targets: set[Value]) -> set[Value]:
    """Nodes on some root-to-target path: the targets and every node with an input on such a path."""
    on = set(targets)
    for node in order:  # inputs come first, so each input's answer is known when its user is reached
        if node not in on and any(child in on for child in node.inputs):
            on.add(node)
    return on


def _layer(label: str) -> int | None:
    m = _LAYER.match(label)
    return int(m.group(1)) if m else None


def _node_style(node: Value, role: str, state: NodeState) -> dict[str, str]:
    """The graphviz attributes of a node: fill by role, a thick vermillion border on the path."""
    style = {"style": "filled", "fillcolor": ROLE_COLOURS.get(role, "#FFFFFF"), "color": "black",
             "penwidth": "1", "fontcolor": "black"}
    if state.on_path:
        style.update(color=PATH_COLOUR, penwidth="3")
    elif state.faded:
        style.update(color=FADED)  # only the border fades: the text must stay legible
    if state.phase is not None:  # a frame of backward: the border tells the phase, the fill still the role
        style.update(color=PHASE_COLOURS[state.phase], penwidth={"done": "2", "current": "4"}.get(state.phase, "1"))
        if state.phase == "pending":
            style["style"] = "filled,dashed"
    return style


def _edge_style(state: NodeState) -> dict[str, str]:
    if state.on_path:
        return {"color": PATH_COLOUR, "fontcolor": PATH_COLOUR, "penwidth": "3"}
    if state.faded:
        return {"color": FADED}
    return {}


def _legend(g: graphviz.Digraph, roles: Iterable[str], path: bool, local: bool, frame: bool = False) -> None:
    rows = [f'<TR><TD BGCOLOR="{ROLE_COLOURS[r]}" BORDER="1">  </TD><TD ALIGN="LEFT">{r}</TD></TR>'
            for r in roles]
    if path:
        rows.append(f'<TR><TD BGCOLOR="{PATH_COLOUR}" BORDER="1">  </TD>'
                    f'<TD ALIGN="LEFT">chain-rule path</TD></TR>')
    if local:
        rows.append('<TR><TD>0.5</TD><TD ALIGN="LEFT">on an edge: ∂out/∂in</TD></TR>')
    if frame:
        rows += [f'<TR><TD BORDER="2" COLOR="{c}">  </TD><TD ALIGN="LEFT">{p}</TD></TR>'
                 for p, c in PHASE_COLOURS.items()]
    g.node("legend", f'<<TABLE BORDER="0" CELLSPACING="3" CELLPADDING="2">{"".join(rows)}</TABLE>>',
           shape="box", style="rounded", color=FADED, fontsize="11")


def _table(cells: list[str], stacked: bool = False) -> str:
    """An HTML-like label: fields with rules between, like a record node (stacked: one per row)."""
    if stacked:
        inner = "<HR/>".join(f"<TR><TD>{c}</TD></TR>" for c in cells)
    else:
        inner = "<TR>" + "<VR/>".join(f"<TD>{c}</TD>" for c in cells) + "</TR>"
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3">{inner}</TABLE>>'


def _html(text: str, max_len: int) -> str:
    """User text made safe inside an HTML-like label: nothing in it can end the label or add attributes.

    Newlines become line breaks, other control characters show as \\xNN, and `\\` is doubled
    because graphviz expands escapes such as \\N (the node's name) even inside HTML labels.
    """
    if len(text) > max_len:
        text = text[: max_len - 1] + "…"
    lines = []
    for line in text.replace("\r\n", "\n").split("\n"):
        shown = "".join(f"\\x{ord(c):02x}" if _unprintable(c) else c for c in line)
        lines.append(shown.translate(_HTML_ESCAPES))
    return "<BR/>".join(lines)


# graphviz 2.43 fails on a cell holding only "]", so it always goes as a character reference
_HTML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "]": "&#93;", "\\": "\\\\"})


def _unprintable(c: str) -> bool:
    """Characters XML or graphviz cannot carry in a label: controls, surrogates, non-characters."""
    return unicodedata.category(c) in ("Cc", "Cs") or ord(c) in (0xFFFE, 0xFFFF)


def _reference_picture(stem: str = "docs/images/reference-graph") -> None:
    """The README's picture: the reference loss (M=2, H=2) with W1[0,1]'s chain-rule path lit.

    Re-make it with: python3 -c "from microgr810.draw import _reference_picture; _reference_picture()"
    """
    from .reference import ReferenceProblem
    _, L = ReferenceProblem.random(2, 2, seed=0, y=1.0).autograd()
    g = draw(L, highlight="W1[0,1]", show_local=True)
    g.render(stem, format="svg", cleanup=True)
    g.graph_attr["dpi"] = "110"
    g.render(stem, format="png", cleanup=True)
