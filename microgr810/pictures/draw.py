"""Draw a computation graph with graphviz: one box per Value (name | data | grad), one small node per op.

The drawing is for a slide: roles in the Okabe-Ito colour-blind-safe palette with a legend,
`highlight=` paints every path from the root down to a node (the chain rule's terms for it),
`show_local=True` writes d(out)/d(in) on each edge, `cluster_layers=True` boxes each layer and
`cluster_datapoints=True` each datapoint of a batch. Bigger graphs: `collapse=True` draws each
neuron as one box, `focus=node` only the chain-rule paths to one node. Every box shows its node's
short name from `names.node_names` (label, else t1, t2 ...), as the trace's table does. The walk is
`topological_order` (no recursion) and graphviz names are positions in it, so the same graph
always gives the same DOT text.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, cast

import graphviz

from ..core.checks import whole_number
from ..core.engine import Value, topological_order
from ..core.files import write_atomic
from ..core.ops import OPS
from ..notation.names import DATAPOINT, find, node_names
from ..notation.text import op_text
from ..teaching.trace import Trace, trace_backward
from .colours import FADED, FLOW_COLOUR, PATH_COLOUR, PHASE_COLOURS, ROLE_COLOURS
from .graphviz_html import html_text, table
from .views import Box, box_index, boxes, grad_text, grad_widths, holding, paths_to, step_frames

__all__ = [
    "draw",
    "draw_comparison",
    "Drawing",
    "GraphvizNotFound",
    "TooBig",
    "MAX_NODES",
    "MAX_NEURON_BOXES",
    "MAX_FOCUS_BOXES",
]

# Where each view stops being legible: measured as the drawing's size with its 12 pt text shown at 12 px,
# in windows of 1280 x 800 (README, "Bigger graphs"). Past about 2.5 windows tall a learner scrolls
# through edges whose ends are screens apart.
# A box per node: the reference net M=4, H=4 (40 value nodes) is 0.9 x 2.5 windows; M=4, H=8 (72) 0.9 x 4.6;
# MLP(3, [4, 4, 1]) with an MSE loss (63) 1.3 x 2.5.
MAX_NODES = 40
# A box per neuron: ~38 pt a box down a column; 50 boxes (M=16, H=32) are 0.7 x 2.5 windows, the batch of 4
# at M=4, H=8 (58 boxes, 143 value nodes) 1.1 x 2.5.
MAX_NEURON_BOXES = 60
# The paths to one node are a narrow band (M=4, H=8: 6 boxes, 0.9 x 0.2); past this many it is a graph again.
MAX_FOCUS_BOXES = 40

_PARAMETER = re.compile(r"W|b\d")
_LAYER = re.compile(r"[A-Za-z_]+(\d+)(?:\[|$)")  # a1[0], W1[0,1], z2, b2 -> layer 1, 1, 2, 2

_INSTALL_HINT = (
    "install Graphviz's `dot` program: Debian/Ubuntu `sudo apt-get install graphviz`, "
    "macOS `brew install graphviz`, conda `conda install -c conda-forge graphviz`"
)


class GraphvizNotFound(graphviz.ExecutableNotFound):
    """Rendering needs the `dot` program; the message says how to install it."""

    def __init__(self, cause: graphviz.ExecutableNotFound) -> None:
        RuntimeError.__init__(
            self,
            f"rendering needs Graphviz, which is not on PATH ({cause}); {_INSTALL_HINT}. "
            f"The DOT text is available without it: drawing.source",
        )


class TooBig(ValueError):
    """draw's refusal of a graph past its view's legible limit: `count` boxes, more than `limit`, in `view`
    ("nodes": a box per node, "neurons": a box per neuron, "focus": the paths to one node)."""

    def __init__(self, message: str, count: int, limit: int, view: str) -> None:
        super().__init__(message)
        self.count, self.limit, self.view = count, limit, view


class Drawing(graphviz.Digraph):
    """A graphviz.Digraph whose render/pipe say how to install Graphviz when `dot` is missing.

    It also carries `boxes`, what each box stands for (views.Box), and `box_ids`, each box's SVG id
    (None where focus= leaves it out), for a page that restyles one drawing step by step.
    """

    boxes: list[Box]
    box_ids: list[str | None]

    def pipe(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().pipe(*args, **kwargs)
        except graphviz.ExecutableNotFound as e:
            raise GraphvizNotFound(e) from e

    def render(
        self,
        filename: str | os.PathLike | None = None,
        directory: str | os.PathLike | None = None,
        view: bool = False,
        cleanup: bool = False,
        format: str | None = None,
        *,
        outfile: str | os.PathLike | None = None,
        **kwargs: Any,
    ) -> str:
        """graphviz's render, written atomically: the picture goes to `filename.format` (or `outfile`),
        and the DOT text to `filename` unless cleanup=True. Returns the picture's path."""
        if view or kwargs:
            raise TypeError(f"Drawing.render takes filename, directory, cleanup, format and outfile, not {kwargs}")
        fmt = format or (Path(outfile).suffix.lstrip(".") if outfile else None) or self.format
        source = Path(directory or "", filename if filename is not None else self.filename or "graph")
        out = Path(directory or "", outfile) if outfile is not None else source.with_name(f"{source.name}.{fmt}")
        write_atomic(out, self.pipe(format=fmt))
        if not cleanup:
            write_atomic(source, self.source)
        return str(out)

    def save(
        self, filename: str | os.PathLike | None = None, directory: str | os.PathLike | None = None, **_: Any
    ) -> str:  # noqa: E501
        """The DOT text, written atomically to `filename`; its path."""
        return str(write_atomic(Path(directory or "", filename or self.filename or "graph.gv"), self.source))


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
) -> Drawing:
    """The graph below `root` as a graphviz.Digraph (render with .render(path, format="svg"|"png")).

    highlight: a Value or name (or a list of them): every path from root down to it is painted.
    cluster_layers: a box around each layer's nodes (labels a1[..], W1[..], ...); cluster_datapoints: around
    each datapoint's (names ending [n=k], as names.node_names writes a batch).
    collapse: one box per neuron (w·x + b and its activation, weights and bias inside), showing
    z = act(w·x + b), its data, ∂z/∂a and its grad. focus: a Value or name: draw only the boxes on
    the chain-rule paths from root to it, and one box counting the rest.
    parameters: the parameter leaves (a list, or a Module); by default leaves labelled W... or b<digit>...
    max_nodes: refuse to draw more boxes than this; by default where the view stops being legible
    (MAX_NODES, MAX_NEURON_BOXES, MAX_FOCUS_BOXES). max_label: longer labels are cut.
    step: draw the graph after that many backward steps (done/current/pending, gradients only where
    they have arrived, the step's edges marked), from `trace` (a `trace_backward(root)`) or else by
    running trace_backward here. fontsize: of the boxes' text, in points.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw needs a Value, got {type(root).__name__}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be one of LR, RL, TB, BT, got {rankdir!r}")
    for name, n in (("precision", precision), ("max_label", max_label), ("fontsize", fontsize)):
        whole_number(name, n)
    if max_nodes is not None:
        whole_number("max_nodes", max_nodes)
    order = topological_order(root)
    view = "focus" if focus is not None else "neurons" if collapse else "nodes"
    limit = max_nodes or {"nodes": MAX_NODES, "neurons": MAX_NEURON_BOXES, "focus": MAX_FOCUS_BOXES}[view]
    if view == "nodes" and len(order) > limit:  # before anything else is built for a graph too big
        raise TooBig(_too_big(root, order, len(order), limit, view), len(order), limit, view)
    if step is not None:
        if trace is not None and trace.root is not root:
            raise ValueError(
                f"draw: the trace given is of backward from {trace.root.describe()}, not from {root.describe()}"
            )
        trace = trace or trace_backward(root)
        trace.frame(step)  # says what is wrong with a step out of range
    names = trace.names if trace is not None else node_names(root)
    bs = boxes(order, collapse)
    index = box_index(bs)
    shown = set(range(len(bs)))
    if focus is not None:
        shown = paths_to(bs, _targets(root, focus, "focus", bs, names))
    if len(shown) > limit:
        raise TooBig(_too_big(root, order, len(shown), limit, view), len(shown), limit, view)
    roles = _roles(bs, root, parameters)
    on_path = paths_to(bs, _targets(root, highlight, "highlight", bs, names)) if highlight is not None else set()
    frame, widths = None, []
    if step is not None and trace is not None:
        frame = step_frames(trace, bs, precision, [step])[0]
        # every frame of one trace has the same layout: each grad cell is as wide as its widest text
        widths = grad_widths(trace, bs, precision)

    g = Drawing(
        "computation_graph",
        graph_attr={
            "rankdir": rankdir,
            "nodesep": "0.2",
            # across a left-to-right flow edges run between tall columns: they
            # need less room to stay apart than between wide rows
            "ranksep": "0.22" if rankdir in ("LR", "RL") else "0.45",
            "fontname": "Helvetica",
        },
        node_attr={"fontname": "Helvetica", "fontsize": str(fontsize)},
        edge_attr={"fontname": "Helvetica", "arrowsize": "0.6"},
    )
    g.boxes, g.box_ids = bs, [f"v{i}" if i in shown else None for i in range(len(bs))]
    clusters: dict[str, graphviz.Digraph] = {}

    def where(b: Box) -> graphviz.Digraph:
        key, title = None, None
        m = DATAPOINT.search(names[b.node]) if cluster_datapoints else None
        if m:
            key, title = f"cluster_n{m[1]}", f"datapoint {m[1]}"
        elif cluster_layers and _layer(b.node.label) is not None:
            key, title = f"cluster_layer{_layer(b.node.label)}", f"layer {_layer(b.node.label)}"
        if key is None:
            return g
        if key not in clusters:
            clusters[key] = graphviz.Digraph(
                key, graph_attr={"label": title, "style": "rounded,dashed", "color": FADED, "fontname": "Helvetica"}
            )
        return clusters[key]

    fmt = f"{{:.{precision}g}}"
    hidden_inputs = []  # shown boxes fed by boxes a focus leaves out
    for i, b in enumerate(bs):
        if i not in shown:
            continue
        node = b.node
        phase = frame.phases[i] if frame else None
        lit, faded = i in on_path, bool(on_path) and i not in on_path
        cells = _cells(b, names, fmt, max_label)
        if show_grad:
            grad = frame.grads[i] if frame else grad_text(node.grad, precision)
            # as wide as its widest text in any frame (in points; no glyph of "grad -.0123456789e+?"
            # is wider than 0.56 em in Helvetica), so the stepper can swap the text in place
            width = f' WIDTH="{round(0.56 * fontsize * widths[i]) + 6}"' if widths else ""
            cells.append((grad, width))  # the last cell: the stepper finds it there
        # fields run across the flow, as in a graphviz record: a left-to-right graph stacks them
        where(b).node(
            f"v{i}",
            table(cells, stacked=b.is_neuron or rankdir in ("LR", "RL"), row=b.is_neuron),
            shape="box",
            margin="0.04",
            id=f"v{i}",
            **_node_style(roles[i], lit, faded, phase),
        )
        flow = frame is not None and frame.current == i and frame.flow  # this step's gradient flows back along these
        head = f"v{i}"
        if not b.is_neuron and node.inputs:
            where(b).node(
                f"op{i}",
                table([html_text(_op_text(node, names), max_label)]),
                shape="ellipse",
                margin="0.02",
                id=f"op{i}",
                **_node_style("op", lit, faded, phase),
            )
            g.edge(f"op{i}", f"v{i}", id=f"e{i}_out", **_edge_style(lit, faded, flow))
            head = f"op{i}"
        for j, (child, local) in enumerate(zip(b.inputs, b.locals)):
            c = index[child]
            if c not in shown:
                hidden_inputs.append(head)
                continue
            style = _edge_style(c in on_path, bool(on_path) and c not in on_path, flow)  # lit exactly when its input is
            if show_local:
                style.update(label=fmt.format(local), fontsize=str(max(fontsize - 2, 1)))
            g.edge(f"v{c}", head, id=f"e{i}_{j}", **style)
    if focus is not None and len(shown) < len(bs):
        drawn = {n for i in shown for n in (bs[i].node, *bs[i].steps, *bs[i].inside)}
        rest = len({n for i, b in enumerate(bs) if i not in shown for n in (b.node, *b.steps, *b.inside)} - drawn)
        g.node(
            "rest",
            f"+ {rest} other node{'s' * (rest != 1)}",
            shape="box",
            style="rounded,dashed",
            color=FADED,
            fontcolor="#333333",
        )
        for head in dict.fromkeys(hidden_inputs):
            g.edge("rest", head, style="dashed", color=FADED)
    for key in clusters:
        g.subgraph(clusters[key])
    if legend:
        _legend(
            g,
            sorted({roles[i] for i in shown}, key=list(ROLE_COLOURS).index),
            bool(on_path),
            show_local,
            step is not None,
            fontsize,
        )
    return g


def _cells(b: Box, names: dict[Value, str], fmt: str, max_label: int) -> list[str | tuple[str, str]]:
    """A box's fields but its grad: its name (a neuron's formula), its data, a neuron's ∂z/∂a."""
    node = b.node
    cut = 3 * max_label if b.is_neuron else max_label  # a formula holds several names
    cells: list[str | tuple[str, str]] = [
        f"<B>{html_text(_title(b, names), cut)}</B>",
        (f"data {fmt.format(node.data)}", ""),
    ]
    if b.linear is not None and node is not b.linear:
        cells.append((html_text(f"∂{names[node]}/∂{names[b.linear]} = {fmt.format(node.local_grads[0])}", cut), ""))
    return cells


