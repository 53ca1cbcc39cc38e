"""Grade a gradient formula a learner wrote: is it ∂L/∂param, and if not, which classic slip is it?

Four verdicts, each a value (never an exception for learner input):
- "correct": equal to the gradient at fresh random points in high precision AND proved equal by sympy;
- "wrong": a point where it differs (or sympy proves a non-zero difference), with a diagnosis;
- "malformed": not a formula, an unknown name, a network size beyond the limit;
- "undecided": the numbers agree but the proof did not finish within its budget.

The reference network (`grade`): the formula is read once in index form (h, m) and evaluated with
mpmath at 40 digits on fresh random networks (targets y drawn from (0, 1)) at a sample of units
(corners and random ones), so the time does not grow with M and H. The proof runs in a child process
with the rest of a 3.5 s deadline and a memory budget (teaching/budget.py).
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from typing import Any

import mpmath
import sympy as sp

from ..core.engine import Value
from ..core.ops import by_rule
from ..notation import expr as reader
from ..notation.formula import FormulaError, numeric, symbol, text, to_sympy
from ..notation.names import find, partial, resolver
from ..notation.symbolic import SYMPY_MATH
from .budget import within
from .derive import Derivation, derive
from .diagnose import diagnose

__all__ = ["check_formula", "grade", "Verdict", "FormulaError", "MAX_SIZE", "DEADLINE", "BUDGET"]

MAX_SIZE = 64  # M and H the grader accepts; beyond it refuses at once
DEADLINE = 3.5  # seconds from the call: the proof gets what the numbers left of it (the promise is 5 s)
BUDGET = 2.5  # seconds for a budgeted sympy step outside grade (check_formula on any graph)
NETWORKS = 3  # fresh random networks per call
UNITS = 8  # (h, m) pairs checked numerically per network, corners first
DIGITS = 40  # mpmath's precision for the numbers
RTOL = mpmath.mpf(10) ** -25  # formulas equal as functions agree to ~40 digits; float64 would give 16
BIG = 10**7  # |exp argument| beyond this is an overflow, not a number


@dataclass
class Verdict:
    """Whether `formula` is ∂root/∂node for every parameter it stands for, and if not, why not."""

    question: str  # "∂L/∂W1[h,m]"
    formula: str
    verdict: str  # "correct", "wrong", "malformed", "undecided"
    checked: list[str] = field(default_factory=list)  # the concrete parameters (or a count for big nets)
    points: str = ""  # where it was checked, in words
    read_as: str = ""  # how the formula was read
    worst: float = 0.0  # the worst relative difference seen while equal
    mismatch: tuple[Any, ...] | None = None  # (parameter, where, formula's value or why none, gradient)
    diagnosis: str = ""  # learner-facing: one or two sentences
    mistake: str = ""  # the classic slip's short name, "" if none is recognised
    symbolic: bool | None = None  # sympy: True equal, False not equal, None not decided
    note: str = ""  # what the proof said
    answer: str = field(default="", repr=False)  # the chain rule's result, shown on request

    @property
    def ok(self) -> bool:
        return self.verdict == "correct"

    def __bool__(self) -> bool:
        return self.ok

    @property
    def exit_code(self) -> int:
        return {"correct": 0, "wrong": 1, "malformed": 2, "undecided": 3}[self.verdict]

    def __str__(self) -> str:
        if self.verdict == "malformed":
            return f"{self.question} = {self.formula}: cannot grade: {self.diagnosis}"
        head = {"correct": "correct", "wrong": "WRONG", "undecided": "could not decide in time"}[self.verdict]
        lines = [f"{self.question} = {self.formula}: {head}"]
        if self.read_as:
            lines.append(f"  read as: {self.read_as}")
        if self.verdict in ("correct", "undecided"):
            lines.append(f"  equal {self.points} (worst relative difference {self.worst:.1e})")
            lines.append(f"  sympy: {self.note}")
        if self.mismatch is not None:
            param, where, got, want = self.mismatch
            gives = f"{got} where" if isinstance(got, str) else f"gives {_short(got)},"
            lines.append(f"  {param} {where}: your formula {gives} the gradient is {_short(want)}")
        if self.verdict == "wrong":
            if self.mistake:
                lines.append(f"  mistake: {self.mistake}")
            lines.append(f"  diagnosis: {self.diagnosis}")
        return "\n".join(lines)


def _short(x: Any) -> str:
    try:
        return mpmath.nstr(x, 10) if isinstance(x, (mpmath.mpf, mpmath.mpc)) else f"{x:.10g}"
    except (TypeError, ValueError):
        return str(x)


def _malformed(question: str, formula: Any, why: str) -> Verdict:
    return Verdict(question, formula if isinstance(formula, str) else repr(formula)[:80], "malformed", diagnosis=why)


# -- numbers in high precision, with every overflow, division by zero and complex value caught --------


class NotANumber(ArithmeticError):
    """A value that is not a finite real number: the message says which and why."""


class _Precise:
    """The op table's functions on mpmath numbers, refusing what has no finite real value."""

    @staticmethod
    def exp(a: Any) -> Any:
        if a > BIG:
            raise NotANumber(f"overflows: exp of {mpmath.nstr(a, 5)}")
        return mpmath.exp(a)

    @staticmethod
    def log(a: Any) -> Any:
        if a <= 0:
            raise NotANumber(f"is not a real number: log of {mpmath.nstr(a, 5)}")
        return mpmath.log(a)

    @staticmethod
    def tanh(a: Any) -> Any:
        return mpmath.tanh(a)

    @staticmethod
    def sigmoid(a: Any) -> Any:
        return 1 / (1 + mpmath.exp(-a)) if a > -BIG else mpmath.mpf(0)  # below -BIG: 0 to any precision used

    @staticmethod
    def relu(a: Any) -> Any:
        return a if a > 0 else mpmath.mpf(0)

    @staticmethod
    def step(a: Any) -> Any:
        return mpmath.mpf(1) if a > 0 else mpmath.mpf(0)

    def __getattr__(self, name: str) -> Any:  # an op added later: mpmath's function, or the op's own rule
        found = getattr(mpmath, name, None)
        return found if found is not None else by_rule(self, name)


