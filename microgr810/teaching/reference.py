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
from ..notation.names import parse_name, split_stem

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
    "QUESTIONS",
    "ACTIVATIONS",
    "LOSSES",
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

    def network(self, activation: str = "sigmoid") -> MLP:
        """ŷ = σ(W2 f(W1 x + b1) + b2), f the hidden activation (the derivation's: sigmoid)."""
        if activation == "sigmoid":
            return MLP.reference(self.W1, self.b1, self.W2, self.b2)
        H, M = np.shape(self.W1)
        return MLP(M, [H, 1], activation, "sigmoid").set_arrays(W1=self.W1, b1=self.b1, W2=self.W2, b2=self.b2)

    def loss(self, net: MLP, loss: str = "bce") -> Value:
        """L for the datapoint, or the mean L over the batch, as a graph: BCE, or MSE L = (ŷ − y)²
        with y a leaf named y (so a formula and a derivation can name it)."""
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; the reference problem's are {', '.join(LOSSES)}")
        if loss == "mse":
            if self.x.ndim != 1:
                raise ValueError("the MSE variant is for one datapoint (no batch)")
            L = (net.scalar(list(self.x)) - Value(float(self.y), "y")) ** 2
            L.label = "L"
            return L
        if self.x.ndim == 1:
            return bce(net.scalar(list(self.x)), float(self.y))
        return bce([net.scalar(list(row)) for row in self.x], [float(t) for t in self.y])

    def autograd(self, activation: str = "sigmoid", loss: str = "bce") -> tuple[MLP, Value]:
        """The network after one backward pass of the loss, and the loss node."""
        net = self.network(activation)
        L = self.loss(net, loss)
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
ACTIVATIONS = ("sigmoid", "tanh")  # the hidden activations a variant may have
LOSSES = ("bce", "mse")
QUESTIONS = ("b2", "W2[h]", "b1[h]", "W1[h,m]")  # the derivation's four gradients, (a)-(d)


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
    parsed = parse_name(name)
    stem, indices = parsed.stem, parsed.index
    form = INDEX_FORM.get(stem)
    if form is None or parsed.datapoint is not None or not indices or len(indices) != len(form):
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
    parsed = parse_name(text)
    stem = parsed.stem
    if stem not in PARAMETERS or parsed.datapoint is not None:
        raise ValueError(
            f"unknown parameter {param!r:.80}; the reference network's are W1[h,m], b1[h], W2[h], b2 "
            f"(or one of them, e.g. W1[0,2])"
        )
    tokens: list[str | int] = []
    for t in parsed.index:
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


def derive_indexed(
    param: str = "W1[h,m]", M: int = 2, H: int = 2, *, seed: int = 0, activation: str = "sigmoid", loss: str = "bce"
):
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
    L = problem.loss(problem.network(activation), loss)
    d = derive(L, reference_name(stem, tuple(values), M, H))
    bound = {c: canonical[c] for c in letters}
    names = set(d.values) | {f.out for p in d.paths for f in p}
    return d.renamed({n: index_form(n, bound, letters) for n in names})


def explain_reference(root: Value, node: Value | str, *, y: float | None = None) -> Any:
    """explain(root, node) with the derivation's hand formulas (a)-(d) beside the chain rule where they apply."""
    from .explain import explain

    return explain(root, node, y=y, hand=hand_formulas)


# -- the gradients in index form, and the slips a class makes (grade reads them) -----------------------

ACTIVATIONS = ("sigmoid", "tanh")  # the hidden layer's; the output unit is always a sigmoid
LOSSES = ("bce", "mse")  # L = −(y ln ŷ + (1 − y) ln(1 − ŷ)), or L = (ŷ − y)²