def _too_big(root: Value, order: list[Value], count: int, limit: int, view: str) -> str:
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


def _title(b: Box, names: dict[Value, str]) -> str:
    """A box's name; a neuron's is its formula, e.g. "z1[0] = σ(W1[0,:]·x + b1[0])"."""
    if b.linear is None:
        return names[b.node]
    inner = op_text("linear", _operand_names(b.linear, names))
    if b.node is b.linear:
        return f"{names[b.node]} = {inner}"
    return f"{names[b.node]} = {op_text(b.node.op, [inner])}"


def _operand_names(node: Value, names: dict[Value, str]) -> list[Any]:
    """An op's operands as its text takes them: Values by name, numbers as they are."""
    return [names[o] if isinstance(o, Value) else o for o in node.operands]


def _op_text(node: Value, names: dict[Value, str]) -> str:
    """What an op's ellipse says: the node's right-hand side as the trace writes it, numbers included ("e − 1")."""
    return op_text(node.op, _operand_names(node, names)) if node.op in OPS else node.op


def _roles(bs: Sequence[Box], root: Value, parameters: Any) -> list[str]:
    """parameter / input / intermediate / output for every box."""
    if parameters is None:  # named as the MLP's: W1[h,m], b1[h], W2[0,h], b2 (a bare "b" is micrograd's input)
        params = None
    else:
        params = set(parameters.parameters() if hasattr(parameters, "parameters") else parameters)
    roles = []
    for b in bs:
        node = b.node
        if node is root:
            role = "output"
        elif node.inputs:
            role = "intermediate"
        elif node in params if params is not None else _PARAMETER.match(node.label):
            role = "parameter"
        else:
            role = "input"
        roles.append(role)
    return roles