PRECISE = _Precise()


def _guard(op: str, args: list[Any]) -> None:
    """Before each op: refuse a division by zero, a power with no real value, a number beyond 2^(2^24)."""
    if op == "/" and args[1] == 0:
        raise NotANumber("divides by zero")
    if op == "**":
        a, b = args
        if a == 0 and b <= 0:
            raise NotANumber("divides by zero (0 to a power ≤ 0)")
        if a < 0 and b != mpmath.floor(b):
            raise NotANumber("is not a real number (a negative number to a fractional power)")
        if a != 0 and abs(b * mpmath.log(abs(a), 2)) > 2**24:
            raise NotANumber("overflows (a power beyond 10^5000000)")
    for x in args:
        if isinstance(x, mpmath.mpf) and not mpmath.isfinite(x):
            raise NotANumber("is not a finite number")


def _number(t: str) -> Any:
    x = mpmath.mpf(t)
    if not mpmath.isfinite(x):
        raise NotANumber(f"has a number beyond any float ({t})")
    return x


# -- the reference network -----------------------------------------------------------------------------


@dataclass
class _Network:
    """One random reference network's numbers (mpmath), as the names of the index form need them."""

    M: int
    H: int
    values: dict[str, Any]  # "x[0]", "W1[0,1]", "W2[0,1]", "z1[0]", "a2", "z2", "y", ...
    y: float

    @classmethod
    def random(cls, M: int, H: int, rng: random.Random, activation: str, loss: str) -> _Network:
        mp = mpmath.mpf
        x = [mp(rng.gauss(0, 1)) for _ in range(M)]
        W1 = [[mp(rng.gauss(0, 1)) for _ in range(M)] for _ in range(H)]
        b1 = [mp(rng.gauss(0, 1)) for _ in range(H)]
        W2 = [mp(rng.gauss(0, 1)) for _ in range(H)]
        b2, y = mp(rng.gauss(0, 1)), rng.uniform(0.0, 1.0)
        while y in (0.0, 1.0):  # the open interval
            y = rng.uniform(0.0, 1.0)
        act = PRECISE.sigmoid if activation == "sigmoid" else mpmath.tanh
        a1 = [mpmath.fdot(W1[h], x) + b1[h] for h in range(H)]
        z1 = [act(a) for a in a1]
        a2 = mpmath.fdot(W2, z1) + b2
        z2 = PRECISE.sigmoid(a2)
        v: dict[str, Any] = {"b2": b2, "a2": a2, "z2": z2, "y": mp(y)}
        v["L"] = -(y * mpmath.log(z2) + (1 - y) * mpmath.log(1 - z2)) if loss == "bce" else (z2 - y) ** 2
        for m in range(M):
            v[f"x[{m}]"] = x[m]
        for h in range(H):
            v[f"b1[{h}]"], v[f"a1[{h}]"], v[f"z1[{h}]"], v[f"W2[0,{h}]"] = b1[h], a1[h], z1[h], W2[h]
            for m in range(M):
                v[f"W1[{h},{m}]"] = W1[h][m]
        return cls(M, H, v, y)