# ∂L/∂a2 (the error at the output) and ∂z1[h]/∂a1[h] (the hidden slope), written in the node names
ERROR = {"bce": "(z2 - y)", "mse": "2*(z2 - y)*z2*(1 - z2)"}
SLOPE = {"sigmoid": "z1[h]*(1 - z1[h])", "tanh": "(1 - z1[h]**2)"}
# each parameter's chain as named factors, the output end last: ∂L/∂param is their product
CHAIN = {
    "b2": (),
    "W2": (("z1[h]", "∂a2/∂W2[h]"),),
    "b1": (("W2[h]", "∂a2/∂z1[h]"), ("{slope}", "∂z1[h]/∂a1[h]")),
    "W1": (("W2[h]", "∂a2/∂z1[h]"), ("x[m]", "∂a1[h]/∂W1[h,m]"), ("{slope}", "∂z1[h]/∂a1[h]")),
}


def gradient_formula(stem: str, activation: str = "sigmoid", loss: str = "bce") -> str:
    """∂L/∂stem[h,m] in index form (letters h, m), e.g. "W2[h]*x[m]*z1[h]*(1 - z1[h])*(z2 - y)"."""
    factors = [f.format(slope=SLOPE[activation]) for f, _ in CHAIN[stem]]
    return "*".join([*factors, ERROR[loss]])


