"""Small graphs to practise on: every tiny graph in order of size, a random one, micrograd's neuron,
and a learner's own expression typed as text.

Quizzes (quiz.py) and the search for the classic bugs' counterexamples (misconceptions.py) draw from here.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Mapping

from ..core.engine import Value, topological_order

__all__ = [
    "small_graphs",
    "build",
    "random_graph",
    "neuron",
    "lecture_expression",
    "exp_neuron",
    "cs231n_circuit",
    "cs231n_neuron",
    "parse_expression",
    "replay",
]

SMALL_OPS = ("+", "*", "tanh")  # the search's alphabet: + and * meet an input twice, tanh nests
LEAF_DATA = (3.0, -2.0)  # a = 3 (micrograd's a*a*a example), b = -2
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _apply(op: str, args: list[Value]) -> Value:
    if op == "+":
        return args[0] + args[1]
    if op == "-":
        return args[0] - args[1]
    if op == "*":
        return args[0] * args[1]
    return getattr(args[0], op)()  # a one-input op is a method: tanh, exp, relu, sigmoid


def build(program: tuple, n_leaves: int, data: tuple[float, ...] = LEAF_DATA) -> Value:
    """The graph of a program: leaves a (, b) then one node per (op, input positions); the last is the root.

    Nodes are labelled a, b, c, ... in the order they are made (a = 1; b = a + a; c = b + b is
    ((("+", (0, 0)), ("+", (1, 1))), 1) with data (1.0,)).
    """
    nodes = [Value(data[i], _LETTERS[i]) for i in range(n_leaves)]
    for op, where in program:
        node = _apply(op, [nodes[j] for j in where])
        node.label = _LETTERS[len(nodes)]
        nodes.append(node)
    return nodes[-1]


def _choices(n_before: int) -> list[tuple[str, tuple[int, ...]]]:
    """Every op a new node can be, over the n_before nodes made so far (+ and * commute: i <= j only)."""
    out: list[tuple[str, tuple[int, ...]]] = []
    for op in SMALL_OPS:
        if op == "tanh":
            out += [(op, (i,)) for i in range(n_before)]
        else:
            out += [(op, (i, j)) for i in range(n_before) for j in range(i, n_before)]
    return out


def small_graphs(max_nodes: int = 6) -> Iterator[tuple[tuple, int]]:
    """(program, n_leaves) for every graph of SMALL_OPS over 1 or 2 leaves, fewest nodes first.

    Every node is used: each one but the root is an input of a later node, so a graph's size is
    what its drawing shows. Within a size, one leaf comes before two, then the order of SMALL_OPS.
    """
    for size in range(2, max_nodes + 1):
        for n_leaves in (1, 2):
            n_ops = size - n_leaves
            if n_ops < 1:
                continue
            steps = [_choices(n_leaves + k) for k in range(n_ops)]
            for program in itertools.product(*steps):
                used = {j for _, where in program for j in where}
                if used >= set(range(size - 1)):
                    yield program, n_leaves


def random_graph(seed: int = 0, n_ops: int | None = None) -> Value:
    """A small random expression L over 2 or 3 leaves (data to one decimal, so the sums are easy)."""
    rng = random.Random(seed)
    leaves = [Value(round(rng.uniform(-2.0, 2.0), 1) or 0.5, name) for name in "abc"[: rng.choice((2, 3))]]
    n_ops = n_ops if n_ops is not None else rng.randint(3, 5)
    open_nodes, nodes = list(leaves), list(leaves)  # open: not yet an input of anything
    for _ in range(n_ops):
        first = open_nodes.pop(rng.randrange(len(open_nodes))) if open_nodes else rng.choice(nodes)
        op = rng.choice(("+", "*", "-", "tanh", "*2", "relu"))
        if op == "*2":
            node = first * 2.0  # a number mixed in: it is not a node and gets no gradient
        elif op in ("tanh", "relu"):
            node = _apply(op, [first])
        else:
            node = _apply(op, [first, rng.choice(nodes)])
        nodes.append(node)
        open_nodes.append(node)
    while len(open_nodes) > 1:  # tie every loose end into the root
        node = open_nodes.pop() + open_nodes.pop()
        open_nodes.append(node)
    root = open_nodes[0]
    root.label = "L"
    return root


def neuron() -> Value:
    """micrograd's lecture neuron: o = tanh(x1 w1 + x2 w2 + b) at x = (2, 0), w = (-3, 1), b = 6.8813735870195432."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    x1w1 = x1 * w1
    x1w1.label = "x1w1"
    x2w2 = x2 * w2
    x2w2.label = "x2w2"
    s = x1w1 + x2w2
    s.label = "x1w1x2w2"
    n = s + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def lecture_expression() -> Value:
    """Karpathy's first lecture graph: L = (a*b + c) * f at a = 2, b = -3, c = 10, f = -2 (e = a*b, d = e + c)."""
    a, b, c, f = Value(2.0, "a"), Value(-3.0, "b"), Value(10.0, "c"), Value(-2.0, "f")
    e = a * b
    d = e + c
    L = d * f
    e.label, d.label, L.label = "e", "d", "L"
    return L