class _Reference:
    """What grade needs of the reference problem for one parameter: names, units, truth and slips."""

    def __init__(self, param: str, M: int, H: int, activation: str, loss: str) -> None:
        from .reference import INDEX_FORM, parse_parameter, reference_name

        self.M, self.H, self.activation, self.loss = M, H, activation, loss
        self.stem, tokens = parse_parameter(param)
        form = INDEX_FORM.get(self.stem, ())
        self.fixed = {c: t for c, t in zip(form, tokens) if isinstance(t, int) and not c.isdigit()}
        self.letters = {t: c for c, t in zip(form, tokens) if isinstance(t, str)}  # param's letter -> h or m
        # W1[9,0]: a whole-number index out of range is refused at once (reference_name raises)
        reference_name(self.stem, tuple(t if isinstance(t, int) else 0 for t in tokens), M, H)
        self.question = f"∂L/∂{param.replace(' ', '')}"
        self.reference_name = reference_name

    def units(self, rng: random.Random) -> list[dict[str, int]]:
        """(h, m) bindings to check: every one for a small network, else the corners and random ones."""
        ranges = {"h": self.H, "m": self.M}
        free = sorted(set(self.letters.values()))
        every = [dict(self.fixed)]
        for c in free:
            every = [{**b, c: i} for b in every for i in range(ranges[c])]
        if len(every) <= UNITS:
            return every
        corners = [
            dict(self.fixed, **{c: (0 if k else ranges[c] - 1) for c, k in zip(free, bits)})
            for bits in ((0,) * len(free), (1,) * len(free))
        ]
        picked = corners + rng.sample(every, UNITS - len(corners))
        return list({tuple(sorted(b.items())): b for b in picked}.values())

    def concrete(self, unit: dict[str, int]) -> str:
        from .reference import INDEX_FORM

        form = INDEX_FORM.get(self.stem, ())
        return self.reference_name(self.stem, tuple(0 if c.isdigit() else unit[c] for c in form), self.M, self.H)

    def lookup(self, net: _Network, unit: dict[str, int], letters: dict[str, str]) -> Any:
        """A leaf function for the reader's evaluator: Name -> its number on `net` at `unit`."""

        def name(n: reader.Name) -> Any:
            index = []
            for i in n.index:
                if isinstance(i, str):
                    i = unit[letters[i]]
                index.append(i)
            return net.values[self.reference_name(n.stem, tuple(index), self.M, self.H)]

        return name


def _check_names(tree: reader.Node, ref: _Reference) -> str:
    """Why the formula's names cannot be read on this network ("" if they can): unknown names, unknown
    letters, a whole-number index out of range. A letter index out of range is the formula's mistake."""
    for n in reader.names(tree):
        index = []
        for i in n.index:
            if isinstance(i, str):
                if i not in ref.letters:
                    bound = ", ".join(ref.letters) or "none: the parameter has no index letters"
                    return f"unknown index letter {i!r} in {n} (index letters: {bound})"
                i = 0
            index.append(i)
        try:
            ref.reference_name(n.stem, tuple(index), ref.M, ref.H)
        except ValueError as e:
            return str(e)
    return ""