def _targets(root: Value, wanted: Any, what: str, bs: Sequence[Box], names: dict[Value, str]) -> set[int]:
    """The boxes showing the nodes named by highlight= or focus= (a Value or name, or a list of them)."""
    wanted = [wanted] if isinstance(wanted, (Value, str)) else list(wanted)
    return set().union(*(holding(bs, find(root, t, names=names, where=what)) for t in wanted))


def _layer(label: str) -> int | None:
    m = _LAYER.match(label)
    return int(m.group(1)) if m else None


def _node_style(role: str, lit: bool, faded: bool, phase: str | None) -> dict[str, str]:
    """The graphviz attributes of a box or op: fill by role, a thick dark vermillion border on the path."""
    style = {
        "style": "filled",
        "fillcolor": ROLE_COLOURS.get(role, "#FFFFFF"),
        "color": "black",
        "penwidth": "1",
        "fontcolor": "black",
    }
    if lit:
        style.update(color=PATH_COLOUR, penwidth="3")
    elif faded:
        style.update(color=FADED)  # only the border fades: the text must stay legible
    if phase is not None:  # a frame of backward: the border tells the phase, the fill still the role
        style.update(PHASE_STYLES[phase])
    return style


# a frame of backward: the border tells the phase (the stepper turns these into CSS, too)
PHASE_STYLES = {
    "done": {"color": PHASE_COLOURS["done"], "penwidth": "2"},
    "current": {"color": PHASE_COLOURS["current"], "penwidth": "4"},
    "pending": {"color": PHASE_COLOURS["pending"], "penwidth": "1", "style": "filled,dashed"},
}
FLOW_STYLE = {"color": FLOW_COLOUR, "penwidth": "3", "arrowsize": "0.8"}  # the current step's edges


