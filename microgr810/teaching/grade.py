"""Grade a gradient formula a learner wrote: numerically (against autograd, or the chain rule at several
points), symbolically where sympy can decide, and when it is wrong, say how it is wrong.

The diagnosis (diagnose.py) compares the formula with the chain rule's own local derivatives.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import sympy as sp

from ..core.engine import Value
from ..notation.formula import FormulaError, numeric, parse_formula, symbol, text
from ..notation.names import find, partial
from .derive import Derivation, derive
from .diagnose import diagnose

__all__ = ["check_formula", "grade", "Verdict", "FormulaError"]

RTOL, ATOL = 1e-7, 1e-12  # formulas are evaluated in other orders than autograd: 1 − o² loses digits
MAX_OPS = 400  # simplify only formulas this small: it takes seconds beyond
REFERENCE_TARGETS = (0.0, 1.0, 0.3)  # y = 0, y = 1 and a fraction
REFERENCE_NETWORKS = 6  # seeds seed, seed + 1, ...: two networks per target


@dataclass
class Verdict:
    """Whether `formula` is ∂root/∂node for every parameter it stands for, and if not, why not."""

    question: str  # "∂L/∂W1[h,m]"
    formula: str
    ok: bool
    checked: list[str]  # the concrete parameters
    points: str  # where each was checked, in words
    worst: float = 0.0  # the worst relative difference seen while equal
    mismatch: tuple[str, str, float, float] | None = None  # (parameter, where, formula's value, gradient)
    diagnosis: str = ""
    symbolic: bool | None = None  # sympy: True equal, False not equal, None could not decide
    answer: str = field(default="", repr=False)  # the chain rule's result, shown on request

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        lines = [f"{self.question} = {self.formula}: {'correct' if self.ok else 'WRONG'}"]
        n = len(self.checked)
        what = self.checked[0] if n == 1 else f"all {n} parameters {self.checked[0]} … {self.checked[-1]}"
        if self.ok:
            lines.append(f"  equal for {what} {self.points} (worst relative difference {self.worst:.1e})")
            lines.append(
                {
                    True: "  sympy: equal to the chain rule's result",
                    None: "  sympy could not decide symbolically; the numbers above agree",
                    False: "  sympy: NOT equal to the chain rule's result",
                }[self.symbolic]
            )
        elif self.mismatch is not None:
            param, where, got, want = self.mismatch
            lines.append(f"  {param} {where}: your formula gives {got:.10g}, the gradient is {want:.10g}")
            lines.append(f"  diagnosis: {self.diagnosis}")
        return "\n".join(lines)


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=RTOL, abs_tol=ATOL)


def _relative(a: float, b: float) -> float:
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


def _symbolically_equal(expr: sp.Expr, d: Derivation) -> bool | None:
    """True if sympy shows expr = d.result, None if it cannot tell.

    Node names are symbols. A node the formula writes by its definition (σ(a1[0]) for z1[0]) is read as
    that node; where one side names nodes the other does not, those are replaced by their definitions,
    a level at a time, until both speak of the same nodes (all the way to the leaves if need be).
    """
    defs = {symbol(name): definition for name, definition in d.definitions.items()}
    fold = {definition: name for name, definition in defs.items() if not definition.is_Symbol}
    a, b = expr.xreplace(fold), d.result
    try:
        for _ in range(len(defs) + 1):
            if _is_zero(a - b):
                return True
            only_a = {s: defs[s] for s in a.free_symbols - b.free_symbols if s in defs}
            only_b = {s: defs[s] for s in b.free_symbols - a.free_symbols if s in defs}
            if not (only_a or only_b) or sp.count_ops(a) + sp.count_ops(b) > MAX_OPS:
                break
            a, b = a.xreplace(only_a), b.xreplace(only_b)
        diff = d.in_leaves(a - b).rewrite(sp.exp)  # the last resort: everything in the leaves
        return True if sp.count_ops(diff) <= MAX_OPS and sp.simplify(diff) == 0 else None
    except (TypeError, ValueError, RecursionError):  # sympy gives up on some piecewise forms
        return None


def _is_zero(diff: sp.Expr) -> bool:
    """cancel decides rational functions exactly, and fast (exp(−a) is one more variable to it)."""
    return sp.cancel(sp.together(diff)) == 0


# -- any graph ---------------------------------------------------------------------------------------


def check_formula(
    root: Value | str, node: Value | str, formula: str | None = None, *, points: int = 5, seed: int = 0, **reference
) -> Verdict:
    """Is `formula` ∂root/∂node? Written with the graph's own node names (labels, t1, t2, ...; y for a loss
    target). Checked at the graph's values and at `points` nearby ones (the leaves moved, the rest
    recomputed), and by sympy.

    `check_formula("W1[h,m]", "W2[h]*x[m]*...", M=3, H=4, seed=0)` grades the reference network (`grade`).
    """
    if isinstance(root, str):
        if not isinstance(node, str):
            raise TypeError(f"check_formula(param, formula): the formula must be text, got {type(node).__name__}")
        return grade(root, node, **reference)
    if formula is None:
        raise TypeError("check_formula(root, node, formula): the formula is missing")
    d = derive(root, find(root, node, where="check_formula"))
    known = set(d.values)

    def resolve(stem: str, indices: tuple[int, ...]) -> str:
        name = f"{stem}[{','.join(map(str, indices))}]" if indices else stem
        if name not in known:
            shown = ", ".join(sorted(known)[:12]) + (", ..." if len(known) > 12 else "")
            raise ValueError(f"no node named {name!r} in this graph; its names are {shown}")
        return name

    expr = parse_formula(formula, resolve)
    truth = d.result
    leaves = [n for n in d.values if n not in d.definitions]
    symbols = [symbol(n) for n in leaves]
    mine, chain = numeric(d.in_leaves(expr), symbols), numeric(d.in_leaves(truth), symbols)
    base = [d.values[n] for n in leaves]
    rng = random.Random(seed)
    where = ["at the graph's values"] + [f"at a nearby point ({i + 1})" for i in range(points)]
    tries = [base] + [[v + rng.gauss(0.0, 0.1) * max(1.0, abs(v)) for v in base] for _ in range(points)]
    verdict = Verdict(
        f"{partial(d.root, d.node)}",
        formula,
        True,
        [d.node],
        f"at the graph's values and {points} nearby points",
        answer=text(truth),
    )
    for at, values in zip(where, tries):
        want = chain(*values)
        if not math.isfinite(want):
            continue  # the graph has no value there (a log of a negative number): not a test point
        got = mine(*values)
        if not _close(got, want):
            verdict.ok, verdict.mismatch = False, (d.node, at, got, want)
            verdict.diagnosis, verdict.symbolic = diagnose(d, expr), False
            return verdict
        verdict.worst = max(verdict.worst, _relative(got, want))
    verdict.symbolic = _symbolically_equal(expr, d)
    return verdict


# -- the reference network ---------------------------------------------------------------------------


def grade(param: str, formula: str, *, M: int = 3, H: int = 4, seed: int = 0) -> Verdict:
    """Is `formula` ∂L/∂param for the reference network, for every parameter `param` stands for?

    `param` is W1[h,m], b1[h], W2[h] (or W2[0,h]), b2, or one element such as W1[0,2]; the formula
    uses x[m], W1[h,m], b1[h], a1[h], z1[h], W2[h], b2, a2, z2 (= y_hat), y. Compared with autograd
    on REFERENCE_NETWORKS random networks (y = 0, 1 and 0.3), then with derive by sympy.
    """
    from ..notation.names import node_names
    from .reference import INDEX_FORM, ReferenceProblem, expand_parameter, index_form, parse_parameter, reference_name

    stem, tokens = parse_parameter(param)
    concrete = expand_parameter(param, M, H)

    def resolve(s: str, indices: tuple[int, ...]) -> str:
        return reference_name(s, indices, M, H)

    exprs = []
    for _, binding in concrete:  # every refusal comes before any number is computed
        try:
            exprs.append(parse_formula(formula, resolve, binding))
        except FormulaError as e:
            where = ", ".join(f"{t} = {v}" for t, v in binding.items())
            raise FormulaError(f"with {where}: {e}" if exprs and where else str(e)) from None
    letters = {c: t for c, t in zip(INDEX_FORM.get(stem, ()), tokens) if isinstance(t, str)}

    networks = []
    for i in range(REFERENCE_NETWORKS):
        y = REFERENCE_TARGETS[i % len(REFERENCE_TARGETS)]
        net, L = ReferenceProblem.random(M, H, seed=seed + i, y=y).autograd()
        values = {name: n.data for n, name in node_names(L).items()} | {"y": y}
        networks.append(
            (f"on network {i + 1} (seed {seed + i}, y = {y:g})", L, values, {p.label: p.grad for p in net.parameters()})
        )
    question = f"∂L/∂{param.replace(' ', '')}"
    points = f"on {len(networks)} networks (seeds {seed}–{seed + len(networks) - 1}, y = 0, 1, 0.3)"
    verdict = Verdict(question, formula, True, [name for name, _ in concrete], points)

    def in_index_form(d: Derivation, expr: sp.Expr, binding: dict[str, int]) -> tuple[Derivation, sp.Expr]:
        """d and expr with the parameter's letters for its indices: W1[0,1] -> W1[h,m], z1[0] -> z1[h]."""
        bound = {c: binding[t] for c, t in letters.items()}
        names = set(d.values) | {s.name for s in expr.free_symbols}
        mapping = {n: index_form(n, bound, letters) for n in names}
        return d.renamed(mapping), expr.xreplace({symbol(a): symbol(b) for a, b in mapping.items()})

    for (name, binding), expr in zip(concrete, exprs):
        symbols = sorted(expr.free_symbols, key=lambda s: s.name)
        f = numeric(expr, symbols)
        for where, L, values, grads in networks:
            got, want = f(*(values[s.name] for s in symbols)), grads[name]
            if not _close(got, want):
                d, shown = in_index_form(derive(L, name), expr, binding)
                verdict.ok, verdict.mismatch, verdict.symbolic = False, (name, where, got, want), False
                verdict.diagnosis, verdict.answer = diagnose(d, shown), text(d.result)
                return verdict
            verdict.worst = max(verdict.worst, _relative(got, want))
    L0 = networks[0][1]
    derived = [derive(L0, name) for name, _ in concrete]
    equal = [_symbolically_equal(expr, d) for d, expr in zip(derived, exprs)]
    verdict.symbolic = True if all(equal) else None
    verdict.answer = text(in_index_form(derived[0], exprs[0], concrete[0][1])[0].result)
    return verdict
