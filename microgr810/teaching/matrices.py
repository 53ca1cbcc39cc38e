"""The matrix view of an MLP: its scalar nodes grouped into the math's matrices, W_l = [W_l[h,m]].

Column vectors, as the derivation writes them: x is M×1, W1 H×M, b1, a1, z1 H×1, W2 1×H, b2, a2, z2 1×1.
A batch of N datapoints is one column per datapoint: X is M×N, A1, Z1 H×N, A2, Z2 and Y 1×N (the
weights are shared, so W1 is still H×M). Every entry is a node of the graph, so a matrix's values and
gradients are its nodes' data and grad, and `nodes` leads back to the scalars.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.engine import Value
from ..core.nn import MLP
from ..core.ops import OPS
from ..notation.names import node_names, parse_name, split_stem
from .reference import matrix_name

__all__ = ["matrices", "Matrix", "MatrixView", "MatrixStep", "backward_steps", "gradient_name"]


def _layered(stem: str) -> tuple[str, int] | None:
    """nn's labels W{l}[h,m], b{l}[h], a{l}[h], z{l}[h] of layer l: ("W", l) for the stem W{l}, else None."""
    letters, number = split_stem(stem)
    return (letters, int(number)) if letters in ("W", "b", "a", "z") and number else None


@dataclass
class Matrix:
    """One matrix of the math: its name, and the scalar node (or, for the target Y, number) at each entry."""

    name: str
    nodes: np.ndarray  # object array of Values (numbers for targets), shape rows × cols
    names: np.ndarray  # the nodes' names, as node_names writes them (W1[0,2], z1[1][n=0])
    kind: str  # "parameter", "input", "intermediate", "output", "target"

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.nodes.shape[0]), int(self.nodes.shape[1]))

    @property
    def values(self) -> np.ndarray:
        """The entries' data."""
        return np.vectorize(lambda n: n.data if isinstance(n, Value) else float(n), otypes=[float])(self.nodes)

    @property
    def grads(self) -> np.ndarray:
        """The entries' gradients ∂root/∂entry after backward (0 for a target: it is no node)."""
        return np.vectorize(lambda n: n.grad if isinstance(n, Value) else 0.0, otypes=[float])(self.nodes)

    def __repr__(self) -> str:
        return f"Matrix({self.name}, {_size(self.shape)}, {self.kind})"


class MatrixView(dict):
    """name -> Matrix, in the order the forward pass computes them; N is the batch size (None: one datapoint)."""

    def __init__(self, items: list[Matrix], N: int | None, loss: str | None = None) -> None:
        super().__init__((m.name, m) for m in items)
        self.N = N
        self.loss = loss  # the loss's op (bce, mse, ...), when the view was taken of a loss

    def shapes(self) -> dict[str, tuple[int, int]]:
        return {name: m.shape for name, m in self.items()}

    def values(self) -> dict[str, np.ndarray]:  # type: ignore[override]  # the arrays, by name
        return {name: m.values for name, m in self.items()}

    def grads(self) -> dict[str, np.ndarray]:
        return {name: m.grads for name, m in self.items()}

    def matrices(self) -> list[Matrix]:
        return list(super().values())

    def table(self) -> str:
        """Part 1's table: each matrix's shape and the scalar nodes it groups."""
        rows = [f"  {'name':6s} {'shape':>7s}  {'kind':12s} scalar nodes"]
        for m in self.matrices():
            flat = list(m.names.flat)
            nodes = ", ".join(flat) if len(flat) <= 3 else f"{flat[0]}, {flat[1]}, …, {flat[-1]}"
            rows.append(f"  {m.name:6s} {_size(m.shape):>7s}  {m.kind:12s} {nodes}")
        return "\n".join(rows)

    def __repr__(self) -> str:
        return "MatrixView(" + ", ".join(f"{n} {_size(m.shape)}" for n, m in self.items()) + ")"


def _size(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape))


def matrices(net_or_root: MLP | Value) -> MatrixView:
    """The network's matrices: of an MLP, its parameters W1, b1, W2, b2, ...; of a loss (or output)
    built by an MLP, also x (or X), a1, z1, ... (A1, Z1, ... in a batch) and the targets y (Y)."""
    if isinstance(net_or_root, MLP):
        return _from_mlp(net_or_root)
    if not isinstance(net_or_root, Value):
        raise TypeError(f"matrices() takes an MLP or a Value (its loss), got {type(net_or_root).__name__}")
    return _from_graph(net_or_root)


