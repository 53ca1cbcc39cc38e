"""The op table: every op the engine can produce has a complete entry, its numeric local derivatives
equal its rule, and its rule equals sympy's derivative of its forward."""

import math
import random

import mpmath
import pytest
import sympy
from microgr810.losses import bce, bce_with_logits

from microgr810 import OPS, Value, add_n, linear
from microgr810.core.ops import FLOAT_MATH
from microgr810.notation.symbolic import SYMPY_MATH
from microgr810.notation.text import Text, local_text, op_text


def _v(rng, lo=-2.0, hi=2.0):
    return Value(rng.uniform(lo, hi))


# op name -> ways a learner produces it, each from a random generator (numbers on either side too)
PRODUCERS = {
    "+": [lambda r: _v(r) + _v(r), lambda r: _v(r) + 2.5, lambda r: 2.5 + _v(r)],
    "-": [lambda r: _v(r) - _v(r), lambda r: _v(r) - 1.5, lambda r: 1.0 - _v(r)],
    "*": [lambda r: _v(r) * _v(r), lambda r: _v(r) * 2.0, lambda r: -3.0 * _v(r)],
    "/": [lambda r: _v(r) / _v(r, 0.5, 2.0), lambda r: _v(r) / 4.0, lambda r: 2.0 / _v(r, 0.5, 2.0)],
    "neg": [lambda r: -_v(r)],
    "**": [
        lambda r: _v(r, 0.5, 2.0) ** _v(r),
        lambda r: _v(r) ** 3,
        lambda r: _v(r, 0.5, 2.0) ** -0.5,
        lambda r: 2.0 ** _v(r),
        lambda r: _v(r).pow(2),
    ],
    "exp": [lambda r: _v(r).exp()],
    "log": [lambda r: _v(r, 0.1, 3.0).log()],
    "tanh": [lambda r: _v(r).tanh()],
    "sigmoid": [lambda r: _v(r).sigmoid()],
    "relu": [lambda r: _v(r).relu()],
    "sin": [lambda r: _v(r).sin()],
    "cos": [lambda r: _v(r).cos()],
    "linear": [
        lambda r: linear([_v(r), _v(r)], [_v(r), _v(r)], _v(r)),
        lambda r: linear([_v(r), _v(r), _v(r)], [0.5, -1.0, 2.0], 0.25),
    ],
    "sum": [lambda r: add_n([_v(r), _v(r), _v(r)]), lambda r: add_n([_v(r), 2.0])],
    "bce": [
        lambda r: bce(Value(r.uniform(0.05, 0.95)), r.choice([0.0, 1.0, 0.3])),
        lambda r: bce(_v(r).sigmoid(), r.choice([0.0, 1.0, 0.3])),
    ],
    "bce_logits": [lambda r: bce_with_logits(_v(r), r.choice([0.0, 1.0, 0.3]))],
}
CASES = [(name, k) for name, makers in PRODUCERS.items() for k in range(len(makers))]


def test_every_op_the_engine_produces_has_an_entry_and_every_entry_is_produced():
    rng = random.Random(0)
    produced = {maker(rng).op for makers in PRODUCERS.values() for maker in makers}
    assert produced == set(OPS)


@pytest.mark.parametrize("name", sorted(OPS))
def test_entry_is_complete(name):
    entry = OPS[name]
    assert entry.name == name and callable(entry.forward) and callable(entry.d)
    n = entry.arity or 5
    names = [f"u{i}" for i in range(n)]
    for latex in (False, True):
        assert op_text(entry, names, latex=latex).strip()
        locals_ = local_text(entry, names, "o", latex=latex)
        assert len(locals_) == n and all(t and t.strip() for t in locals_)


@pytest.mark.parametrize("name,k", CASES)
def test_numeric_local_derivatives_equal_the_rule(name, k):
    rng = random.Random(hash((name, k)) % 1000)
    for _ in range(20):
        node = PRODUCERS[name][k](rng)
        assert node.op == name
        operands = [x.data if isinstance(x, Value) else x for x in node.operands]
        slots = {i for i, x in enumerate(node.operands) if isinstance(x, Value)}
        rule = [r for r in OPS[name].rule(FLOAT_MATH, *operands, out=node.data, slots=slots) if r is not None]
        assert len(rule) == len(node.inputs) == len(node.local_grads)
        for got, want in zip(node.local_grads, rule):
            assert math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-14), (name, operands, got, want)


@pytest.mark.parametrize("name,k", CASES)
def test_rule_equals_sympys_derivative_of_the_forward(name, k):
    node = PRODUCERS[name][k](random.Random(1))
    syms = [
        sympy.Symbol(f"u{i}", positive=name in ("log", "**")) if isinstance(x, Value) else sympy.Float(x)
        for i, x in enumerate(node.operands)
    ]
    entry = OPS[name]
    f = entry.forward(SYMPY_MATH, *syms)
    rules = entry.rule(SYMPY_MATH, *syms, out=f)
    for s, r in zip(syms, rules):
        if not isinstance(s, sympy.Symbol):
            continue
        gap = sympy.diff(f, s) - r
        if name == "relu":  # piecewise: compare off the kink
            assert all(gap.subs(s, t) == 0 for t in (-1.5, -0.2, 0.3, 2.0))
        else:
            assert sympy.simplify(gap) == 0, (name, s, r)


def test_numbers_are_part_of_the_op_not_nodes():
    x = Value(3.0, "x")
    for y in (x * 2, 2 * x, x + 1, 1 - x, x / 2, 2**x, x**3):
        assert y.inputs == (x,) and len(y.local_grads) == 1
    y = x * 2
    assert y.operands == (x, 2.0) and y.op == "*"
    assert (x**3).operands == (x, 3.0) and (x**3).op == "**"  # the exponent is data, not in the op's name
    L = (1 - x) * (x * 2)
    L.backward()
    assert x.grad == pytest.approx(-2 * 3 + 2 * (1 - 3))  # d/dx (1-x)(2x) = 2 - 4x at x = 3


def test_text_shows_the_numbers_and_brackets_only_where_needed():
    assert op_text("*", ["x", 2.0]) == "x·2"
    assert op_text("-", [1.0, "ŷ"]) == "1 − ŷ"
    assert op_text("**", ["x", 3.0]) == "x³"
    assert local_text("**", ["x", 3.0], "o") == ["3·x²", None]
    assert local_text("tanh", ["a"], "t") == ["1 − t²"]
    assert local_text("sigmoid", ["a2"], "z2") == ["z2(1 − z2)"]
    assert local_text("/", ["a", "b"], "o") == ["1/b", "−a/b²"]
    assert str(1 - (Text("a") + Text("b"))) == "1 − (a + b)"
    assert str(Text("x") * -2.0) == "x·(−2)"
    assert op_text("*", ["W1[0,1]", "x[1]"], latex=True) == r"W_{1}[0,1] \cdot x[1]"


def test_tanh_local_derivative_keeps_its_digits_as_tanh_saturates():
    worst = 0.0
    for i in range(4001):
        x = -20.0 + i * 0.01
        exact = mpmath.sech(mpmath.mpf(x)) ** 2  # no cancellation: sech^2 at 50 digits
        got = Value(x).tanh().local_grads[0]
        worst = max(worst, float(abs((got - exact) / exact)))
    assert worst <= 1e-13
