"""Grade a whole matrix's gradient written in matrix form, dW1 = (W2.T * z1 * (1 - z1)) @ x.T * (y_hat - y).

Shapes first: the formula is read into numpy (notation/matrix_formula) with every operation's shapes
checked, and its result must have the parameter's shape. Then values: every entry is compared with the
scalar engine's exact gradient (matrices(L).grads) on fresh random networks with targets y drawn from
(0, 1). A formula is a fixed composition of smooth functions of the weights, inputs and targets, so a
wrong one agrees with the gradient on a random network with probability 0: it would have to hit the zero
set of a nonzero analytic function; float64 noise is far below the tolerance (relative 1e-7).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

import numpy as np

from ..notation.expr import ExprError
from ..notation.matrix_formula import ShapeError, Term, evaluate, read, size
from .matrices import MatrixView, matrices
from .reference import MATRIX_SLIPS, PARAMETERS, ReferenceProblem, matrix_shapes

__all__ = ["grade_matrix", "MatrixVerdict", "is_matrix_question", "NETWORKS", "MAX_SIZE"]

NETWORKS = 4  # fresh random networks per call (2 past BIG scalar weights-times-datapoints: each is seconds there)
BIG = 20_000
RTOL, ATOL = 1e-7, 1e-12
BUDGET = 5.0  # seconds: past it, "undecided"
MAX_SIZE = 64  # M, H and N at most this
EXIT = {"correct": 0, "wrong": 1, "malformed": 2, "undecided": 3}


@dataclass
class MatrixVerdict:
    """Whether `formula` is the whole matrix ∂L/∂param; `mistake` names the pattern when there is one."""

    question: str  # "∂L/∂W1 (4×3)"
    formula: str
    verdict: str  # correct, wrong, malformed, undecided
    diagnosis: str = ""
    mistake: str | None = None  # inner-sizes, transposed, star-for-matmul, outer-vs-inner, missing-slope, ...
    shape: tuple[int, ...] | None = None  # the formula's result
    wrong: list[str] = field(default_factory=list)  # the entries that differ, by node name
    checked: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.verdict == "correct"

    @property
    def exit_code(self) -> int:
        return EXIT[self.verdict]

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        head = {"correct": "correct", "wrong": "WRONG", "malformed": "not read", "undecided": "undecided"}
        lines = [f"{self.question} = {self.formula}: {head[self.verdict]}"]
        if self.checked:
            lines.append(f"  {self.checked}")
        if self.diagnosis:
            lines.append(f"  {'diagnosis' if self.verdict == 'wrong' else 'why'}: {self.diagnosis}")
        return "\n".join(lines)


def is_matrix_question(param: object, batch: int | None = None) -> bool:
    """`W1`, `b1`, `W2` with no index ask for the whole matrix (`W1[h,m]` for one element); b2 is 1×1
    and its element form is the grader's, unless a batch is given (a batch is written in matrices)."""
    if not isinstance(param, str):
        return False
    name = param.strip()
    return name in PARAMETERS and (name != "b2" or batch is not None)