def _edge_style(lit: bool, faded: bool, flow: bool = False) -> dict[str, str]:
    if flow:
        return dict(FLOW_STYLE)
    if lit:
        return {"color": PATH_COLOUR, "fontcolor": PATH_COLOUR, "penwidth": "3"}
    if faded:
        return {"color": FADED}
    return {}


def _legend(g: graphviz.Digraph, roles: Iterable[str], path: bool, local: bool, frame: bool, fontsize: int) -> None:
    """The key, as one row over the graph (the graph's label): it takes no rank, so no column or row of boxes."""
    keys = [(f'BGCOLOR="{ROLE_COLOURS[r]}" BORDER="1"', "", r) for r in roles]
    if path:
        keys.append((f'BGCOLOR="{PATH_COLOUR}" BORDER="1"', "", "chain-rule path"))
    if local:
        keys.append(("", "0.5", "on an edge: ∂out/∂in"))
    if frame:
        keys += [(f'BORDER="{PHASE_STYLES[p]["penwidth"]}" COLOR="{c}"', "", p) for p, c in PHASE_COLOURS.items()]
        keys.append((f'BGCOLOR="{FLOW_COLOUR}"', "", "this step's edges"))
    cells = "".join(f'<TD {attrs} WIDTH="16">{mark}</TD><TD ALIGN="LEFT">{text}   </TD>' for attrs, mark, text in keys)
    g.attr(
        label=f'<<TABLE BORDER="0" CELLSPACING="3" CELLPADDING="2"><TR>{cells}</TR></TABLE>>',
        labelloc="t",
        labeljust="l",
        fontsize=str(max(fontsize - 1, 1)),
    )


