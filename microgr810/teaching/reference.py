"""The reference problem as code: its network with random weights and autograd's gradients, the derivation's
hand formulas with numbers (for explain), and its names in index form W1[h,m], z1[h] (for derive and grade)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np

from ..core.checks import whole_number
from ..core.engine import Value
from ..core.losses import bce
from ..core.nn import MLP
from ..notation.formats import fmt

__all__ = [
    "ReferenceProblem",
    "GraphSize",
    "graph_size",
    "hand_formulas",
    "explain_reference",
    "derive_indexed",
    "expand_parameter",
    "parse_parameter",
    "reference_name",
    "index_form",
    "INDEX_FORM",
]


@dataclass
class ReferenceProblem:
    """W1 (H×M), b1 (H), W2 (1×H), b2 (scalar), a datapoint x (M) or batch X (N×M), targets y."""

    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray
    x: np.ndarray
    y: np.ndarray

    @classmethod
    def random(
        cls, M: int = 3, H: int = 4, *, seed: int = 0, y: float | None = None, batch: int | None = None
    ) -> ReferenceProblem:
        """Weights, inputs and targets drawn from a seeded generator (y drawn unless given)."""
        M, H = whole_number("M", M), whole_number("H", H)
        if batch is not None:
            batch = whole_number("batch", batch)
        if y is not None and not 0.0 <= y <= 1.0:
            raise ValueError(f"y must be in [0, 1], got {y!r}")
        rng = np.random.default_rng(seed)
        W1, b1 = rng.normal(size=(H, M)), rng.normal(size=H)
        W2, b2 = rng.normal(size=(1, H)), np.asarray(rng.normal())
        shape = (M,) if batch is None else (batch, M)
        x = rng.normal(size=shape)
        n = () if batch is None else (batch,)
        ys = np.full(n, float(y)) if y is not None else rng.integers(0, 2, size=n).astype(float)
        return cls(W1, b1, W2, b2, x, ys)

    def network(self) -> MLP:
        return MLP.reference(self.W1, self.b1, self.W2, self.b2)

    def loss(self, net: MLP) -> Value:
        """L for the datapoint, or the mean L over the batch, as a graph."""
        if self.x.ndim == 1:
            return bce(net.scalar(list(self.x)), float(self.y))
        return bce([net.scalar(list(row)) for row in self.x], [float(t) for t in self.y])

    def autograd(self) -> tuple[MLP, Value]:
        """The network after one backward pass of the loss, and the loss node."""
        net = self.network()
        L = self.loss(net)
        L.backward()
        return net, L


# -- its size, known from M, H and the batch before anything is built (the commands' limits) ------------


@dataclass(frozen=True)
class GraphSize:
    """The reference loss graph's size: value `nodes`, `edges` (operand links), backward `steps` (ops),
    `parameters`, and `neuron_boxes` (draw's box-per-neuron view: the inputs, each neuron, the loss)."""

    nodes: int
    edges: int
    steps: int
    parameters: int
    neuron_boxes: int

    def build_seconds(self) -> float:
        """About how long building the graph and one backward pass take (measured: 2.4-4.1 µs an edge)."""
        return 3.5e-6 * self.edges


def graph_size(M: int, H: int, batch: int | None = None) -> GraphSize:
    """The size of ReferenceProblem.random(M, H, batch=batch)'s loss graph, counted from the sizes alone.

    Per datapoint: M inputs, H hidden `linear` (M weights, M inputs, bias) and sigmoid nodes, the output
    neuron (2H + 1 edges), the loss; the MH + 2H + 1 parameters are shared; a batch adds its mean (2 nodes)."""
    M, H = whole_number("M", M), whole_number("H", H)
    n = 1 if batch is None else whole_number("batch", batch)
    parameters = M * H + 2 * H + 1
    per_point = M + 2 * H + 3  # created anew per datapoint: x, a1, z1, a2, z2 (and L)
    extra = 2 if n > 1 else 0  # a batch of one is a datapoint
    return GraphSize(
        nodes=parameters + n * per_point + extra,
        edges=n * (2 * M * H + 4 * H + 3) + (n + 1 if n > 1 else 0),
        steps=n * (2 * H + 3) + extra,
        parameters=parameters,
        neuron_boxes=n * (M + H + 2) + extra,
    )


# -- the derivation's hand formulas, with numbers (explain shows them) --------------------------------


def hand_formulas(root: Value, y: float | None) -> tuple[dict[Value, tuple[str, str, float]], list[str]]:
    """The derivation's formulas (a)-(d) for b2, W2[h], b1[h], W1[h,m] with their numbers, when root is
    the reference network's BCE loss (explain shows them beside the chain rule); else {}."""
    z2 = root.inputs[0] if root.op == "bce" and len(root.inputs) == 1 else None
    a2 = z2.inputs[0] if z2 is not None and z2.op == "sigmoid" else None
    if z2 is None or a2 is None or a2.op != "linear" or len(a2.inputs) != len(a2.operands):
        return {}, []
    H = (len(a2.inputs) - 1) // 2
    W2, z1, b2 = a2.inputs[:H], a2.inputs[H : 2 * H], a2.inputs[-1]
    if not (
        all(w.label.startswith("W2") for w in W2)
        and b2.label.startswith("b2")
        and all(z.op == "sigmoid" and z.inputs[0].op == "linear" for z in z1)
    ):
        return {}, []
    a1 = [z.inputs[0] for z in z1]
    M = (len(a1[0].inputs) - 1) // 2
    if any(
        len(a.inputs) != 2 * M + 1
        or not a.inputs[-1].label.startswith("b1")
        or not all(w.label.startswith("W1") for w in a.inputs[:M])
        for a in a1
    ):
        return {}, []
    y_hat = z2.data
    notes: list[str] = []
    if y is None:
        y = root.operands[1]  # the loss node keeps its target as a number operand
    err = f"({fmt(y_hat)} − {fmt(y)})"
    e = y_hat - y
    hand = {b2: ("ŷ − y", err, e)}
    for h in range(H):
        zh = z1[h].data
        s = f"{fmt(zh)}(1 − {fmt(zh)})"
        hand[W2[h]] = (f"z1[{h}](ŷ − y)", f"{fmt(zh)} × {err}", zh * e)
        back = W2[h].data * zh * (1.0 - zh) * e
        hand[a1[h].inputs[-1]] = (f"W2[{h}]·z1[{h}](1 − z1[{h}])(ŷ − y)", f"{fmt(W2[h].data)} × {s} × {err}", back)
        for m in range(M):
            x = a1[h].inputs[M + m].data
            hand[a1[h].inputs[m]] = (
                f"W2[{h}]·x[{m}]·z1[{h}](1 − z1[{h}])(ŷ − y)",
                f"{fmt(W2[h].data)} × {fmt(x)} × {s} × {err}",
                back * x,
            )
    return hand, notes


# -- the reference network's names, for formulas a learner writes (grade) and the index form (derive) ---

# each name's indices as the derivation writes them: h a hidden unit, m an input feature; W2 is 1×H
INDEX_FORM = {"x": ("m",), "W1": ("h", "m"), "b1": ("h",), "a1": ("h",), "z1": ("h",), "W2": ("0", "h")}
SCALARS = ("b2", "a2", "z2", "L", "y")
ALIASES = {"y_hat": "z2"}  # ŷ = z2
PARAMETERS = ("W1", "b1", "W2", "b2")


def shape_of(stem: str, M: int, H: int) -> tuple[int, ...]:
    """The index ranges of a reference name: W1 is H×M, x is M, b1/a1/z1 are H, W2 is 1×H."""
    return {"x": (M,), "W1": (H, M), "b1": (H,), "a1": (H,), "z1": (H,), "W2": (1, H)}.get(stem, ())


def reference_name(stem: str, indices: tuple[int, ...], M: int, H: int) -> str:
    """The node name a formula means: ("W2", (1,)) -> "W2[0,1]", ("y_hat", ()) -> "z2"; else ValueError."""
    stem = ALIASES.get(stem, stem)
    if stem == "W2" and len(indices) == 1:  # W2[h], as the derivation writes it, is W2[0,h]
        indices = (0, *indices)
    shape = shape_of(stem, M, H)
    if stem not in INDEX_FORM and stem not in SCALARS:
        raise ValueError(
            f"unknown name {stem!r}; the reference network has x[m], W1[h,m], b1[h], a1[h], "
            f"z1[h], W2[h], b2, a2, z2 (= y_hat), y"
        )
    if len(indices) != len(shape):
        form = f"{stem}[{','.join(INDEX_FORM[stem])}]" if stem in INDEX_FORM else stem
        raise ValueError(
            f"{stem} takes {len(shape)} ind{'ex' if len(shape) == 1 else 'ices'}, as {form}; got {len(indices)}"
        )
    for i, n in zip(indices, shape):
        if not 0 <= i < n:
            sizes = "×".join(map(str, shape))
            raise ValueError(
                f"{stem}[{','.join(map(str, indices))}] is out of range: {stem} is {sizes} "
                f"here (M = {M}, H = {H}; indices start at 0)"
            )
    return f"{stem}[{','.join(map(str, indices))}]" if indices else stem


def index_form(name: str, bound: dict[str, int], letters: dict[str, str] | None = None) -> str:
    """A concrete name written with index letters where its indices are the bound ones:
    index_form("W2[0,1]", {"h": 1}) -> "W2[h]" (as the derivation writes it); other names unchanged.
    `letters` renames the derivation's h and m (e.g. {"h": "j"} for a parameter written b1[j])."""
    stem, _, rest = name.partition("[")
    form = INDEX_FORM.get(stem)
    indices = rest.rstrip("]").split(",")
    if form is None or not rest or len(indices) != len(form):
        return name
    out = []
    for want, got in zip(form, indices):
        if want.isdigit():
            if want != got:
                return name
            continue  # W2's row 0 is not written: W2[h]
        if want not in bound:  # an index the parameter fixes (W1[h,0]) stays a number
            out.append(got)
        elif str(bound[want]) == got:
            out.append((letters or {}).get(want, want))
        else:
            return name
    return f"{stem}[{','.join(out)}]"


def parse_parameter(param: str) -> tuple[str, list[str | int]]:
    """ "W1[h,m]" -> ("W1", ["h", "m"]); "W2[h]" -> ("W2", [0, "h"]); "W1[0,2]" -> ("W1", [0, 2]); "b2" -> ("b2", []).
    An index is a whole number or one letter."""
    text = param.replace(" ", "") if isinstance(param, str) else ""
    stem, bracket, rest = text.partition("[")
    if stem not in PARAMETERS or bracket and not rest.endswith("]"):
        raise ValueError(
            f"unknown parameter {param!r:.80}; the reference network's are W1[h,m], b1[h], W2[h], b2 "
            f"(or one of them, e.g. W1[0,2])"
        )
    tokens: list[str | int] = []
    for t in rest[:-1].split(",") if bracket else []:
        if t.isdigit():
            tokens.append(int(t))
        elif len(t) == 1 and t.isalpha():
            tokens.append(t)
        else:
            raise ValueError(f"{param!r:.80}: an index is a whole number or one letter, got {t!r:.20}")
    if stem == "W2" and len(tokens) == 1:
        tokens = [0, *tokens]
    form = INDEX_FORM.get(stem, ())
    if len(tokens) != len(form):
        written = f"{stem}[{','.join(c for c in form if not c.isdigit())}]" if form else stem
        raise ValueError(f"{param!r:.80}: {stem} is written {written}")
    letters = [t for t in tokens if isinstance(t, str)]
    if len(set(letters)) != len(letters):
        raise ValueError(f"{param!r:.80}: each index needs its own letter")
    return stem, tokens


def expand_parameter(param: str, M: int, H: int) -> list[tuple[str, dict[str, int]]]:
    """Every concrete parameter `param` stands for, with its letters' values:
    "W1[h,m]" -> [("W1[0,0]", {"h": 0, "m": 0}), ("W1[0,1]", {"h": 0, "m": 1}), ...]."""
    stem, tokens = parse_parameter(param)
    shape = shape_of(stem, M, H)
    ranges = [range(n) if isinstance(t, str) else [t] for t, n in zip(tokens, shape)]
    out = []
    for values in product(*ranges):
        name = reference_name(stem, tuple(values), M, H)  # a concrete index out of range raises here
        out.append((name, {t: v for t, v in zip(tokens, values) if isinstance(t, str)}))
    return out


def derive_indexed(param: str = "W1[h,m]", M: int = 2, H: int = 2, *, seed: int = 0):
    """The derivation of ∂L/∂param for a general h and m (names like W1[h,m], z1[h], W2[h], x[m]).

    Derived for one concrete unit (h = 1 and m = 0 where the sizes allow: distinct, so a mix-up of
    h and m would show) and renamed to index letters, as the hand derivation writes it.
    """
    from .derive import derive

    stem, tokens = parse_parameter(param)
    h, m = min(1, H - 1), 0
    canonical = {"h": h, "m": m}
    form = INDEX_FORM.get(stem, ())
    letters = {c: t for c, t in zip(form, tokens) if isinstance(t, str)}  # the derivation's letter -> param's
    values = [canonical[c] if isinstance(t, str) else t for c, t in zip(form, tokens)]
    problem = ReferenceProblem.random(M, H, seed=seed, y=1.0)
    d = derive(problem.loss(problem.network()), reference_name(stem, tuple(values), M, H))
    bound = {c: canonical[c] for c in letters}
    names = set(d.values) | {f.out for p in d.paths for f in p}
    return d.renamed({n: index_form(n, bound, letters) for n in names})


def explain_reference(root: Value, node: Value | str, *, y: float | None = None) -> Any:
    """explain(root, node) with the derivation's hand formulas (a)-(d) beside the chain rule where they apply."""
    from .explain import explain

    return explain(root, node, y=y, hand=hand_formulas)