def grade(
    param: str,
    formula: str,
    *,
    M: int = 3,
    H: int = 4,
    seed: int | None = None,
    activation: str = "sigmoid",
    loss: str = "bce",
) -> Verdict:
    """Is `formula` ∂L/∂param for the reference network, for every parameter `param` stands for?

    `param` is W1[h,m], b1[h], W2[h] (or W2[0,h]), b2, or one element such as W1[0,2]; the formula
    uses x[m], W1[h,m], b1[h], a1[h], z1[h], W2[h], b2, a2, z2 (= y_hat, ŷ), y. `seed` None draws fresh
    networks on every call; `activation` (hidden: sigmoid, tanh) and `loss` (bce, mse) pick the variant.
    """
    from .reference import ACTIVATIONS, LOSSES, gradient_formula

    start = time.monotonic()
    question = f"∂L/∂{param.replace(' ', '')}" if isinstance(param, str) else "∂L/∂?"
    for what, value, choices in (("activation", activation, ACTIVATIONS), ("loss", loss, LOSSES)):
        if value not in choices:
            return _malformed(question, formula, f"unknown {what} {value!r}; choose {' or '.join(choices)}")
    for what, n in (("M", M), ("H", H)):
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_SIZE:
            return _malformed(question, formula, f"{what} must be a whole number from 1 to {MAX_SIZE}, got {n!r}")
    try:
        ref = _Reference(param, M, H, activation, loss)
    except ValueError as e:
        return _malformed(question, formula, str(e))
    try:
        tree = reader.read(formula, letters=ref.letters, max_length=500)
    except reader.ExprError as e:
        return _malformed(ref.question, formula, str(e))
    why = _check_names(tree, ref)
    if why:
        return _malformed(ref.question, formula, why)
    truth = reader.read(gradient_formula(ref.stem, activation, loss), letters="hm")
    rng = random.Random(seed) if seed is not None else random.SystemRandom()
    verdict = Verdict(ref.question, formula, "correct", read_as=reader.show(tree))
    seeds = [rng.getrandbits(64) for _ in range(NETWORKS)]
    units = ref.units(rng)
    verdict.checked = [ref.concrete(u) for u in units]
    for digits in (DIGITS, 4 * DIGITS):  # a mismatch is confirmed with 4x the digits: cancellation is no excuse
        with mpmath.workdps(digits):
            nets = [_Network.random(M, H, random.Random(s), activation, loss) for s in seeds]
            samples = _samples(tree, truth, ref, nets, units, verdict)
            if verdict.verdict == "correct" or not verdict.mismatch or digits > DIGITS:
                break
            i, unit = verdict.mismatch[-1]
            with mpmath.workdps(4 * digits):  # the mismatching point again: does it hold with more digits?
                net = _Network.random(M, H, random.Random(seeds[i]), activation, loss)
                got, want = (
                    _value(tree, ref, net, unit),
                    reader.evaluate(truth, PRECISE, ref.lookup(net, unit, _HM), _number, _guard),
                )
            if isinstance(got, str) or not _equal(got, want):
                break
            verdict.verdict, verdict.mismatch, verdict.worst = "correct", None, 0.0
    ys = ", ".join(f"{n.y:.3f}" for n in nets)
    verdict.points = (
        f"on {len(nets)} fresh random networks (M = {M}, H = {H}, y = {ys})"
        + (f" at {len(units)} units each" if len(units) > 1 else "")
        + f", to {digits} digits"
    )
    if verdict.verdict == "wrong" and verdict.mismatch is not None:
        verdict.mismatch = verdict.mismatch[:4]
        verdict.symbolic = False
        with mpmath.workdps(digits):
            _diagnose(verdict, tree, ref, nets, samples)
        verdict.answer = reader.show(truth).replace("z2", "ŷ")
        return verdict
    verdict.answer = reader.show(truth).replace("z2", "ŷ")
    budget = max(0.2, DEADLINE - (time.monotonic() - start))
    status, result = within(budget, _prove, tree, truth, ref.letters, ref.fixed, M, H, activation)
    if status != "done":
        result = (None, "the proof did not finish in its budget" if status == "timeout" else f"sympy failed ({result})")
    verdict.symbolic, verdict.note = result
    if verdict.symbolic is False:
        verdict.verdict = "wrong"
        verdict.mistake = "differs by a tiny amount"
        verdict.diagnosis = (
            f"your formula agrees with the gradient to {DIGITS} digits at random points but is not equal to it: "
            f"{verdict.note}"
        )
    elif verdict.symbolic is None:
        verdict.verdict = "undecided"
    return verdict


_HM = {"h": "h", "m": "m"}


def _samples(
    tree: reader.Node, truth: reader.Node, ref: _Reference, nets: list[_Network], units: list, verdict: Verdict
) -> list[tuple]:
    """(network, unit, the formula's value or why it has none, the gradient) at every point; the first
    mismatch goes into verdict.mismatch (with its network and unit after the four shown fields)."""
    samples = []
    verdict.verdict, verdict.mismatch, verdict.worst = "correct", None, 0.0
    for i, net in enumerate(nets):
        for unit in units:
            want = reader.evaluate(truth, PRECISE, ref.lookup(net, unit, _HM), _number, _guard)
            got = _value(tree, ref, net, unit)
            samples.append((i, unit, got, want))
            if isinstance(got, str) or not _equal(got, want):
                if verdict.mismatch is None:
                    where = f"on network {i + 1} (y = {net.y:.4f})"
                    verdict.verdict = "wrong"
                    verdict.mismatch = (ref.concrete(unit), where, got, want, (i, unit))
            elif verdict.mismatch is None:
                verdict.worst = max(verdict.worst, float(abs(got - want) / max(abs(want), 1e-30)))
        if verdict.mismatch is not None and i >= 1:
            break
    return samples


