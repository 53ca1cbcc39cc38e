"""Backprop step by step: record what the engine's own `backward` does, one step per interior node.

`trace_backward(root)` runs `root.backward(on_step=hook)`. The engine calls the hook just before a
node passes its gradient on, so the hook reads the upstream gradient, the stored local derivatives
and the inputs' gradients before; the "after" values are read at the next hook call (the previous
node's flow has finished by then) and once backward returns. Nothing here applies the chain rule:
the numbers are the engine's, so the trace cannot drift from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.engine import Value
from ..notation.formats import fmt, latex_name, md_code, md_table, tex_number, tex_partial
from ..notation.names import node_names, partial, slots
from ..notation.text import local_text, op_text

__all__ = ["trace_backward", "Trace", "Step", "Flow", "node_names", "formula", "fmt"]


def formula(node: Value, names: dict[Value, str], latex: bool = False) -> tuple[str, list[str]]:
    """(the node's right-hand side, d node / d input for each input), written with `names` from the op table,
    in plain text or in LaTeX."""
    operands = [names[x] if isinstance(x, Value) else x for x in node.operands]
    local = local_text(node.op, operands, names[node], latex=latex)
    return op_text(node.op, operands, latex=latex), [t for t in local if t is not None]


@dataclass(slots=True)
class Flow:
    """One input's share of a step: input.grad += local × upstream, from grad_before to grad_after."""

    input: Value
    name: str
    local: float
    contribution: float
    grad_before: float
    grad_after: float = float("nan")  # read once the engine has applied the whole step


@dataclass(slots=True)
class Step:
    """One interior node passing its gradient ∂root/∂node (`upstream`) on to its inputs."""

    index: int
    node: Value
    name: str
    root_name: str
    upstream: float
    names: dict[Value, str] = field(repr=False)  # the trace's, to write formulas when printed
    flows: list[Flow] = field(default_factory=list)

    def header(self, digits: int = 4) -> str:
        """E.g. "a2 = W2[0,:]·z1 + b2 = 0.9931   ∂L/∂a2 = 0.731"."""
        return (
            f"{self.name} = {formula(self.node, self.names)[0]} = {fmt(self.node.data, digits)}   "
            f"{partial(self.root_name, self.name)} = {fmt(self.upstream, digits)}"
        )

    def rows(self, digits: int = 4) -> list[str]:
        """One line per input, e.g. "∂L/∂b2 += 0.731 × 1 = 0.731   (0 → 0.731)   ∂a2/∂b2 = 1"; an input
        met twice says which slot: "∂t1/∂a (2nd) = a"."""
        cols = [
            (
                f"{partial(self.root_name, f.name)} += {fmt(self.upstream, digits)} × {fmt(f.local, digits)}",
                f"= {fmt(f.contribution, digits)}",
                f"({fmt(f.grad_before, digits)} → {fmt(f.grad_after, digits)})",
                f"{partial(self.name, f.name)}{f' ({slot})' if slot else ''} = {lf}",
            )
            for f, slot, lf in zip(self.flows, slots(self.node), formula(self.node, self.names)[1])
        ]
        widths = [max((len(c[j]) for c in cols), default=0) for j in range(3)]
        return ["  ".join(c[j].ljust(widths[j]) for j in range(3)) + "  " + c[3] for c in cols]

    def __str__(self) -> str:
        return "\n".join([f"step {self.index + 1}: {self.header()}", *("    " + r for r in self.rows())])

    def latex_rows(self, digits: int = 4) -> list[str]:
        """The step as rows of a LaTeX array (columns: the flow, before → after, the local derivative)."""
        rhs, local = formula(self.node, self.names, latex=True)
        name, root = latex_name(self.name), self.root_name
        rows = [
            rf"\text{{step {self.index + 1}: }} {name} = {rhs} = {tex_number(self.node.data, digits)} "
            rf"&& {tex_partial(root, self.name)} = {tex_number(self.upstream, digits)}"
        ]
        for f, slot, lf in zip(self.flows, slots(self.node), local):
            rows.append(
                rf"\quad {tex_partial(root, f.name)} \mathrel{{+}}= {tex_number(self.upstream, digits)} "
                rf"\times {tex_number(f.local, digits, bracket=True)} = {tex_number(f.contribution, digits)} "
                rf"& ({tex_number(f.grad_before, digits)} \to {tex_number(f.grad_after, digits)}) "
                rf"& {tex_partial(self.name, f.name, slot)} = {lf}"
            )
        return rows

    def markdown_rows(self, digits: int = 4) -> list[list[str]]:
        """The step as rows of a Markdown table: step, node, ∂root/∂node, flow, before → after, local derivative."""
        head = [
            str(self.index + 1),
            md_code(f"{self.name} = {formula(self.node, self.names)[0]} = {fmt(self.node.data, digits)}"),
            fmt(self.upstream, digits),
        ]
        rows: list[list[str]] = []
        for f, slot, lf in zip(self.flows, slots(self.node), formula(self.node, self.names)[1]):
            rows.append(
                [
                    *(head if not rows else ["", "", ""]),
                    md_code(
                        f"{partial(self.root_name, f.name)} += {fmt(self.upstream, digits)} × "
                        f"{fmt(f.local, digits)} = {fmt(f.contribution, digits)}"
                    ),
                    f"{fmt(f.grad_before, digits)} → {fmt(f.grad_after, digits)}",
                    md_code(f"{partial(self.name, f.name)}{f' ({slot})' if slot else ''} = {lf}"),
                ]
            )
        return rows or [[*head, "", "", ""]]


@dataclass(slots=True)
class Trace:
    """The steps of one backward pass from `root`, in the order the engine applied them."""

    root: Value
    steps: list[Step] = field(repr=False)
    names: dict[Value, str] = field(repr=False)

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self):
        return iter(self.steps)

    def __getitem__(self, i: int) -> Step:
        return self.steps[i]

    def _head(self) -> str:
        r, n = self.names[self.root], len(self.steps)
        return f"backward from {r}: {n} step{'s' * (n != 1)}, {partial(r, r)} = 1"

    def __str__(self) -> str:
        return "\n".join([self._head(), *map(str, self.steps)])

    def latex(self, digits: int = 4) -> str:
        """The trace as a LaTeX array, for slides: math mode, so put it inside \\[ ... \\] or $$ ... $$."""
        r = self.names[self.root]
        rows = [
            rf"\text{{backward from }} {latex_name(r)}\text{{: {len(self.steps)} steps}}, \quad "
            rf"{tex_partial(r, r)} = 1 &&"
        ]
        for step in self.steps:
            rows += step.latex_rows(digits)
        return "\\begin{array}{lll}\n" + " \\\\\n".join(rows) + "\n\\end{array}"

    def markdown(self, digits: int = 4) -> str:
        """The trace as a Markdown table, for notes: one row per input of each step."""
        r = self.names[self.root]
        rows = [row for step in self.steps for row in step.markdown_rows(digits)]
        head = ["step", "node", md_code(f"∂{r}/∂node"), "gradient flow", "before → after", "local derivative"]
        n = len(self.steps)
        top = f"backward from {md_code(r)}: {n} step{'s' * (n != 1)}, {md_code(f'{partial(r, r)} = 1')}"
        return f"{top}\n\n" + md_table(head, rows, right={0, 2})

    def frame(self, k: int) -> dict[Value, tuple[str, float | None]]:
        """Every node's (phase, gradient) after the first k steps: step k's node is "current", earlier
        ones "done", later ones "pending"; a leaf is "done" once every step feeding it is. The gradient
        is as it stood then (None: none has arrived yet)."""
        if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= len(self.steps):
            raise ValueError(f"step must be an int from 0 to {len(self.steps)} for this trace, got {k!r}")
        grads: dict[Value, float] = {self.root: self.steps[0].upstream if self.steps else self.root.grad}
        fed_later: set[Value] = set()
        for s in self.steps[:k]:
            for f in s.flows:
                grads[f.input] = f.grad_after
        for s in self.steps[k:]:
            fed_later.update(f.input for f in s.flows)
        stepped = {s.node: s.index for s in self.steps}
        out = {}
        for node in self.names:
            i = stepped.get(node)
            if i is None:
                status = "pending" if node in fed_later or node is self.root and k == 0 else "done"
            else:
                status = "done" if i < k - 1 else "current" if i == k - 1 else "pending"
            out[node] = (status, grads.get(node))
        return out