def _from_mlp(net: MLP) -> MatrixView:
    items = []
    for layer in net.layers:
        W = np.array([n.w for n in layer.neurons], dtype=object)
        b = np.array([[n.b] for n in layer.neurons], dtype=object)
        for name, nodes in ((f"W{layer.index}", W), (f"b{layer.index}", b)):
            items.append(Matrix(name, nodes, np.vectorize(lambda v: v.label, otypes=[object])(nodes), "parameter"))
    return MatrixView(items, None)


def _from_graph(root: Value) -> MatrixView:
    names = node_names(root)
    cells: dict[str, dict[tuple[int, int], tuple[Any, str]]] = {}  # stem -> (row, col) -> (node, name)
    targets: dict[int, float] = {}
    loss = None
    batch = any(parse_name(n).datapoint is not None for n in names.values())
    for node, name in names.items():
        p = parse_name(name)
        col = p.datapoint or 0
        target = OPS[node.op].target if node.op in OPS else None
        if target is not None:  # a loss node keeps its target y as a number operand
            targets[col], loss = float(node.operands[target]), node.op
        where = _entry(p.stem, p.index, col)
        if where is not None:
            cells.setdefault(p.stem, {})[where] = (node, name)
    if not cells:
        raise ValueError(
            f"matrices(): no node under {names[root]!r} is labelled as an MLP labels them "
            f"(x[m], W1[h,m], b1[h], a1[h], z1[h], ...): build the graph with nn.MLP"
        )
    layers = sorted({m[1] for s in cells if (m := _layered(s))})
    order = ["x"] + [f"{k}{l}" for l in layers for k in "Wbaz"]
    items = [_matrix(stem, cells[stem], batch, layers[-1] if layers else 0) for stem in order if stem in cells]
    if targets and len(targets) == max(targets) + 1:
        nodes = np.array([[targets[n] for n in range(len(targets))]], dtype=object)
        label = "y" if not batch else "Y"
        shown = np.array([[f"y[n={n}]" if batch else "y" for n in range(len(targets))]], dtype=object)
        items.append(Matrix(label, nodes, shown, "target"))
    N = max((m.shape[1] for m in items if m.kind != "parameter"), default=1) if batch else None
    return MatrixView(items, N, loss)


def _entry(stem: str, index: tuple[str, ...], col: int) -> tuple[int, int] | None:
    """Where a node sits in its matrix: W1[h,m] -> (h, m); b1[h] -> (h, 0); a1[h] of datapoint n -> (h, n);
    a2 (a one-unit layer) -> (0, n); None for a node that is no matrix entry (L, t3, ΣL)."""
    if not all(i.isdigit() for i in index):
        return None
    at = tuple(int(i) for i in index)
    if stem == "x" and len(at) == 1:
        return (at[0], col)
    m = _layered(stem)
    if m is None:
        return None
    if m[0] == "W":
        return at if len(at) == 2 else None
    if len(at) > 1:
        return None
    return (at[0] if at else 0, 0 if m[0] == "b" else col)


def _matrix(stem: str, cells: dict[tuple[int, int], tuple[Any, str]], batch: bool, last: int) -> Matrix:
    rows = max(r for r, _ in cells) + 1
    cols = max(c for _, c in cells) + 1
    if len(cells) != rows * cols:
        missing = next(f"({r}, {c})" for r in range(rows) for c in range(cols) if (r, c) not in cells)
        raise ValueError(
            f"matrices(): {stem} has {len(cells)} of its {rows}×{cols} entries; entry {missing} is missing"
        )
    nodes = np.empty((rows, cols), dtype=object)
    names = np.empty((rows, cols), dtype=object)
    for (r, c), (node, name) in cells.items():
        nodes[r, c], names[r, c] = node, name
    kind = {"W": "parameter", "b": "parameter", "x": "input"}.get(stem[0], "intermediate")
    if stem == f"z{last}":
        kind = "output"
    return Matrix(matrix_name(stem, batch) if stem[0] not in "Wb" else stem, nodes, names, kind)


# -- backprop one matrix op at a time: what the stepper and the drawing show ----------------------------

_SLOPES = {"sigmoid": "{z} * (1 - {z})", "tanh": "(1 - {z}**2)", "relu": "step({a})"}


@dataclass
class MatrixStep:
    """One matrix op of the forward pass, and the vectorised lines that backpropagate through it."""

    forward: str  # "a1 = W1 @ x + b1"
    output: str  # the matrix it makes ("a1"); "L" for the loss
    inputs: list[str]  # the matrices it reads
    lines: list[tuple[str, str]]  # (gradient, formula): ("dW1", "dA1 @ x.T")


