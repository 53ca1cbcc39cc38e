"""The Value engine: every op's forward and local derivative, node reuse, backward semantics, bad input.

Expected numbers come from hand math, math-module values, central finite differences, and
micrograd's README example (an independent published result).
"""

import math

import numpy as np
import pytest

from microgr810 import Value, add_n, linear, topological_order
from microgr810.teaching.gradcheck import central_difference as fd

# (name, build from a Value, the same function on floats, points including the edges)
UNARY = [
    ("exp", lambda v: v.exp(), math.exp, [-3.0, 0.0, 0.5, 2.0]),
    ("log", lambda v: v.log(), math.log, [1e-3, 0.5, 1.0, 7.0]),
    ("tanh", lambda v: v.tanh(), math.tanh, [-4.0, -0.3, 0.0, 2.5]),
    ("sigmoid", lambda v: v.sigmoid(), lambda x: 1 / (1 + math.exp(-x)), [-8.0, -1.0, 0.0, 3.0]),
    ("relu", lambda v: v.relu(), lambda x: max(x, 0.0), [-2.0, -1e-3, 1e-3, 4.0]),
    ("neg", lambda v: -v, lambda x: -x, [-1.5, 0.0, 2.0]),
    ("pow3", lambda v: v**3, lambda x: x**3, [-2.0, 0.0, 1.5]),
    ("pow-0.5", lambda v: v**-0.5, lambda x: x**-0.5, [0.25, 4.0]),
    ("pow0", lambda v: v**0, lambda x: 1.0, [-3.0, 2.0]),
    ("rpow", lambda v: 2**v, lambda x: 2**x, [-1.0, 0.0, 3.0]),
    ("radd", lambda v: 3 + v, lambda x: 3 + x, [1.0]),
    ("rsub", lambda v: 3 - v, lambda x: 3 - x, [1.0]),
    ("rmul", lambda v: 3 * v, lambda x: 3 * x, [1.0]),
    ("rdiv", lambda v: 3 / v, lambda x: 3 / x, [-2.0, 0.5]),
    ("div-const", lambda v: v / 4, lambda x: x / 4, [1.0]),
]


@pytest.mark.parametrize("name,op,f,points", UNARY, ids=[u[0] for u in UNARY])
def test_unary_forward_and_local_derivative(name, op, f, points):
    for x in points:
        v = Value(x)
        out = op(v)
        out.backward()
        assert out.data == pytest.approx(f(x), rel=1e-12, abs=1e-12)
        assert v.grad == pytest.approx(fd(f, x), rel=1e-6, abs=1e-8), (name, x)
        assert type(out.data) is float and type(v.grad) is float


BINARY = [
    ("+", lambda a, b: a + b),
    ("-", lambda a, b: a - b),
    ("*", lambda a, b: a * b),
    ("/", lambda a, b: a / b),
    ("**", lambda a, b: a**b),
]