def trace_backward(root: Value) -> Trace:
    """Run `root.backward()` and return its steps: for each interior node, ∂root/∂node and every
    input's local derivative, contribution and gradient before and after.

    The leaves under root start from 0 (as after `zero_grad()`), so the trace shows one clean
    backward pass, and tracing a graph that already ran backward does not double its gradients.
    """
    if not isinstance(root, Value):
        raise TypeError(f"trace_backward: root must be a Value, got {type(root).__name__}: {root!r:.80}")
    names = node_names(root)
    for node in names:
        if not node.op:
            node.grad = 0.0
    root_name = names[root]
    steps: list[Step] = []

    open_step: list[Step] = []  # the step whose "after" values are still to read

    def finish() -> None:
        if open_step:
            # an input met twice in one step (b = a*a) gets two adds in order: the engine's value
            # is final only after the last; an earlier one ends where the next one starts
            next_before: dict[Value, float] = {}
            for f in reversed(open_step.pop().flows):
                f.grad_after = next_before.get(f.input, f.input.grad)
                next_before[f.input] = f.grad_before

    def hook(node: Value) -> None:
        finish()  # the engine has applied the previous step by now
        if not node.op:
            return
        g = node.grad
        step = Step(len(steps), node, names[node], root_name, g, names)
        running: dict[Value, float] = {}
        for child, local in zip(node.inputs, node.local_grads):
            before = running.get(child, child.grad)
            contribution = local * g  # the very product the engine adds next
            step.flows.append(Flow(child, names[child], local, contribution, before))
            running[child] = before + contribution
        steps.append(step)
        open_step.append(step)

    root.backward(on_step=hook)
    finish()
    return Trace(root, steps, names)