def _reference_picture(stem: str = "docs/images/reference-graph", mlp_stem: str = "docs/images/mlp-collapsed") -> None:
    """The README's pictures: the reference loss (M=2, H=2) with W1[0,1]'s chain-rule path lit, and
    Karpathy's MLP(3, [4, 4, 1]) on one input with an MSE loss, a box per neuron.

    Re-make them with: python3 -c "from microgr810.draw import _reference_picture; _reference_picture()"
    """
    from ..core.nn import MLP
    from ..teaching.reference import ReferenceProblem

    _, L = ReferenceProblem.random(2, 2, seed=0, y=1.0).autograd()
    out = cast(Value, MLP(3, [4, 4, 1], seed=0)([2.0, 3.0, -1.0]))  # one output neuron: a Value
    loss = (out - 1.0) ** 2
    loss.label = "loss"
    loss.backward()
    for g, name in (
        (draw(L, highlight="W1[0,1]", show_local=True), stem),
        (draw(loss, collapse=True, rankdir="TB"), mlp_stem),
    ):
        g.render(name, format="svg", cleanup=True)
        g.graph_attr["dpi"] = "110"
        g.render(name, format="png", cleanup=True)


def draw_comparison(comparison: Any, **kwargs: Any) -> Drawing:
    """A classic bug's graph (teaching.misconceptions.Comparison) showing the bug's gradients: the paths to
    every node it gets wrong highlighted, and beside each such node the gradient the engine gives it."""
    g = draw(comparison.root, highlight=comparison.differing or None, **kwargs)
    notes = comparison.notes()
    for box, box_id in zip(g.boxes, g.box_ids):  # the drawing says which box shows which node
        if box_id is not None and box.node in notes:
            g.node(box_id, xlabel=notes[box.node])
    return g