def _value(tree: reader.Node, ref: _Reference, net: _Network, unit: dict[str, int]) -> Any:
    """The formula's value, or why it has none (a sentence fragment: "divides by zero", ...)."""
    try:
        x = reader.evaluate(tree, PRECISE, ref.lookup(net, unit, ref.letters), _number, _guard)
    except NotANumber as e:
        return str(e)
    except ValueError as e:  # a letter index out of range at this unit: x[h] for h ≥ M
        shown = ", ".join(f"{k} = {v}" for k, v in unit.items())
        return f"has no value at {shown}: {str(e).split(':')[0]}"
    except (ZeroDivisionError, OverflowError) as e:
        return f"cannot be computed ({e})"
    if not isinstance(x, mpmath.mpf):
        x = mpmath.mpf(x) if isinstance(x, (int, float)) else x
    if not isinstance(x, mpmath.mpf) or not mpmath.isfinite(x):
        return "is not a finite real number"
    return x


def _equal(a: Any, b: Any) -> bool:
    return bool(abs(a - b) <= RTOL * max(abs(a), abs(b)) + mpmath.mpf(10) ** -(DIGITS - 5))


# -- naming the mistake --------------------------------------------------------------------------------


def _diagnose(verdict: Verdict, tree: reader.Node, ref: _Reference, nets: list[_Network], samples: list[tuple]) -> None:
    """The first classic slip (reference.slips) or simple edit (a factor, a name, a sign) the formula equals."""
    from .reference import slips

    param, where, got, _ = (verdict.mismatch or ("", "", None, None))[:4]
    defined = [(i, u, g, w) for i, u, g, w in samples if not isinstance(g, str)]
    if isinstance(got, str) and len(defined) < 2:
        verdict.mistake = _failure_name(got)
        verdict.diagnosis = f"your formula {got} (at {param} {where})."
        return
    points = defined[:6]

    def matches(candidate: reader.Node, letters: dict[str, str], truth: bool = False) -> bool:
        """Whether `candidate` equals the learner's formula (or, with truth, the gradient) at the points."""
        for i, unit, g, w in points:
            try:
                c = reader.evaluate(candidate, PRECISE, ref.lookup(nets[i], unit, letters), _number, _guard)
            except (NotANumber, ValueError, ZeroDivisionError, OverflowError, KeyError, TypeError):
                return False
            if not _equal(c, w if truth else g):
                return False
        return True

    canonical = {"h": "h", "m": "m"}
    for mistake, advice, wrong in slips(ref.stem, ref.activation, ref.loss):
        if matches(reader.read(wrong, letters="hm"), canonical):
            verdict.mistake, verdict.diagnosis = mistake, advice + "."
            break
    else:
        verdict.diagnosis, verdict.mistake = _edits(tree, ref, matches)
    if isinstance(got, str):
        verdict.diagnosis = f"your formula {got} at {param}; " + verdict.diagnosis


def _failure_name(why: str) -> str:
    for key, name in (
        ("divides by zero", "divides by zero"),
        ("not a real number", "not a real number"),
        ("overflow", "overflows"),
        ("has no value", "index out of range"),
    ):
        if key in why:
            return name
    return "no finite value"


def _edits(tree: reader.Node, ref: _Reference, matches: Any) -> tuple[str, str]:
    """A name used where another belongs, a constant factor, or the general advice."""
    from .reference import gradient_formula

    truth = gradient_formula(ref.stem, ref.activation, ref.loss)
    {c: t for t, c in ref.letters.items()}
    pool = ["x[m]", "x[h]", "W1[h,m]", "b1[h]", "a1[h]", "z1[h]", "W2[h]", "b2", "a2", "z2", "y", "1", "0"]
    letters = {**ref.letters, "h": "h", "m": "m"}
    for used in reader.names(tree):
        for meant in pool:
            if meant == str(used):
                continue
            if matches(_replace(tree, used, reader.read(meant, letters="hm")), letters, truth=True):
                shown = reader.show(reader.read(meant, letters="hm"))
                for t, c in ref.letters.items():  # the parameter's own letters (b1[j]: z1[j])
                    shown = shown.replace(f"[{c}", f"[{t}").replace(f",{c}]", f",{t}]")
                if meant == "1":
                    return f"{used} should not be there: without it your formula is the gradient.", f"extra {used}"
                if meant == "0":
                    return f"the term with {used} should not be there.", f"extra term with {used}"
                return f"{used} is used where {shown} belongs.", f"{used} for {shown}"
    if not reader.names(tree):
        return "your formula is a constant; the gradient changes with the network's values (ŷ, y, z1[h], ...).", (
            "a constant"
        )
    for factor in ("2", "1/2", "4", "1/4"):
        if matches(reader.read(f"({truth})*{factor}", letters="hm"), {"h": "h", "m": "m"}):
            return (
                f"your formula is {factor} times the gradient: check the constant factors.",
                f"off by a factor {factor}",
            )
    return (
        "not one factor, sign or name away from the chain rule: write ∂L/∂param as the product of the local "
        "derivatives along the path (∂L/∂a2 = ŷ − y, ∂a2/∂z1[h] = W2[h], ∂z1[h]/∂a1[h] = σ′(a1[h]), ...) and "
        "compare factor by factor.",
        "",
    )


