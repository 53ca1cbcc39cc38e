"""Which boxes a drawing shows (one per node, one per neuron, or only the chain-rule paths to one node),
and what each box shows in each frame of backward.

A Box stands for one or more nodes of the graph and shows one of them (its data and gradient).
`boxes(order)` gives a box per node; `boxes(order, collapse=True)` folds each neuron (a `linear`
node with its weight and bias leaves, then its activation) into one box; `paths_to(boxes, targets)`
keeps the boxes on some root-to-target path. Everything walks the topological order: no recursion.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..core.engine import Value
from ..teaching.trace import Trace

__all__ = [
    "Box",
    "Frame",
    "boxes",
    "box_index",
    "grad_text",
    "grad_widths",
    "holding",
    "paths_to",
    "step_frames",
    "weights_and_bias",
]


@dataclass(eq=False)
class Box:
    """One box of a drawing.

    node: the node whose data and gradient the box shows (a neuron's activation, or its linear node).
    steps: the interior nodes it stands for: while backward steps through any of them, the box is lit.
    inputs, locals: the Values outside the box that feed it, and d(first step)/d(input) for each.
    linear: a neuron's linear node (None for a plain node); inside: leaves drawn inside the box.
    """

    node: Value
    steps: tuple[Value, ...]
    inputs: tuple[Value, ...]
    locals: tuple[float, ...]
    linear: Value | None = None
    inside: tuple[Value, ...] = ()

    @property
    def is_neuron(self) -> bool:
        return self.linear is not None


def boxes(order: Sequence[Value], collapse: bool = False) -> list[Box]:
    """A box per node of `order` (inputs before users), or with collapse=True one per neuron."""
    if not collapse:
        return [Box(n, (n,) if n.inputs else (), n.inputs, n.local_grads) for n in order]
    users: dict[Value, list[Value]] = {}
    for node in order:
        for child in node.inputs:
            users.setdefault(child, []).append(node)
    folded: set[Value] = set()  # nodes drawn inside some neuron's box
    out: list[Box] = []
    neuron_of: dict[Value, Box] = {}  # activation (or lone linear) -> its neuron box
    for node in order:
        if node.op != "linear":
            continue
        weights = weights_and_bias(node)
        # a weight is drawn inside the box only if nothing but neurons' w·x + b reads it
        inside = tuple(
            w
            for w in weights
            if not w.inputs and all(u.op == "linear" and w in weights_and_bias(u) for u in users.get(w, ()))
        )
        act = users.get(node, [])
        # an activation is one op of one operand whose only input is this linear node
        top = act[0] if len(act) == 1 and len(act[0].operands) == 1 else node
        kept = [(c, d) for c, d in zip(node.inputs, node.local_grads) if c not in inside]
        box = Box(
            top,
            (node, top) if top is not node else (node,),
            tuple(c for c, _ in kept),
            tuple(d for _, d in kept),
            node,
            inside,
        )
        neuron_of[top] = box
        folded.update(inside)
        folded.add(node)
    for node in order:
        if node in neuron_of:
            out.append(neuron_of[node])
        elif node not in folded:
            out.append(Box(node, (node,) if node.inputs else (), node.inputs, node.local_grads))
    return out


def weights_and_bias(linear: Value) -> list[Value]:
    """The Values among a linear node's weights and bias: its operands are (w_0..w_n-1, x_0..x_n-1, b)."""
    ops = linear.operands
    n = (len(ops) - 1) // 2
    return [v for v in (*ops[:n], ops[-1]) if isinstance(v, Value)]


def box_index(bs: Sequence[Box]) -> dict[Value, int]:
    """The box each node with a box of its own is drawn in: a box's node and its steps (each in one box)."""
    return {node: i for i, b in enumerate(bs) for node in (b.node, *b.steps)}


def holding(bs: Sequence[Box], node: Value) -> set[int]:
    """Every box that shows `node`: its own, or each neuron with it inside (a weight shared by a batch)."""
    return {i for i, b in enumerate(bs) if node is b.node or node in b.steps or node in b.inside}


def paths_to(bs: Sequence[Box], targets: set[int]) -> set[int]:
    """The boxes on some root-to-target path: the targets and every box with an input box on one."""
    index = box_index(bs)
    on = set(targets)
    for i, b in enumerate(bs):  # inputs come first, so each input's answer is known when its user is reached
        if i not in on and any(index.get(c) in on for c in b.inputs):
            on.add(i)
    return on


@dataclass(frozen=True)
class Frame:
    """The drawing after k backward steps, box by box."""

    phases: tuple[str, ...]  # "done", "current" or "pending"
    grads: tuple[str, ...]  # the grad cell's text: "grad ?" until a gradient arrives
    current: int | None  # the box whose step this is (None before the first step)
    flow: bool = False  # the step passes gradient along the current box's input edges (a neuron's
    # activation step passes it inside the box, to its w·x + b)


def grad_text(grad: float | None, precision: int = 4) -> str:
    """A grad cell: "grad 0.25", or "grad ?" while no gradient has arrived."""
    return "grad ?" if grad is None else f"grad {grad:.{precision}g}"


def step_frames(trace: Trace, bs: Sequence[Box], precision: int = 4, ks: Iterable[int] | None = None) -> list[Frame]:
    """Frames of backward, k in ks (default every k = 0 .. len(trace)): what `draw(root, step=k)` shows.

    A box is current while any node it stands for takes its step, pending while any still waits.
    """
    index = box_index(bs)
    frames = []
    for k in range(len(trace) + 1) if ks is None else ks:
        f = trace.frame(k)
        phases = []
        for b in bs:
            ps = {f[n][0] for n in (b.steps or (b.node,))}
            phases.append("current" if "current" in ps else "pending" if "pending" in ps else "done")
        current, flow = None, False
        if k:
            node = trace[k - 1].node
            current = index[node]
            linear = bs[current].linear
            flow = linear is None or linear is node  # a neuron's activation step stays inside its box
        frames.append(Frame(tuple(phases), tuple(grad_text(f[b.node][1], precision) for b in bs), current, flow))
    return frames


def grad_widths(trace: Trace, bs: Sequence[Box], precision: int = 4) -> list[int]:
    """For each box, its longest grad text in any frame (in characters): every value its gradient takes
    on the way is a flow's "after", so one pass over the flows finds them without drawing each frame."""
    longest = {b.node: len(grad_text(None, precision)) for b in bs}
    longest[trace.root] = len(grad_text(trace[0].upstream if len(trace) else trace.root.grad, precision))
    for step in trace:
        for f in step.flows:
            if f.input in longest:
                longest[f.input] = max(longest[f.input], len(grad_text(f.grad_after, precision)))
    return [longest[b.node] for b in bs]