def slips(stem: str, activation: str = "sigmoid", loss: str = "bce") -> list[tuple[str, str, str]]:
    """The classic wrong answers for ∂L/∂stem: (mistake, what to do about it, the wrong formula), in index
    form. grade names the first one a learner's formula equals (as a function)."""
    slope, error = SLOPE[activation], ERROR[loss]
    chain = [(f.format(slope=slope), name) for f, name in CHAIN[stem]]
    sigma = "σ′(a1[h])" if activation == "sigmoid" else "tanh′(a1[h])"
    out: list[tuple[str, str, str]] = []

    def product(factors: list[str], err: str = error) -> str:
        return "*".join([f"({f})" for f in factors] + [f"({err})"])

    base = [f for f, _ in chain]
    # the error term at the output
    errors = {
        "bce": [
            ("y replaced by 1", "y is the target: keep it as y in ŷ − y, whatever this example's label", "(z2 - 1)"),
            ("y left out", "the error at the output is ŷ − y: the target y is missing", "z2"),
            (
                "extra σ′(a2)",
                "BCE's ∂L/∂ŷ = (ŷ − y)/(ŷ(1 − ŷ)) cancels σ′(a2) = ŷ(1 − ŷ): ∂L/∂a2 is just ŷ − y",
                "(z2 - y)*z2*(1 - z2)",
            ),
            (
                "left out σ′(a2)",
                "∂L/∂ŷ = (ŷ − y)/(ŷ(1 − ŷ)) still needs ∂ŷ/∂a2 = ŷ(1 − ŷ), which gives ŷ − y",
                "(z2 - y)/(z2*(1 - z2))",
            ),
            ("error term left out", "every gradient ends with ∂L/∂a2 = ŷ − y: it is missing", "1"),
            ("a2 for ŷ", "the error is ŷ − y with ŷ = z2 = σ(a2), not a2 − y", "(a2 - y)"),
            ("MSE's derivative for BCE's", "for BCE, ∂L/∂a2 = ŷ − y (no factor 2)", "2*(z2 - y)"),
            ("σ′(a2) taken at 0", "σ′(a2) is ŷ(1 − ŷ), and BCE cancels it anyway: ∂L/∂a2 = ŷ − y", "(z2 - y)/4"),
        ],
        "mse": [
            ("y replaced by 1", "y is the target: keep it as y in ŷ − y", "2*(z2 - 1)*z2*(1 - z2)"),
            ("y left out", "the error at the output is ŷ − y: the target y is missing", "2*z2*z2*(1 - z2)"),
            ("missing the factor 2", "d(ŷ − y)²/dŷ = 2(ŷ − y): the 2 is missing", "(z2 - y)*z2*(1 - z2)"),
            ("left out σ′(a2)", "MSE does not cancel σ′(a2): ∂L/∂a2 = 2(ŷ − y)·ŷ(1 − ŷ)", "2*(z2 - y)"),
            (
                "BCE's error for MSE's",
                "ŷ − y is BCE's ∂L/∂a2; for MSE it is 2(ŷ − y)·ŷ(1 − ŷ)",
                "(z2 - y)",
            ),
            ("error term left out", "every gradient ends with ∂L/∂a2 = 2(ŷ − y)ŷ(1 − ŷ): it is missing", "1"),
        ],
    }[loss]
    for mistake, advice, err in errors:
        out.append((mistake, advice, product(base, err)))
    # the hidden slope
    if any(f == slope for f in base):
        alternatives = {
            "sigmoid": [
                (
                    f"{sigma} taken at 0",
                    "σ′(a1[h]) is z1[h](1 − z1[h]) at this unit's a1[h]; 1/4 is its value at 0",
                    "1/4",
                ),
                (
                    "tanh's slope for the sigmoid's",
                    "1 − z1[h]² is tanh's slope; the sigmoid's is z1[h](1 − z1[h])",
                    "1 - z1[h]**2",
                ),
                (
                    "only (1 − z1[h]) of σ′(a1[h])",
                    "σ′(a1[h]) = z1[h](1 − z1[h]): the factor z1[h] is missing",
                    "1 - z1[h]",
                ),
                ("only z1[h] of σ′(a1[h])", "σ′(a1[h]) = z1[h](1 − z1[h]): the factor (1 − z1[h]) is missing", "z1[h]"),
                (
                    f"left out {sigma}",
                    "the chain passes through z1[h] = σ(a1[h]): multiply by σ′(a1[h]) = z1[h](1 − z1[h])",
                    "1",
                ),
                (
                    "half-substituted slope",
                    "σ′(a1[h]) = σ(a1[h])(1 − σ(a1[h])): (1 − a1[h]) should be (1 − z1[h])",
                    "sigmoid(a1[h])*(1 - a1[h])",
                ),
                (
                    "a1[h] for z1[h] in σ′",
                    "σ′(a1[h]) = z1[h](1 − z1[h]), with z1[h] = σ(a1[h]), not a1[h]",
                    "a1[h]*(1 - a1[h])",
                ),
                ("σ for σ′", "the slope is σ′(a1[h]) = z1[h](1 − z1[h]), not σ(a1[h]) itself", "z1[h]"),
            ],
            "tanh": [
                (
                    "the sigmoid's slope for tanh's",
                    "z1[h](1 − z1[h]) is the sigmoid's slope; tanh's is 1 − z1[h]²",
                    "z1[h]*(1 - z1[h])",
                ),
                (f"left out {sigma}", "the chain passes through z1[h] = tanh(a1[h]): multiply by 1 − z1[h]²", "1"),
                ("only (1 − z1[h]) of tanh′", "tanh′(a1[h]) = 1 − z1[h]² = (1 − z1[h])(1 + z1[h])", "1 - z1[h]"),
                (f"{sigma} taken at 0", "tanh′(a1[h]) is 1 − z1[h]² at this unit's a1[h]; 1 is its value at 0", "1"),
                ("a1[h] for z1[h] in tanh′", "tanh′(a1[h]) = 1 − z1[h]², with z1[h] = tanh(a1[h])", "1 - a1[h]**2"),
                ("missing the square in tanh′", "tanh′(a1[h]) = 1 − tanh(a1[h])²: the square is missing", "1 - z1[h]"),
            ],
        }[activation]
        for mistake, advice, s in alternatives:
            out.append((mistake, advice, product([s if f == slope else f for f in base])))
    # each other factor of the chain left out, squared, or written with the wrong name
    for f, name in chain:
        if f == slope:
            continue
        rest = [g for g in base if g is not f]
        out.append((f"left out {f}", f"{name} = {f} is missing from the chain", product(rest)))
        out.append((f"extra {f}", f"{name} = {f} appears twice", product([*base, f])))
    wrong_names = {
        "x[m]": [
            ("x[h]", "x[h] for x[m]", "the input W1[h,m] multiplies is x[m] (its column m)"),
            ("W1[h,m]", "W1[h,m] for x[m]", "∂a1[h]/∂W1[h,m] is the input x[m], not the weight"),
        ],
        "W2[h]": [
            ("W1[h,m]", "W1[h,m] for W2[h]", "∂a2/∂z1[h] is the output weight W2[h]"),
            ("W2[m]", "W2[m] for W2[h]", "the output weight of unit h is W2[h]"),
        ],
        "z1[h]": [
            ("a1[h]", "a1[h] for z1[h]", "∂a2/∂W2[h] is the unit's output z1[h] = σ(a1[h]), not a1[h]"),
            ("x[h]", "x[h] for z1[h]", "W2[h] multiplies the hidden output z1[h], not an input"),
        ],
    }
    for f, _ in chain:
        for wrong, mistake, advice in wrong_names.get(f, []):
            out.append((mistake, advice, product([wrong if g is f else g for g in base])))
    if stem == "W1":
        swapped = product(base).replace("[h]", "[§]").replace("[m]", "[h]").replace("[§]", "[m]")
        out.append(("h and m swapped", "W1[h,m] joins input m to hidden unit h: x[m], but W2[h] and z1[h]", swapped))
    if stem == "b1":
        out.append(("extra x[m]", "a bias multiplies no input: ∂a1[h]/∂b1[h] = 1", product([*base, "x[m]"])))
    if stem == "b2":
        out.append(("extra z1[h]", "a bias multiplies no input: ∂a2/∂b2 = 1", product(["z1[h]"])))
    # the leaves form with a bias left out: z1[h] = σ(W1[h,:]·x) instead of σ(W1[h,:]·x + b1[h])
    act = "sigmoid" if activation == "sigmoid" else "tanh"
    truth = product(base)
    if "z1[h]" in truth:
        out.append(
            (
                "left out b1[h] in a1[h]",
                "a1[h] = W1[h,:]·x + b1[h]: the bias is part of the pre-activation",
                truth.replace("z1[h]", f"{act}(a1[h] - b1[h])"),
            )
        )
    out.append(
        (
            "left out b2 in a2",
            "a2 = W2·z1 + b2: the bias is part of the pre-activation",
            truth.replace("z2", "sigmoid(a2 - b2)"),
        )
    )
    out.append(("sign flipped", "the error is ŷ − y, not y − ŷ: the sign is flipped", f"-({truth})"))
    return out