def grade_matrix(
    param: str, formula: str, *, M: int = 3, H: int = 4, batch: int | None = None, seed: int | None = None
) -> MatrixVerdict:
    """Is `formula` (matrix notation) ∂L/∂param for the reference network, one datapoint or a batch of N?

    Names: x, W1, b1, a1, z1, W2, b2, a2, z2 = y_hat, y (column vectors); in a batch X (M×N), A1, Z1, A2,
    Z2 = Y_hat, Y and N. seed: the first network's (None: fresh, and reported so a verdict can be replayed).
    """
    start = time.perf_counter()
    param = param.strip() if isinstance(param, str) else param
    N = batch
    shapes = matrix_shapes(M, H, N) if _sizes_ok(M, H, N) else {}
    expected = shapes.get(param) if isinstance(param, str) and param in PARAMETERS else None
    question = f"∂L/∂{param}" + (f" ({size(expected)})" if expected else "")
    verdict = MatrixVerdict(question, formula if isinstance(formula, str) else repr(formula), "malformed")
    if not shapes:
        verdict.diagnosis = f"M, H and the batch size must be whole numbers from 1 to {MAX_SIZE}"
        return verdict
    if expected is None:
        verdict.diagnosis = f"unknown parameter {param!r:.40}; the reference network's matrices are W1, b1, W2, b2"
        return verdict
    try:
        tree = read(formula)
    except ExprError as e:
        verdict.diagnosis = str(e)
        return verdict
    seed = secrets.randbits(31) if seed is None else seed
    networks = NETWORKS if M * H * (N or 1) <= BIG else 2
    where = f"on {networks} random networks (seeds {seed}–{seed + networks - 1}, y drawn from (0, 1))"
    worst = 0.0
    for k in range(networks):
        if time.perf_counter() - start > BUDGET:
            verdict.verdict, verdict.checked = "undecided", f"could not decide in time; checked {k} networks"
            break
        view = _network(M, H, N, seed + k)
        env = _environment(view)
        try:
            got = evaluate(tree, env)
        except ShapeError as e:
            verdict.verdict, verdict.mistake, verdict.diagnosis = "wrong", e.mistake, str(e)
            break
        except ExprError as e:
            verdict.diagnosis = str(e)
            break
        except (ArithmeticError, MemoryError) as e:  # numpy answers inf or NaN; this is a last guard
            verdict.verdict, verdict.mistake = "wrong", "not-finite"
            verdict.diagnosis = f"your formula cannot be computed here ({type(e).__name__})"
            break
        truth = view[param].grads
        if got.shape != expected:
            verdict.verdict, verdict.shape = "wrong", got.shape
            verdict.mistake, verdict.diagnosis = _shape_mistake(got, expected, param, N is not None)
            break
        verdict.shape = expected
        with np.errstate(all="ignore"):
            close = np.isclose(got.value, truth, rtol=RTOL, atol=ATOL)
        if not close.all():
            verdict.verdict = "wrong"
            names = view[param].names
            verdict.wrong = [str(names[i]) for i in zip(*np.nonzero(~close))]
            verdict.checked = f"on network {k + 1} (seed {seed + k}): {_entries(got.value, truth, close, names)}"
            verdict.mistake, verdict.diagnosis = _value_mistake(got.value, truth, close, view, env, param, tree)
            break
        worst = max(worst, float(np.max(np.abs(got.value - truth) / np.maximum(np.abs(truth), 1e-300))))
    else:
        verdict.verdict = "correct"
        verdict.checked = f"every entry equal {where} (worst relative difference {worst:.1e})"
    verdict.seconds = time.perf_counter() - start
    return verdict


def _sizes_ok(M: object, H: object, N: object) -> bool:
    sizes = [M, H] + ([] if N is None else [N])
    return all(isinstance(s, int) and not isinstance(s, bool) and 1 <= s <= MAX_SIZE for s in sizes)


def _network(M: int, H: int, N: int | None, seed: int) -> MatrixView:
    """A fresh reference network with targets in (0, 1), after backward: its matrix view."""
    problem = ReferenceProblem.random(M, H, seed=seed, batch=N)
    rng = np.random.default_rng(seed + 10**6)
    problem.y = rng.uniform(0.05, 0.95, size=problem.y.shape)
    net, L = problem.autograd()
    return matrices(L)


def _environment(view: MatrixView) -> dict[str, np.ndarray]:
    env = {name: m.values for name, m in view.items()}
    if "z2" in env:
        env["y_hat"] = env["z2"]
    if "Z2" in env:
        env["Y_hat"] = env["Z2"]
    if view.N is not None:
        env["N"] = np.full((1, 1), float(view.N))
    return env


