"""Backprop step by step: record what the engine's own `backward` does, one step per interior node.

`trace_backward(root)` runs `root.backward(on_step=hook)`. The engine calls the hook just before a
node passes its gradient on, so the hook reads the upstream gradient, the stored local derivatives
and the inputs' gradients before; the "after" values are read at the next hook call (the previous
node's flow has finished by then) and once backward returns. Nothing here applies the chain rule:
the numbers are the engine's, so the trace cannot drift from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .engine import Value, topological_order

__all__ = ["trace_backward", "Trace", "Step", "Flow", "node_names", "formula", "fmt"]


def fmt(x: float, digits: int = 4) -> str:
    """A number as the tables print it: `digits` significant digits, no trailing zeros."""
    return f"{x:.{digits}g}"


def node_names(root: Value) -> dict[Value, str]:
    """A name for every node under root: its label, a constant's value, else its op and a short index ("*#3")."""
    names = {}
    for i, node in enumerate(topological_order(root)):
        if node.label:
            names[node] = node.label
        elif node._op == "const":
            names[node] = fmt(node.data)
        else:
            names[node] = f"{node._op or 'leaf'}#{i}"
    return names


def _stem(names: list[str]) -> str:
    """A block written as the math writes it: x[0], x[1] -> "x"; W1[1,0], W1[1,1] -> "W1[1,:]" (a row);
    anything else -> the names in a row."""
    stems = {n.split("[", 1)[0] for n in names}
    if len(stems) != 1 or not all("[" in n for n in names):
        return "(" + ", ".join(names) + ")"
    rows = {n.split("[", 1)[1].split(",")[0] for n in names if "," in n}
    if len(rows) == 1 and all("," in n for n in names):
        return f"{stems.pop()}[{rows.pop()},:]"
    return stems.pop()


def _wxb(a: list[str]) -> tuple[list[str], list[str]]:
    """A linear node's inputs are (w_0..w_n-1, x_0..x_n-1, b): the names of w and of x."""
    n = (len(a) - 1) // 2
    return a[:n], a[n:2 * n]


# op -> (how to write the node from its inputs' names, how to write d node / d input i).
# `a` lists the inputs' names, `o` is the node's own name; the ops of any arity (linear, sum) take
# the whole list. This is the one place that knows how each op reads in math.
_OPS: dict[str, tuple[Callable[[list[str]], str], Callable[[list[str], str, int], str]]] = {
    "+": (lambda a: f"{a[0]} + {a[1]}", lambda a, o, i: "1"),
    "-": (lambda a: f"{a[0]} − {a[1]}", lambda a, o, i: ("1", "−1")[i]),
    "*": (lambda a: f"{a[0]} · {a[1]}", lambda a, o, i: a[1 - i]),
    "/": (lambda a: f"{a[0]} / {a[1]}", lambda a, o, i: (f"1/{a[1]}", f"−{a[0]}/{a[1]}²")[i]),
    "neg": (lambda a: f"−{a[0]}", lambda a, o, i: "−1"),
    "**": (lambda a: f"{a[0]}^{a[1]}", lambda a, o, i: (f"{a[1]}·{a[0]}^({a[1]}−1)", f"{o}·ln {a[0]}")[i]),
    "exp": (lambda a: f"exp({a[0]})", lambda a, o, i: o),
    "log": (lambda a: f"ln({a[0]})", lambda a, o, i: f"1/{a[0]}"),
    "tanh": (lambda a: f"tanh({a[0]})", lambda a, o, i: f"1 − {o}²"),
    "sigmoid": (lambda a: f"σ({a[0]})", lambda a, o, i: f"{o}(1 − {o})"),
    "relu": (lambda a: f"relu({a[0]})", lambda a, o, i: f"[{a[0]} > 0]"),
    "sum": (lambda a: " + ".join(a), lambda a, o, i: "1"),
    "linear": (lambda a: f"{_stem(_wxb(a)[0])}·{_stem(_wxb(a)[1])} + {a[-1]}",
               lambda a, o, i: "1" if i == len(a) - 1 else (_wxb(a)[1] + _wxb(a)[0])[i]),  # d/dw_i = x_i, d/dx_i = w_i
    "bce": (lambda a: f"−(y ln {a[0]} + (1 − y) ln(1 − {a[0]}))",
            lambda a, o, i: f"({a[0]} − y) / ({a[0]}(1 − {a[0]}))"),
    "bce_logits": (lambda a: f"softplus({a[0]}) − y·{a[0]}", lambda a, o, i: f"σ({a[0]}) − y"),
}


def formula(node: Value, names: dict[Value, str]) -> tuple[str, list[str]]:
    """(the node's right-hand side, d node / d input for each input), written with `names`."""
    a = [names[c] for c in node._prev]
    op = node._op
    if op.startswith("**") and op != "**":  # a constant power n, stored as "**n"
        n = op[2:]
        return f"{a[0]}^{n}", [f"{n}·{a[0]}^({n}−1)"]
    write, local = _OPS.get(op, (lambda a: f"{op}({', '.join(a)})", lambda a, o, i: f"∂{o}/∂{a[i]}"))
    o = names[node]
    return write(a), [local(a, o, i) for i in range(len(a))]


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
        return (f"{self.name} = {formula(self.node, self.names)[0]} = {fmt(self.node.data, digits)}   "
                f"∂{self.root_name}/∂{self.name} = {fmt(self.upstream, digits)}")

    def rows(self, digits: int = 4) -> list[str]:
        """One line per input, e.g. "∂L/∂b2 += 0.731 × 1 = 0.731   (0 → 0.731)   ∂a2/∂b2 = 1"."""
        cols = [(f"∂{self.root_name}/∂{f.name} += {fmt(self.upstream, digits)} × {fmt(f.local, digits)}",
                 f"= {fmt(f.contribution, digits)}",
                 f"({fmt(f.grad_before, digits)} → {fmt(f.grad_after, digits)})",
                 f"∂{self.name}/∂{f.name} = {lf}") for f, lf in zip(self.flows, formula(self.node, self.names)[1])]
        widths = [max((len(c[j]) for c in cols), default=0) for j in range(3)]
        return ["  ".join(c[j].ljust(widths[j]) for j in range(3)) + "  " + c[3] for c in cols]

    def __str__(self) -> str:
        return "\n".join([f"step {self.index + 1}: {self.header()}", *("    " + r for r in self.rows())])


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

    def __str__(self) -> str:
        head = f"backward from {self.names[self.root]}: {len(self.steps)} steps, ∂{self.names[self.root]}/∂{self.names[self.root]} = 1"
        return "\n".join([head, *map(str, self.steps)])

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
        if not node._prev:
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
        if not node._prev:
            return
        g = node.grad
        step = Step(len(steps), node, names[node], root_name, g, names)
        running: dict[Value, float] = {}
        for child, local in zip(node._prev, node._local):
            before = running.get(child, child.grad)
            contribution = local * g  # the very product the engine adds next
            step.flows.append(Flow(child, names[child], local, contribution, before))
            running[child] = before + contribution
        steps.append(step)
        open_step.append(step)

    root.backward(on_step=hook)
    finish()
    return Trace(root, steps, names)