def gradient_name(name: str) -> str:
    """The name of ∂L/∂name in a backward line: dW1, db1 for parameters, dA1, dZ1, dX for the rest."""
    return "d" + (name if name[0] in "Wb" else name[0].upper() + name[1:])


def backward_steps(view: MatrixView) -> list[MatrixStep]:
    """The forward pass as matrix ops, latest first, each with its backward lines in matrix notation.

    The loss is BCE (or MSE) of the last layer's output, the mean over a batch's columns.
    """
    layers = sorted(m[1] for name in view if (m := _layered(name)) and m[0] == "W")
    if not layers or "L" in view:
        raise ValueError("backward_steps: the view holds no layer W1, ...; take matrices() of a loss built by nn.MLP")
    batch = view.N is not None

    def name(stem: str) -> str:
        return matrix_name(stem, batch)

    last = layers[-1]
    steps: list[MatrixStep] = []
    z_out, y = name(f"z{last}"), name("y")
    dz = gradient_name(z_out)
    per = " / N" if batch else ""
    rule = {"bce": f"({z_out} - {y}) / ({z_out} * (1 - {z_out})){per}", "mse": f"2 * ({z_out} - {y}){per}"}
    if z_out in view and y in view and view.loss in rule:
        steps.append(MatrixStep(f"L = {view.loss}({z_out}, {y})", "L", [z_out, y], [(dz, rule[view.loss])]))
    for l in reversed(layers):
        a, z = name(f"a{l}"), name(f"z{l}")
        prev = name("x") if l == 1 else name(f"z{l - 1}")
        op = _activation(view, z)
        if z in view and a in view:
            slope = _SLOPES.get(op, "1").format(z=z, a=a)
            steps.append(MatrixStep(f"{z} = {op}({a})", z, [a], [(gradient_name(a), f"{gradient_name(z)} * {slope}")]))
        if a not in view:
            continue
        da = gradient_name(a)
        lines = [(f"dW{l}", f"{da} @ {prev}.T"), (f"db{l}", f"sum({da}, axis=1)" if batch else da)]
        if l > 1:
            lines.append((gradient_name(prev), f"W{l}.T @ {da}"))
        steps.append(MatrixStep(f"{a} = W{l} @ {prev} + b{l}", a, [f"W{l}", prev, f"b{l}"], lines))
    return steps


def _activation(view: MatrixView, z: str) -> str:
    """The op that makes z's entries (sigmoid, tanh, relu), read off the graph's nodes."""
    m = view.get(z)
    first = m.nodes.flat[0] if m is not None else None
    return first.op if isinstance(first, Value) and first.op else "linear"


@dataclass
class ShapeTable:
    """Part 1 from the matrix view: the reference network's matrices and whether they compose."""

    view: MatrixView
    lines: list[str]
    ok: bool

    def __str__(self) -> str:
        return "\n".join(self.lines)


def shape_table(M: int, H: int, N: int | None = None) -> ShapeTable:
    """The reference network's matrices (a batch of N as columns), composed as the network does:
    W1 @ x + b1 and W2 @ z1 + b2 must have the shapes, and the values, of the graph's own a1 and a2."""
    from .reference import ReferenceProblem

    p = ReferenceProblem.random(M, H, seed=0, batch=N)
    view = matrices(p.loss(p.network()))
    x, a1, z1, a2 = (matrix_name(n, N is not None) for n in ("x", "a1", "z1", "a2"))
    v = view.values()
    out1, out2 = v["W1"] @ v[x] + v["b1"], v["W2"] @ v[z1] + v["b2"]
    ok = out1.shape == view[a1].shape and out2.shape == view[a2].shape
    ok = ok and bool(np.allclose(out1, v[a1]) and np.allclose(out2, v[a2]))
    columns = f"; a batch of N = {N} datapoints, one per column" if N else ""
    verdict = f"shapes compose (and give the graph's {a1} and {a2})" if ok else "MISMATCH"
    lines = [
        f"Part 1: shapes for M = {M} features, H = {H} hidden units (column vectors{columns})",
        view.table(),
        f"  W1 @ {x} + b1 -> {_size(out1.shape)}, W2 @ {z1} + b2 -> {_size(out2.shape)}: {verdict}",
    ]
    return ShapeTable(view, lines, ok)