def _replace(tree: reader.Node, old: reader.Name, new: reader.Node) -> reader.Node:
    done: dict[int, reader.Node] = {}
    for n in reader.walk(tree):
        if n == old:
            done[id(n)] = new
        elif isinstance(n, reader.Call):
            done[id(n)] = reader.Call(n.fn, done[id(n.arg)], n.prime)
        elif isinstance(n, reader.Op):
            done[id(n)] = reader.Op(n.op, tuple(done[id(a)] for a in n.args))
        else:
            done[id(n)] = n
    return done[id(tree)]


# -- the proof -----------------------------------------------------------------------------------------


def _prove(
    tree: reader.Node,
    truth: reader.Node,
    letters: dict[str, str],
    fixed: dict[str, int],
    M: int,
    H: int,
    activation: str,
) -> tuple[bool | None, str]:
    """In the budgeted child: (True, why) if sympy proves formula = gradient, (False, why) if it proves
    them different, (None, why) if it cannot tell."""
    sizes = {"h": H, "m": M}

    def namer(mapping: dict[str, Any]) -> Any:
        def name(n: reader.Name) -> sp.Symbol:
            stem = {"y_hat": "z2", "ŷ": "z2"}.get(n.stem, n.stem)
            index = [mapping.get(i, i) if isinstance(i, str) else i for i in n.index]
            index = [0 if isinstance(i, str) and sizes.get(i) == 1 else i for i in index]
            if stem == "W2" and len(index) == 2:
                index = index[1:]
            return symbol(f"{stem}[{','.join(map(str, index))}]" if index else stem)

        return name

    mine = reader.evaluate(tree, SYMPY_MATH, namer(letters), _exact)
    want = reader.evaluate(truth, SYMPY_MATH, namer({c: fixed.get(c, c) for c in "hm"}), _exact)
    biases = any(s.name.startswith(("b1", "b2")) for s in mine.free_symbols)
    act = SYMPY_MATH.sigmoid if activation == "sigmoid" else sp.tanh
    defs: dict[sp.Symbol, sp.Expr] = {}
    for s in mine.free_symbols | want.free_symbols:
        if s.name.startswith("z1["):
            defs[s] = act(symbol("a1" + s.name[2:]))
        elif s.name == "z2":
            defs[s] = SYMPY_MATH.sigmoid(symbol("a2"))
    diff = (mine - want).xreplace(defs)
    if biases:
        return _prove_with_biases(mine, want, defs, letters, M, H, act)
    zero, proved = _is_zero(diff)
    if zero:
        return True, "equal to the chain rule's result (proved)"
    if proved:
        return False, f"your formula − the gradient = {text(sp.factor(diff)) if sp.count_ops(diff) < 40 else '…'} ≠ 0"
    return _numerically_nonzero(diff)


def _prove_with_biases(
    mine: sp.Expr, want: sp.Expr, defs: dict, letters: dict[str, str], M: int, H: int, act: Any
) -> tuple[bool | None, str]:
    """A formula that writes a bias (the leaves form): a1 and a2 are sums then, so every unit is checked
    with a1[k] = Σ W1[k,j] x[j] + b1[k], a2 = Σ W2[k] z1[k] + b2 (small networks only)."""
    free = sorted(set(letters.values()))
    sizes = {"h": H, "m": M}
    units: list[dict[str, int]] = [{}]
    for c in free:
        units = [{**u, c: i} for u in units for i in range(sizes[c])]
    if len(units) > 16 or M * H > 64:
        return None, "a formula with biases in it is proved only for networks up to 64 weights and 16 units"
    for unit in units:
        rename = {}
        for s in mine.free_symbols | want.free_symbols:
            n = s.name
            for c, v in unit.items():
                n = n.replace(f"[{c}]", f"[{v}]").replace(f"[{c},", f"[{v},").replace(f",{c}]", f",{v}]")
            rename[s] = symbol(n)
        a1 = {
            symbol(f"a1[{k}]"): sum(symbol(f"W1[{k},{j}]") * symbol(f"x[{j}]") for j in range(M)) + symbol(f"b1[{k}]")
            for k in range(H)
        }
        z1 = {symbol(f"z1[{k}]"): act(a1[symbol(f"a1[{k}]")]) for k in range(H)}
        a2 = sum(symbol(f"W2[{k}]") * z1[symbol(f"z1[{k}]")] for k in range(H)) + symbol("b2")
        leaves = {**a1, **z1, symbol("a2"): a2, symbol("z2"): SYMPY_MATH.sigmoid(a2)}
        diff = (mine.xreplace(rename) - want.xreplace(rename)).xreplace(leaves)
        zero, proved = _is_zero(diff)
        if not zero:
            return (False, "your formula differs from the gradient (proved)") if proved else _numerically_nonzero(diff)
    return True, "equal to the chain rule's result at every unit, written in the leaves (proved)"