def _shape_mistake(got: Term, expected: tuple[int, int], param: str, batch: bool) -> tuple[str, str]:
    have, text = size(got.shape), got.text[1:-1] if got.op in "@*/+-**" and got.text.startswith("(") else got.text
    say = f"the result {text} is {have} but ∂L/∂{param} is {size(expected)}"
    if got.shape is None:
        return "shape", f"{say}: the formula is a number, with no matrix in it"
    if got.shape == expected[::-1]:
        swap = "; or swap the operands of `@`, transposing each" if got.op == "@" else ""
        return "transposed", f"{say}: transposed? ({text}).T has the gradient's shape{swap}"
    if got.inner and got.shape == (1, 1) and expected != (1, 1):
        return "outer-vs-inner", (
            f"{say}: an inner product (a row @ a column gives 1×1) where an outer product belongs "
            f"(a column @ a row, {expected[0]}×1 @ 1×{expected[1]})"
        )
    if got.outer and expected[1] == 1 and got.shape[0] == expected[0] and not batch:
        return "outer-vs-inner", (
            f"{say}: an outer product (a column @ a row) where the gradient is a column; a bias's gradient "
            f"has no factor of the layer's input (∂a/∂b = 1)"
        )
    if batch and got.shape[0] == expected[0] and expected[1] == 1:
        return "batch-axis", f"{say}: one column per datapoint; sum them: sum(..., axis=1)"
    if got.shape == (expected[0], expected[0]) and expected[1] == 1:
        return "outer-vs-inner", f"{say}: an outer product where the gradient is a column"
    return "shape", say


def _entries(got: np.ndarray, truth: np.ndarray, close: np.ndarray, names: np.ndarray) -> str:
    bad = list(zip(*np.nonzero(~close)))
    first = bad[0]
    return (
        f"{len(bad)} of {close.size} entries differ; {names[first]}: yours {got[first]:.6g}, "
        f"the gradient {truth[first]:.6g}"
    )


def _value_mistake(
    got: np.ndarray,
    truth: np.ndarray,
    close: np.ndarray,
    view: MatrixView,
    env: dict[str, np.ndarray],
    param: str,
    tree: object,
) -> tuple[str | None, str]:
    def same(a: np.ndarray, b: np.ndarray) -> bool:
        with np.errstate(all="ignore"):
            return bool(np.allclose(a, b, rtol=1e-6, atol=1e-12))

    if not np.isfinite(got).all():
        return "not-finite", "your formula is not a finite number here (a division by zero or a log of a non-positive)"
    if same(got, -truth):
        return "sign", "the sign is flipped: ∂L/∂ŷ's factor is ŷ − y, not y − ŷ"
    N = view.N
    if N is not None and N > 1:
        if same(got, truth * N):
            return (
                "batch-size",
                f"off by the batch size: every entry is N = {N} times the gradient; L is the mean, divide by N",
            )
        if same(got, truth / N):
            return "batch-size", f"off by the batch size: every entry is the gradient divided by N = {N} once too often"
    if got.shape[0] == got.shape[1] and got.shape[0] > 1 and same(got, truth.T):
        return (
            "transposed",
            "transposed: your matrix is the gradient's transpose (square here, so the shapes could not tell)",
        )
    for mistake, words, formula in MATRIX_SLIPS[N is not None].get(param, []):
        try:
            slip = evaluate(read(formula), env).value
        except ExprError:
            continue
        if np.shape(slip) == got.shape and same(got, slip):
            return mistake, words
    rows = {int(r) for r in np.nonzero(~close)[0]}
    cols = {int(c) for c in np.nonzero(~close)[1]}
    if len(rows) == 1 and got.shape[0] > 1:
        return "row", f"only row {rows.pop()} is wrong; the other rows are right"
    if len(cols) == 1 and got.shape[1] > 1:
        return "column", f"only column {cols.pop()} is wrong; the other columns are right"
    with np.errstate(all="ignore"):
        ratio = got / truth
    if np.isfinite(ratio).all() and np.allclose(ratio, ratio.flat[0], rtol=1e-6):
        return "factor", f"every entry is {ratio.flat[0]:.6g} times the gradient: a constant factor is off"
    return None, "the entries differ with no pattern I recognise; compare each factor with the chain rule's"