# -- the matrix form (teaching/matrices.py, grade_matrix.py) -------------------------------------------
# Column vectors, as the derivation writes them: x is M×1, W1 H×M, b1/a1/z1 H×1, W2 1×H, b2/a2/z2 1×1.
# A batch of N datapoints is one column per datapoint: X is M×N, A1/Z1 H×N, A2/Z2/Y 1×N.

BATCH_NAMES = {"x": "X", "a": "A", "z": "Z", "y": "Y", "y_hat": "Y_hat"}  # a1 -> A1 in a batch


def matrix_name(stem: str, batch: bool) -> str:
    """The name of a matrix of the network: a1 -> a1, or A1 in a batch; W1, b1 keep theirs."""
    if not batch:
        return stem
    letters, number = split_stem(stem)
    return BATCH_NAMES.get(letters, letters) + number


def matrix_shapes(M: int, H: int, N: int | None = None) -> dict[str, tuple[int, int]]:
    """Every name a matrix formula of the reference network may use, with its shape (N: a batch)."""
    cols = 1 if N is None else N
    shapes = {"W1": (H, M), "b1": (H, 1), "W2": (1, H), "b2": (1, 1)}
    for stem, rows in (("x", M), ("a1", H), ("z1", H), ("a2", 1), ("z2", 1), ("y_hat", 1), ("y", 1)):
        shapes[matrix_name(stem, N is not None)] = (rows, cols)
    if N is not None:
        shapes["N"] = (1, 1)
    return shapes