def _exact(t: str) -> sp.Expr:
    return sp.Rational(t)


def _is_zero(diff: sp.Expr) -> tuple[bool, bool]:
    """(zero, proved): exps of polynomials become independent variables t = exp(monomial/q), so the
    difference is a rational function, and `cancel` decides whether it is zero; `proved` says the
    decision is exact (no other functions, no fractional powers left)."""
    expr = diff.rewrite(sp.exp).replace(
        lambda e: isinstance(e, sp.Heaviside) and e.args[0].as_coeff_Mul()[0].is_positive,
        lambda e: sp.Heaviside(e.args[0].as_coeff_Mul()[1], *e.args[1:]),
    )  # step(3x) = step(x): a positive factor does not move the step
    exps = list(expr.atoms(sp.exp))
    parts = {}
    denominators: dict[sp.Expr, int] = {}
    exact = True
    for e in exps:
        terms = sp.expand(e.args[0]).as_coefficients_dict()
        parts[e] = terms
        for mono, c in terms.items():
            if not c.is_Rational or mono.has(sp.exp, sp.log):
                exact = False
            elif mono != 1:
                denominators[mono] = sp.ilcm(denominators.get(mono, 1), c.q)
    if exact:
        ts = {mono: sp.Symbol(f"t{i}", positive=True) for i, mono in enumerate(denominators)}
        subs = {}
        for e, terms in parts.items():
            value: sp.Expr = sp.Integer(1)
            for mono, c in terms.items():
                value *= sp.exp(c) if mono == 1 else ts[mono] ** int(c * denominators[mono])
            subs[e] = value
        expr = expr.xreplace(subs)
    zero = sp.cancel(sp.together(expr)) == 0
    if not zero and (not exact or expr.atoms(sp.Function)):  # Heaviside, Max, ...: simplify knows more rules
        zero = sp.simplify(expr) == 0
    proved = (
        exact
        and not expr.atoms(sp.Function)
        and all(p.exp.is_Integer for p in expr.atoms(sp.Pow) if not p.base.is_Number)
    )
    return zero, proved


def _numerically_nonzero(diff: sp.Expr) -> tuple[bool | None, str]:
    """A difference sympy cannot decide: non-zero at a random point to 100 digits is proof enough."""
    rng = random.Random(0)
    for _ in range(3):
        point = {s: sp.Rational(rng.randint(1, 999), 1000) for s in diff.free_symbols}
        try:
            value = sp.N(diff.xreplace(point), 100)
        except (TypeError, ValueError, ZeroDivisionError):
            continue
        if value.is_number and value.is_finite and abs(value) > sp.Float(10) ** -80:
            return False, f"your formula − the gradient = {sp.N(value, 5)} ≠ 0 at a point (100 digits)"
    return None, "sympy could not prove the difference zero; it is zero to 100 digits at random points"


# -- any graph -----------------------------------------------------------------------------------------


