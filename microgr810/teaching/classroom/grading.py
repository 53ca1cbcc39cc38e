"""One answer of one student graded as a record: verdict (correct, wrong, malformed, undecided), the mistake's
short name, the diagnosis. The grader (teaching/grade.py) decides the reference problem; a variant it does
not know (tanh hidden units, MSE loss) is compared here with autograd on the variant's own networks, and
its diagnosis comes from the chain rule's factors (teaching/diagnose.py), as the grader's does.
"""

from __future__ import annotations

import random
import re
from dataclasses import asdict, dataclass
from typing import Any

from ...notation.formula import FormulaError, numeric, parse_formula, symbol
from ...notation.names import node_names
from ..derive import derive
from ..diagnose import diagnose
from ..reference import INDEX_FORM, ReferenceProblem, expand_parameter, index_form, parse_parameter, reference_name

__all__ = ["Record", "grade_answer", "VERDICTS", "Variant", "REFERENCE"]

VERDICTS = ("correct", "wrong", "malformed", "undecided")
NETWORKS = 4  # random networks of the variant's shape a variant's answer is compared on
RTOL, ATOL = 1e-7, 1e-12


@dataclass(frozen=True)
class Variant:
    """A student's version of the reference problem: sizes, hidden activation, loss, and the seed of its numbers."""

    M: int = 3
    H: int = 4
    activation: str = "sigmoid"
    loss: str = "bce"
    seed: int = 0

    @property
    def is_reference(self) -> bool:
        return self.activation == "sigmoid" and self.loss == "bce"

    def describe(self) -> str:
        return f"M = {self.M}, H = {self.H}, {self.activation} hidden units, {self.loss.upper()} loss"


REFERENCE = Variant()  # the derivation's problem: M = 3, H = 4, sigmoid, BCE


@dataclass
class Record:
    """One graded answer, as the per-student results and the class summary hold it."""

    student: str
    parameter: str
    formula: str
    verdict: str  # one of VERDICTS
    mistake: str = ""  # the slip's short name ("" if none): what the summary counts
    diagnosis: str = ""
    message: str = ""  # the verdict as the learner reads it
    row: int = 0  # the line of the answers file
    bad_row: bool = False  # the row itself is unusable (no student, unknown question): not counted as an answer

    @property
    def ok(self) -> bool:
        return self.verdict == "correct"

    def as_dict(self) -> dict:
        return asdict(self)


def short_mistake(diagnosis: str) -> str:
    """A diagnosis's first clause, the name of the slip: "missing the factor z1[h]·(1 − z1[h]) = ∂z1[h]/∂a1[h]"
    -> "missing the factor z1[h]·(1 − z1[h])"; "" when it names none ("not one factor ... away")."""
    if diagnosis.startswith("not one factor"):
        return ""
    first = re.split(r" = ∂| \(|: |; ", diagnosis.strip(), maxsplit=1)[0]
    return first.strip().rstrip(".")[:80]


def adapt(verdict: object) -> tuple[str, str, str, str]:
    """(verdict, mistake, diagnosis, message) from the grader's Verdict, old (.ok) or new (.verdict, .mistake)."""
    ok = bool(getattr(verdict, "ok", False))
    name = str(getattr(verdict, "verdict", "") or ("correct" if ok else "wrong"))
    if name not in VERDICTS:
        name = "undecided"
    diagnosis = str(getattr(verdict, "diagnosis", "") or "")
    mistake = str(getattr(verdict, "mistake", "") or "") or (short_mistake(diagnosis) if name == "wrong" else "")
    message = str(verdict)
    if name in ("malformed", "undecided") and not message.startswith(name):
        message = f"{name}: {message}"  # the learner reads which of the four verdicts it is
    return name, mistake, diagnosis, message


def grade_answer(
    parameter: str, formula: str, variant: Variant = REFERENCE, *, seed: int | None = 0
) -> tuple[str, str, str, str]:
    """(verdict, mistake, diagnosis, message) for one formula; never raises for what a learner wrote.
    seed: of the random networks the formula is compared on (None: fresh ones, where the grader allows)."""
    from ..grade import check_formula

    fixed: dict[str, Any] = {} if seed is None else {"seed": seed}  # None: the grader's own default (fresh or 0)
    try:
        if variant.is_reference:
            return adapt(check_formula(parameter, formula, M=variant.M, H=variant.H, **fixed))
        try:  # the grader may know variants (activation=, loss=); if not, they are checked here
            found = check_formula(
                parameter,
                formula,
                M=variant.M,
                H=variant.H,
                activation=variant.activation,
                loss=variant.loss,
                **fixed,
            )
        except TypeError:
            return grade_variant(parameter, formula, variant, seed=seed)
        return adapt(found)
    except (FormulaError, ValueError) as e:  # the older grader raises for a formula it cannot read
        return "malformed", "", "", f"malformed: {e}"
    except (ArithmeticError, RecursionError, MemoryError) as e:
        return "undecided", "", "", f"could not decide: {type(e).__name__}: {e}"


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= ATOL + RTOL * max(abs(a), abs(b))


def grade_variant(parameter: str, formula: str, variant: Variant, *, seed: int | None = 0) -> tuple[str, str, str, str]:
    """Is `formula` ∂L/∂parameter for every parameter it stands for, on NETWORKS random networks of the
    variant (y drawn in (0, 1))? If not, the chain rule's diagnosis, in index form."""
    M, H = variant.M, variant.H
    stem, tokens = parse_parameter(parameter)
    concrete = expand_parameter(parameter, M, H)

    def resolve(s: str, indices: tuple[int, ...]) -> str:
        return reference_name(s, indices, M, H)

    exprs = [parse_formula(formula, resolve, binding) for _, binding in concrete]
    letters = {c: t for c, t in zip(INDEX_FORM.get(stem, ()), tokens) if isinstance(t, str)}
    rng = random.Random(seed)
    first = rng.randrange(2**31) if seed is None else seed
    question = f"∂L/∂{parameter.replace(' ', '')}"
    for i in range(NETWORKS):
        y = rng.uniform(0.05, 0.95)
        net, L = ReferenceProblem.random(M, H, seed=first + i, y=y).autograd(variant.activation, variant.loss)
        values = {name: n.data for n, name in node_names(L).items()} | ({"y": y} if variant.loss == "bce" else {})
        grads = {p.label: p.grad for p in net.parameters()}
        for (name, binding), expr in zip(concrete, exprs):
            symbols = sorted(expr.free_symbols, key=lambda s: s.name)
            got = numeric(expr, symbols)(*(values[s.name] for s in symbols))
            if not _close(got, grads[name]):
                bound = {c: binding[t] for c, t in letters.items()}
                names = set(values) | {s.name for s in expr.free_symbols}
                rename = {n: index_form(n, bound, letters) for n in names}
                d = derive(L, name).renamed(rename)
                shown = expr.xreplace({symbol(a): symbol(b) for a, b in rename.items()})
                diagnosis = diagnose(d, shown)
                message = (
                    f"{question} = {formula}: WRONG ({variant.describe()})\n  {name} on network {i + 1}: "
                    f"your formula gives {got:.10g}, the gradient is {grads[name]:.10g}\n  diagnosis: {diagnosis}"
                )
                return "wrong", short_mistake(diagnosis), diagnosis, message
    checked = f"{len(concrete)} parameter{'s' * (len(concrete) != 1)} on {NETWORKS} random networks"
    return "correct", "", "", f"{question} = {formula}: correct ({variant.describe()}; equal for {checked})"