@pytest.mark.parametrize("name,op", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("x,y", [(1.5, 2.0), (0.7, -1.3), (3.0, 0.5)])
def test_binary_forward_and_both_local_derivatives(name, op, x, y):
    a, b = Value(x), Value(y)
    out = op(a, b)
    out.backward()
    assert out.data == pytest.approx(op(x, y), rel=1e-12)
    assert a.grad == pytest.approx(fd(lambda t: op(t, y), x), rel=1e-6, abs=1e-8)
    assert b.grad == pytest.approx(fd(lambda t: op(x, t), y), rel=1e-6, abs=1e-8)


def test_linear_and_add_n_are_the_math():
    w = [Value(0.5), Value(-2.0)]
    x = [Value(3.0), 4.0]  # a raw number becomes a constant leaf
    b = Value(0.25)
    a = linear(w, x, b, "a")
    a.backward()
    assert a.data == 0.5 * 3.0 - 2.0 * 4.0 + 0.25
    assert [wi.grad for wi in w] == [3.0, 4.0]  # da/dw_i = x_i
    assert x[0].grad == 0.5 and b.grad == 1.0  # da/dx_i = w_i, da/db = 1
    s = add_n([w[0], w[0], 2.0])
    w[0].grad = 0.0
    s.backward()
    assert s.data == 3.0 and w[0].grad == 2.0


def test_micrograd_readme_expression():
    # published in micrograd's README (and checked there against PyTorch)
    a, b = Value(-4.0), Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    assert g.data == pytest.approx(24.7041, abs=1e-4)
    assert a.grad == pytest.approx(138.8338, abs=1e-4)
    assert b.grad == pytest.approx(645.5773, abs=1e-4)


@pytest.mark.parametrize(
    "build,x,expected",
    [
        (lambda a: a + a, 3.0, 2.0),  # d(2a)/da
        (lambda a: a * a, 3.0, 6.0),  # d(a^2)/da = 2a
        (lambda a: (a + a) + (a + a), 3.0, 4.0),  # b = a + a; c = b + b
        (lambda a: a * a * a, 3.0, 27.0),  # 3a^2
    ],
)
def test_node_reuse_accumulates(build, x, expected):
    a = Value(x)
    build(a).backward()
    assert a.grad == expected


def test_backward_twice_leaves_accumulate_interior_nodes_do_not():
    a = Value(3.0)
    sq = a * a
    b = sq * a
    b.backward()
    b.backward()
    assert a.grad == 54.0  # 27 + 27, as PyTorch with retain_graph
    assert sq.grad == 3.0  # exactly this call's db/dsq = a (micrograd would give 6)
    assert b.grad == 1.0


def test_million_op_chain_under_default_recursion_limit():
    import sys

    assert sys.getrecursionlimit() <= 10_000
    x = Value(0.5)
    y = x
    n = 1_000_000
    for _ in range(n):
        y = y * 1.0000001
    y.backward()
    expected = 1.0000001**n
    assert x.grad == pytest.approx(expected, rel=1e-9)
    assert len(topological_order(y)) == n + 1  # each op adds its node; the number 1.0000001 is no node


def test_topological_order_puts_inputs_first_and_is_deterministic():
    a, b = Value(1.0, "a"), Value(2.0, "b")
    c = a * b
    d = c + a
    order = topological_order(d)
    pos = {id(v): i for i, v in enumerate(order)}
    for v in order:
        for child in v.inputs:
            assert pos[id(child)] < pos[id(v)]
    assert [v.label for v in order] == [v.label for v in topological_order(d)]
    assert c.inputs == (a, b)  # ordered tuple, not a set


@pytest.mark.parametrize("x", [1, 2.5, np.float64(1.5), np.float32(0.5), np.int64(3), np.array(2.0)])
def test_data_and_grad_are_python_floats(x):
    v = Value(x)
    assert type(v.data) is float and type(v.grad) is float
    out = v * 2 + 1
    out.backward()
    assert type(out.data) is float and type(v.grad) is float
    assert type((v * np.float64(2.0)).data) is float


@pytest.mark.parametrize("bad", [True, "1.0", None, 1 + 2j, [1.0], np.array([1.0, 2.0]), {}])
def test_value_refuses_non_reals(bad):
    with pytest.raises(TypeError, match="real number"):
        Value(bad)


def test_ops_refuse_non_real_operands():
    with pytest.raises(TypeError, match="str"):
        Value(1.0) + "a"
    with pytest.raises(TypeError, match="NoneType"):
        Value(1.0) * None


def test_log_of_non_positive_names_node_and_value():
    with pytest.raises(ValueError, match=r"log of a non-positive value: 'p' is -0\.5"):
        Value(-0.5, "p").log()
    with pytest.raises(ValueError, match=r"log .* 0\.0"):
        Value(0.0).log()


def test_division_by_zero_names_denominator():
    with pytest.raises(ZeroDivisionError, match="'d' is 0"):
        Value(1.0) / Value(0.0, "d")
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        2.0 / Value(0.0)


def test_negative_base_fractional_exponent_is_refused_not_complex():
    with pytest.raises(ValueError, match=r"negative base .* 'n' is -8\.0, exponent 0\.5"):
        Value(-8.0, "n") ** 0.5
    with pytest.raises(ValueError, match="base >= 0"):
        Value(-2.0, "n") ** Value(2.0)
    with pytest.raises(ZeroDivisionError, match="negative power"):
        Value(0.0, "z") ** -1


@pytest.mark.parametrize("x", [-1000.0, -745.0, 745.0, 1000.0, 1e308, -1e308])
def test_sigmoid_and_tanh_stay_finite(x):
    for op in (Value.sigmoid, Value.tanh):
        v = Value(x)
        out = op(v)
        out.backward()
        assert math.isfinite(out.data) and math.isfinite(v.grad)
        assert -1.0 <= out.data <= 1.0