# ∂L/∂param in matrix form: one datapoint, and a batch (L the mean over N columns)
MATRIX_GRADIENTS = {
    False: {
        "b2": "y_hat - y",
        "W2": "(y_hat - y) * z1.T",
        "b1": "W2.T * z1 * (1 - z1) * (y_hat - y)",
        "W1": "(W2.T * z1 * (1 - z1)) @ x.T * (y_hat - y)",
    },
    True: {
        "b2": "sum(Y_hat - Y, axis=1) / N",
        "W2": "(Y_hat - Y) @ Z1.T / N",
        "b1": "sum(W2.T @ (Y_hat - Y) * Z1 * (1 - Z1), axis=1) / N",
        "W1": "(W2.T @ (Y_hat - Y) * Z1 * (1 - Z1)) @ X.T / N",
    },
}

# the slips a class makes in the matrix form, as formulas that evaluate: (pattern, what it says, formula)
MATRIX_SLIPS = {
    False: {
        "W2": [
            ("wrong-name", "a1 stands where z1 belongs: W2 multiplies z1, the layer's output", "(y_hat - y) * a1.T")
        ],
        "b1": [
            ("missing-slope", "the sigmoid's slope z1 ⊙ (1 − z1) is missing", "W2.T * (y_hat - y)"),
            (
                "wrong-slope",
                "tanh's slope 1 − z1² stands where the sigmoid's z1 ⊙ (1 − z1) belongs",
                "W2.T * (1 - z1**2) * (y_hat - y)",
            ),
            ("slope-at-zero", "σ′ is taken at 0 (0.25) instead of z1 ⊙ (1 − z1)", "0.25 * W2.T * (y_hat - y)"),
        ],
        "W1": [
            ("missing-slope", "the sigmoid's slope z1 ⊙ (1 − z1) is missing", "W2.T @ x.T * (y_hat - y)"),
            (
                "wrong-slope",
                "tanh's slope 1 − z1² stands where the sigmoid's z1 ⊙ (1 − z1) belongs",
                "(W2.T * (1 - z1**2)) @ x.T * (y_hat - y)",
            ),
            ("slope-at-zero", "σ′ is taken at 0 (0.25) instead of z1 ⊙ (1 − z1)", "0.25 * W2.T @ x.T * (y_hat - y)"),
            (
                "wrong-name",
                "the slope is written with a1 where z1 belongs: σ′(a1) = z1 ⊙ (1 − z1)",
                "(W2.T * a1 * (1 - a1)) @ x.T * (y_hat - y)",
            ),
            (
                "missing-factor",
                "W2 is missing: the path from a1 to L goes through W2",
                "(z1 * (1 - z1)) @ x.T * (y_hat - y)",
            ),
        ],
    },
    True: {
        "b2": [("batch-size", "the mean over the batch is missing: divide by N", "sum(Y_hat - Y, axis=1)")],
        "W2": [("batch-size", "the mean over the batch is missing: divide by N", "(Y_hat - Y) @ Z1.T")],
        "b1": [
            ("missing-slope", "the sigmoid's slope Z1 ⊙ (1 − Z1) is missing", "sum(W2.T @ (Y_hat - Y), axis=1) / N"),
            (
                "batch-size",
                "the mean over the batch is missing: divide by N",
                "sum(W2.T @ (Y_hat - Y) * Z1 * (1 - Z1), axis=1)",
            ),
        ],
        "W1": [
            ("missing-slope", "the sigmoid's slope Z1 ⊙ (1 − Z1) is missing", "W2.T @ (Y_hat - Y) @ X.T / N"),
            (
                "batch-size",
                "the mean over the batch is missing: divide by N",
                "(W2.T @ (Y_hat - Y) * Z1 * (1 - Z1)) @ X.T",
            ),
        ],
    },
}