def exp_neuron(named: bool = True) -> Value:
    """The same neuron with tanh written through exp, as the lecture does: o = (e - 1)/(e + 1), e = exp(2n).
    named: label n, e and o too (else only the leaves are labelled)."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    n = x1 * w1 + x2 * w2 + b
    e = (2 * n).exp()
    o = (e - 1) / (e + 1)
    if named:
        n.label, e.label, o.label = "n", "e", "o"
    return o


def cs231n_circuit() -> Value:
    """CS231n's first circuit: f = (x + y) z at x = -2, y = 5, z = -4 (q = x + y)."""
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    q = x + y
    f = q * z
    q.label, f.label = "q", "f"
    return f


def cs231n_neuron() -> Value:
    """CS231n's sigmoid neuron through exp: f = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2))), w = (2, -3, -3), x = (-1, -2)."""
    w0, x0, w1, x1, w2 = Value(2.0, "w0"), Value(-1.0, "x0"), Value(-3.0, "w1"), Value(-2.0, "x1"), Value(-3.0, "w2")
    f = 1 / (1 + ((w0 * x0 + w1 * x1 + w2) * -1).exp())
    f.label = "f"
    return f


MAX_LENGTH = 2_000  # characters of an expression: a line or two; a longer graph is built in code


def _shown(text: str) -> str:
    """The expression as an error message echoes it: quoted, cut after 60 characters."""
    return repr(text) if len(text) <= 60 else f"{text[:60]!r}... ({len(text):,} characters)"


def parse_expression(text: str, values: Mapping[str, float] | None = None, seed: int = 0) -> Value:
    """The graph of an expression such as "tanh(a*b + c)" (read by notation.expr, the one reader): names
    are leaves (data from `values`, else drawn from the seed), numbers are numbers, functions are the op
    table's unary ops (tanh, exp, log, relu, sigmoid, ...)."""
    from ..core.engine import VALUE_MATH
    from ..notation import expr

    if len(text) > MAX_LENGTH:
        raise ValueError(f"the expression {_shown(text)} is longer than {MAX_LENGTH:,} characters")
    try:
        tree = expr.read(text)
    except expr.ExprError as e:
        what = "read the expression" if str(e).startswith(("not a formula", "cannot read")) else "use"
        raise ValueError(f"cannot {what} {_shown(text)}: {str(e)[:200]}") from None
    except (RecursionError, MemoryError):  # Python's own parser recurses: build a long chain in code instead
        raise ValueError(f"the expression is nested too deeply for Python's parser ({len(text)} characters)") from None
    for n in expr.walk(tree):  # any name is a leaf here, so f(x) is surely meant as a call
        if isinstance(n, expr.Op) and n.call and isinstance(n.args[0], expr.Name):
            raise ValueError(
                f"cannot use {n.args[0]}(...) in {_shown(text)}: {n.args[0]} is not a function "
                f"({', '.join(expr.functions())}); write {n.args[0]}*(...) for a product"
            )
    values = dict(values or {})
    rng = random.Random(seed)
    leaves: dict[str, Value] = {}

    def leaf(name: expr.Name) -> Value:
        label = str(name)
        if label not in leaves:
            data = values.pop(label) if label in values else round(rng.uniform(-2.0, 2.0), 1)
            leaves[label] = Value(data, label)
        return leaves[label]

    try:
        root = expr.evaluate(tree, VALUE_MATH, leaf)
    except (ZeroDivisionError, OverflowError) as e:  # a number past a float: its digits are not echoed
        raise ValueError(f"cannot compute {_shown(text)}: {str(e)[:120]}") from None
    if values:
        raise ValueError(f"values given for names not in the expression {_shown(text)}: {', '.join(sorted(values))}")
    if not isinstance(root, Value):
        raise ValueError(f"the expression {_shown(text)} has no names, so nothing to differentiate: use a name like x")
    if not root.label:
        root.label = "f"
    return root


def replay(root: Value):
    """(leaves, f): f() builds the graph again from the leaves' current data, through the op table.

    This is what microgr810.gradcheck needs to nudge one leaf and see the root move.
    """
    from ..core.engine import VALUE_MATH
    from ..core.ops import OPS

    order = topological_order(root)
    leaves = [n for n in order if not n.inputs]

    def f() -> Value:
        made: dict[Value, Value] = {}
        for node in order:
            if not node.inputs:
                made[node] = node
                continue
            args = [made[o] if isinstance(o, Value) else o for o in node.operands]
            made[node] = OPS[node.op].forward(VALUE_MATH, *args)
        return made[root]

    return leaves, f
