"""draw's "graph" style: a Scene (pictures/scene.py) as graphviz boxes and ops.

Each box shows a name, its data and its grad (a neuron's box its formula and ∂z/∂a too); each op of a
box per node is an ellipse holding the node's right-hand side. Roles fill the boxes (Okabe-Ito, with a
legend), a highlighted path has thick dark vermillion borders, a frame of backward tells each box's phase
by its border. Graphviz names are positions in the topological order, so one graph gives one DOT text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import graphviz

from ..core.engine import Value
from ..core.ops import OPS
from ..notation.names import DATAPOINT, partial
from ..notation.text import op_text
from .colours import FADED, FLOW_COLOUR, PATH_COLOUR, PHASE_COLOURS, ROLE_COLOURS
from .drawing import Drawing
from .graphviz_html import html_text, table
from .scene import Scene, layers
from .views import Box, box_index, grad_text

__all__ = ["Look", "box_graph", "PHASE_STYLES", "FLOW_STYLE"]

# a frame of backward: the border tells the phase (the stepper turns these into CSS, too)
PHASE_STYLES = {
    "done": {"color": PHASE_COLOURS["done"], "penwidth": "2"},
    "current": {"color": PHASE_COLOURS["current"], "penwidth": "4"},
    "pending": {"color": PHASE_COLOURS["pending"], "penwidth": "1", "style": "filled,dashed"},
}
FLOW_STYLE = {"color": FLOW_COLOUR, "penwidth": "3", "arrowsize": "0.8"}  # the current step's edges


@dataclass(frozen=True)
class Look:
    """How the boxes look, as draw's keywords of the same names say."""

    rankdir: str = "LR"
    show_grad: bool = True
    show_local: bool = False
    cluster_layers: bool = False
    cluster_datapoints: bool = False
    legend: bool = True
    precision: int = 4
    max_label: int = 60
    fontsize: int = 12


def box_graph(s: Scene, look: Look) -> Drawing:
    """The Scene drawn as boxes and ops."""
    wide = s.collapsed and look.show_local  # labels at the edges' ends, as the collapsed view writes them
    g = Drawing(
        "computation_graph",
        graph_attr={
            "rankdir": look.rankdir,
            "nodesep": "0.5" if wide else "0.2",
            # across a left-to-right flow edges run between tall columns: they
            # need less room to stay apart than between wide rows (and end labels need the edges long)
            "ranksep": "2.4" if wide else "0.22" if look.rankdir in ("LR", "RL") else "0.45",
            "fontname": "Helvetica",
        },
        node_attr={"fontname": "Helvetica", "fontsize": str(look.fontsize)},
        edge_attr={"fontname": "Helvetica", "arrowsize": "0.6"},
    )
    g.boxes, g.box_ids = s.boxes, [f"v{i}" if i in s.shown else None for i in range(len(s.boxes))]
    place = _Clusters(s, look, g)
    index, uses = box_index(s.boxes), _uses(s.boxes)
    hidden_inputs: list[str] = []  # the shown boxes' heads fed by boxes a focus leaves out
    for i in sorted(s.shown):
        head = _box(place(s.boxes[i]), s, look, i, g)
        hidden_inputs += _input_edges(g, s, look, i, head, index, uses)
    if len(s.shown) < len(s.boxes):
        _rest(g, s, hidden_inputs)
    place.close()
    if look.legend:
        roles = sorted({s.roles[i] for i in s.shown}, key=list(ROLE_COLOURS).index)
        _legend(g, roles, bool(s.on_path), look.show_local, s.frame is not None, look.fontsize)
    return g


class _Clusters:
    """Where a box goes: the graph, or the dashed box around its datapoint (a name ending [n=k], as
    names.node_names writes a batch) or its layer (scene.layers, read from the ops)."""

    def __init__(self, s: Scene, look: Look, g: graphviz.Digraph) -> None:
        self.s, self.look, self.g = s, look, g
        self.layer = layers(s.order) if look.cluster_layers else {}
        self.clusters: dict[str, graphviz.Digraph] = {}

    def __call__(self, b: Box) -> graphviz.Digraph:
        m = DATAPOINT.search(self.s.names[b.node]) if self.look.cluster_datapoints else None
        if m:
            key, title = f"cluster_n{m[1]}", f"datapoint {m[1]}"
        elif b.node in self.layer:
            key, title = f"cluster_layer{self.layer[b.node]}", f"layer {self.layer[b.node]}"
        else:
            return self.g
        if key not in self.clusters:
            attrs = {"label": title, "style": "rounded,dashed", "color": FADED, "fontname": "Helvetica"}
            self.clusters[key] = graphviz.Digraph(key, graph_attr=attrs)
        return self.clusters[key]

    def close(self) -> None:
        for cluster in self.clusters.values():
            self.g.subgraph(cluster)