def check_formula(
    root: Value | str,
    node: Value | str,
    formula: str | None = None,
    *,
    points: int = 5,
    seed: int | None = None,
    **reference: Any,
) -> Verdict:
    """Is `formula` ∂root/∂node? Written with the graph's own node names (labels, t1, t2, ...; y for a loss
    target). Checked at the graph's values and at `points` random nearby ones, and by sympy in a budget.

    `check_formula("W1[h,m]", "W2[h]*x[m]*...", M=3, H=4, seed=0)` grades the reference network (`grade`);
    `check_formula("W1", "(W2.T * z1 * (1 - z1)) @ x.T * (y_hat - y)")` its whole matrix (`grade_matrix`,
    `batch=N` for a batch).
    """
    if isinstance(root, str):
        if not isinstance(node, str):
            return _malformed(f"∂L/∂{root}", node, f"the formula must be text, got {type(node).__name__}")
        from .grade_matrix import grade_matrix, is_matrix_question

        if is_matrix_question(root, reference.get("batch")):  # W1, not W1[h,m]: the whole matrix
            return grade_matrix(root, node, seed=seed, **reference)  # type: ignore[return-value]
        return grade(root, node, seed=seed, **reference)
    if formula is None:
        raise TypeError("check_formula(root, node, formula): the formula is missing")
    d = derive(root, find(root, node, where="check_formula"))
    try:
        return _check_on_graph(d, formula, points, seed)
    except RecursionError:  # sympy recurses into nested formulas: a chain hundreds of ops deep
        depth = max(map(len, d.paths), default=0)
        raise ValueError(
            f"check_formula: ∂{d.root}/∂{d.node} runs through {depth} nested ops, too deep for sympy to grade; "
            f"grade a node nearer {d.root!r}"
        ) from None


def _check_on_graph(d: Derivation, formula: str, points: int, seed: int | None) -> Verdict:
    """check_formula's work on a graph, once its derivation is known."""
    question = partial(d.root, d.node)  # ∂n/∂(x1*w1 + x2*w2): a label with operators is bracketed
    resolve = resolver(sorted(d.values))

    try:
        tree = reader.read(formula, max_length=500)
        expr = to_sympy(tree, resolve)
    except (FormulaError, reader.ExprError) as e:
        return _malformed(question, formula, str(e))
    truth = d.result
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return Verdict(
            question,
            formula,
            "wrong",
            [d.node],
            read_as=reader.show(tree),
            mistake="divides by zero",
            diagnosis="your formula has no finite value: it divides by zero.",
            symbolic=False,
        )
    leaves = [n for n in d.values if n not in d.definitions]
    symbols = [symbol(n) for n in leaves]
    mine, chain = numeric(d.in_leaves(expr), symbols), numeric(d.in_leaves(truth), symbols)
    base = [d.values[n] for n in leaves]
    rng = random.Random(seed) if seed is not None else random.SystemRandom()
    where = ["at the graph's values"] + [f"at a nearby point ({i + 1})" for i in range(points)]
    tries = [base] + [[v + rng.gauss(0.0, 0.1) * max(1.0, abs(v)) for v in base] for _ in range(points)]
    verdict = Verdict(
        question,
        formula,
        "correct",
        [d.node],
        f"at the graph's values and {points} nearby points",
        read_as=reader.show(tree),
        answer=text(truth),
    )
    for at, values in zip(where, tries):
        want = chain(*values)
        if not math.isfinite(want):
            continue  # the graph has no value there (a log of a negative number): not a test point
        try:
            got = mine(*values)
        except (ArithmeticError, ValueError, TypeError):
            got = math.nan
        if not math.isclose(got, want, rel_tol=1e-7, abs_tol=1e-12):
            verdict.verdict, verdict.mismatch, verdict.symbolic = "wrong", (d.node, at, got, want), False
            status, result = within(BUDGET, diagnose, d, expr)
            verdict.diagnosis = result if status == "done" else "your formula differs from the chain rule's result."
            verdict.mistake = _generic_mistake(verdict.diagnosis)
            return verdict
        verdict.worst = max(verdict.worst, abs(got - want) / max(abs(got), abs(want), 1e-300))
    status, result = within(BUDGET, _symbolically_equal, expr, d)
    verdict.symbolic = result if status == "done" else None
    verdict.note = {
        True: "equal to the chain rule's result (proved)",
        False: "NOT equal to the chain rule's result",
        None: "could not decide in its budget",
    }[verdict.symbolic]
    if verdict.symbolic is False:
        verdict.verdict, verdict.diagnosis = "wrong", "your formula agrees with the gradient at a few points only."
    elif verdict.symbolic is None:
        verdict.verdict = "undecided"
    return verdict


def _generic_mistake(diagnosis: str) -> str:
    for key in ("only the sign differs", "missing the factor", "an extra factor", "is used where"):
        if key in diagnosis:
            return diagnosis.split(" (")[0].split(":")[0] if key != "only the sign differs" else "sign flipped"
    return ""


def _symbolically_equal(expr: sp.Expr, d: Derivation) -> bool | None:
    """True if sympy proves expr = d.result, False if it proves them different, None if it cannot tell."""
    diff = d.in_leaves(expr - d.result)
    zero, proved = _is_zero(diff)
    if zero:
        return True
    if proved:
        return False
    return _numerically_nonzero(diff)[0]