def _box(where: graphviz.Digraph, s: Scene, look: Look, i: int, g: graphviz.Digraph) -> str:
    """Box i (and its op's ellipse, for a box per node with inputs); returns where its input edges end."""
    b, fr = s.boxes[i], s.frame
    phase = fr.phases[i] if fr else None
    lit, faded = i in s.on_path, bool(s.on_path) and i not in s.on_path
    cells = _cells(b, s.names, look)
    if look.show_grad:
        grad = fr.grads[i] if fr else grad_text(b.node.grad, look.precision)
        # as wide as its widest text in any frame (in points; no glyph of "grad -.0123456789e+?"
        # is wider than 0.56 em in Helvetica), so the stepper can swap the text in place
        width = f' WIDTH="{round(0.56 * look.fontsize * s.widths[i]) + 6}"' if s.widths else ""
        cells.append((grad, width))  # the last cell: the stepper finds it there
    # fields run across the flow, as in a graphviz record: a left-to-right graph stacks them
    stacked = b.is_neuron or look.rankdir in ("LR", "RL")
    where.node(
        f"v{i}",
        table(cells, stacked=stacked, row=b.is_neuron),
        shape="box",
        margin="0.04",
        id=f"v{i}",
        **_node_style(s.roles[i], lit, faded, phase),
    )
    if b.is_neuron or not b.node.inputs:
        return f"v{i}"
    where.node(
        f"op{i}",
        table([html_text(_op_text(b.node, s.names), look.max_label)]),
        shape="ellipse",
        margin="0.02",
        id=f"op{i}",
        **_node_style("op", lit, faded, phase),
    )
    g.edge(f"op{i}", f"v{i}", id=f"e{i}_out", **_edge_style(lit, faded, _flows(s, i)))
    return f"op{i}"


def _flows(s: Scene, i: int) -> bool:
    """This frame's gradient flows back along box i's input edges."""
    return s.frame is not None and s.frame.current == i and s.frame.flow


def _input_edges(
    g: graphviz.Digraph, s: Scene, look: Look, i: int, head: str, index: dict[Value, int], uses: list[int]
) -> list[str]:
    """The edges into box i from its inputs' boxes; returns `head` once per input a focus leaves out."""
    hidden = []
    fmt = f"{{:.{look.precision}g}}"
    for j, (child, local) in enumerate(zip(s.boxes[i].inputs, s.boxes[i].locals)):
        c = index[child]
        if c not in s.shown:
            hidden.append(head)
            continue
        on = s.on_path
        look_ = _edge_style(c in on, bool(on) and c not in on, _flows(s, i))  # lit exactly when its input is
        if look.show_local:
            at_head = uses[c] > 1 if s.collapsed else None
            look_.update(_local_label(fmt.format(local), look.fontsize, at_head))
        g.edge(f"v{c}", head, id=f"e{i}_{j}", **look_)
    return hidden


def _uses(bs: list[Box]) -> list[int]:
    """How many edges leave each box."""
    index = box_index(bs)
    uses = [0] * len(bs)
    for b in bs:
        for child in b.inputs:
            uses[index[child]] += 1
    return uses


def _rest(g: graphviz.Digraph, s: Scene, hidden_inputs: list[str]) -> None:
    """The box counting the nodes a focus leaves out, with a dashed edge to each shown box they feed."""
    drawn = {n for i in s.shown for n in (s.boxes[i].node, *s.boxes[i].steps, *s.boxes[i].inside)}
    left = {n for i, b in enumerate(s.boxes) if i not in s.shown for n in (b.node, *b.steps, *b.inside)}
    rest = len(left - drawn)
    text = f"+ {rest} other node{'s' * (rest != 1)}"
    g.node("rest", text, shape="box", style="rounded,dashed", color=FADED, fontcolor="#333333")
    for head in dict.fromkeys(hidden_inputs):
        g.edge("rest", head, style="dashed", color=FADED)


def _cells(b: Box, names: dict[Value, str], look: Look) -> list[str | tuple[str, str]]:
    """A box's fields but its grad: its name (a neuron's formula), its data, a neuron's ∂z/∂a."""
    node, fmt = b.node, f"{{:.{look.precision}g}}"
    cut = 3 * look.max_label if b.is_neuron else look.max_label  # a formula holds several names
    cells: list[str | tuple[str, str]] = [
        f"<B>{html_text(_title(b, names), cut)}</B>",
        (f"data {fmt.format(node.data)}", ""),
    ]
    if b.linear is not None and node is not b.linear:
        local = f"{partial(names[node], names[b.linear])} = {fmt.format(node.local_grads[0])}"
        cells.append((html_text(local, cut), ""))
    return cells


def _title(b: Box, names: dict[Value, str]) -> str:
    """A box's name; a neuron's is its formula, e.g. "z1[0] = σ(W1[0,:]·x + b1[0])"."""
    if b.linear is None:
        return names[b.node]
    inner = op_text("linear", _operand_names(b.linear, names))
    if b.node is b.linear:
        return f"{names[b.node]} = {inner}"
    return f"{names[b.node]} = {op_text(b.node.op, [inner])}"


def _operand_names(node: Value, names: dict[Value, str]) -> list[object]:
    """An op's operands as its text takes them: Values by name, numbers as they are."""
    return [names[o] if isinstance(o, Value) else o for o in node.operands]


def _op_text(node: Value, names: dict[Value, str]) -> str:
    """What an op's ellipse says: the node's right-hand side as the trace writes it, numbers included ("e − 1")."""
    return op_text(node.op, _operand_names(node, names)) if node.op in OPS else node.op


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


def _local_label(text: str, fontsize: int, at_head: bool | None) -> dict[str, str]:
    """An edge's d(out)/d(in), written on the edge. Between a box per node graphviz gives the label a place
    of its own mid-edge; between neurons, where many edges fan out or meet, such places pile up in one column
    between the ranks, so there the label sits at the edge's end that is its own: beside the arrow when its
    input feeds several boxes, else at its tail."""
    size = str(max(fontsize - 2, 1))
    if at_head is None:
        return {"label": text, "fontsize": size}
    if at_head:
        return {"xlabel": text, "fontsize": size}
    return {"taillabel": text, "labelfontsize": size, "labeldistance": "3", "labelangle": "-8"}


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
