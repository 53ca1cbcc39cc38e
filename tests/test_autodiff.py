"""Gradients of gradients: grad() against backward, sympy and finite differences; Hessians; Newton."""

import math
import random

import numpy as np
import pytest
import sympy

from microgr810 import Value, grad, hessian
from microgr810.notation.symbolic import SYMPY_MATH
from microgr810.teaching.gradcheck import central_difference

# unary ops: (build on a Value, the same in sympy, a point inside the domain)
UNARY = {
    "exp": (lambda x: x.exp(), lambda s: sympy.exp(s), 0.7),
    "log": (lambda x: x.log(), lambda s: sympy.log(s), 1.3),
    "tanh": (lambda x: x.tanh(), lambda s: sympy.tanh(s), 0.4),
    "sigmoid": (lambda x: x.sigmoid(), lambda s: SYMPY_MATH.sigmoid(s), -0.8),
    "relu": (lambda x: x.relu() * x.relu(), lambda s: s * s, 1.1),  # relu'' is 0: square it to see more
    "neg": (lambda x: -(x * x * x), lambda s: -(s**3), 0.9),
    "pow": (lambda x: x**3.5, lambda s: s**3.5, 1.7),
    "rpow": (lambda x: 2.0**x, lambda s: 2**s, 0.6),
    "div": (lambda x: 3.0 / x, lambda s: 3 / s, 1.4),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_second_derivative_of_every_unary_op_against_sympy(name):
    build, symbolic, at = UNARY[name]
    x, s = Value(at, "x"), sympy.Symbol("x")
    (d1,) = grad(build(x), [x])
    (d2,) = grad(d1, [x])
    assert d1.data == pytest.approx(float(sympy.diff(symbolic(s), s).subs(s, at)), rel=1e-12)
    assert d2.data == pytest.approx(float(sympy.diff(symbolic(s), s, 2).subs(s, at)), rel=1e-10)


BINARY = {
    "+": (lambda a, b: (a + b) ** 2, lambda a, b: (a + b) ** 2),
    "-": (lambda a, b: (a - b) ** 3, lambda a, b: (a - b) ** 3),
    "*": (lambda a, b: a * b * a, lambda a, b: a * b * a),
    "/": (lambda a, b: a / b, lambda a, b: a / b),
    "**": (lambda a, b: a**b, lambda a, b: a**b),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_hessian_of_every_binary_op_against_sympy(name):
    build, symbolic = BINARY[name]
    a, b = Value(1.3, "a"), Value(0.7, "b")
    sa, sb = sympy.symbols("a b")
    H = hessian(build(a, b), [a, b])
    want = sympy.hessian(symbolic(sa, sb), (sa, sb)).subs({sa: 1.3, sb: 0.7})
    assert np.allclose(H, np.array(want, dtype=float), rtol=1e-10, atol=1e-12)
    assert np.array_equal(H, H.T) or np.allclose(H, H.T, rtol=1e-12)


def _random_expression(rng, leaves):
    """A random expression over the leaves, kept inside every op's domain."""
    nodes = list(leaves)
    for _ in range(8):
        a, b = rng.choice(nodes), rng.choice(nodes)
        kind = rng.randrange(7)
        if kind == 0:
            out = a * b
        elif kind == 1:
            out = a + b * 0.5
        elif kind == 2:
            out = a.tanh()
        elif kind == 3:
            out = (a * 0.3).exp()
        elif kind == 4:
            out = (a * a + 1.0).log()
        elif kind == 5:
            out = a / (b * b + 1.0)
        else:
            out = (1 - a).sigmoid()
        nodes.append(out)
    return nodes[-1] + nodes[-2] * 0.5


@pytest.mark.parametrize("seed", range(10))
def test_random_expressions_first_order_equals_backward_and_second_order_equals_finite_differences(seed):
    rng = random.Random(seed)
    xs = [Value(rng.uniform(-1, 1), f"x{i}") for i in range(3)]
    f = _random_expression(random.Random(seed), xs)
    first = grad(f, xs)
    assert all(x.grad == 0.0 for x in xs)  # grad() touches no .grad
    f.backward()
    for g, x in zip(first, xs):
        assert g.data == pytest.approx(x.grad, rel=1e-12, abs=1e-14)
    H = hessian(f, xs)
    assert np.allclose(H, H.T, rtol=1e-9, atol=1e-12)
    # finite differences of the first derivative, rebuilt at shifted points
    for j in range(3):

        def grads_at(t, j=j):
            ys = [Value(t if k == j else x.data) for k, x in enumerate(xs)]
            return np.array([g.data for g in grad(_random_expression(random.Random(seed), ys), ys)])

        column = central_difference(grads_at, xs[j].data)
        assert np.allclose(H[:, j], column, rtol=1e-5, atol=1e-6)


def test_grad_leaves_grad_fields_floats_and_untouched():
    x = Value(2.0, "x")
    f = x * x * x
    x.grad = 5.0
    (d1,) = grad(f, [x])
    (d2,) = grad(d1, [x])
    assert x.grad == 5.0 and isinstance(x.grad, float)
    assert (d1.data, d2.data) == (12.0, 12.0)  # 3x^2, 6x at x = 2


def test_an_input_the_output_does_not_depend_on_gets_zero():
    x, z = Value(2.0), Value(5.0)
    dx, dz = grad(x * 3, [x, z])
    assert (dx.data, dz.data) == (3.0, 0.0)
    (d2,) = grad(dx, [x])  # a constant derivative is a Value too, with derivative 0
    assert d2.data == 0.0


def test_newtons_method_on_x4_minus_2x2_from_2_converges_to_1():
    x = 2.0
    for _ in range(20):
        v = Value(x, "x")
        f = v**4 - 2 * v**2
        (d1,) = grad(f, [v])
        (d2,) = grad(d1, [v])
        x -= d1.data / d2.data
    assert math.isclose(x, 1.0, rel_tol=1e-12)


def test_grad_refuses_what_is_not_a_value():
    with pytest.raises(TypeError, match="output must be a Value"):
        grad(3.0, [])
    with pytest.raises(TypeError, match="input 0 must be a Value"):
        grad(Value(1.0), [2.0])


def test_a_rule_calling_a_missing_op_says_which_op_to_add():
    """A new op whose rule calls m.sec: grad() through it needs a sec op too."""
    from microgr810.core.engine import VALUE_MATH

    with pytest.raises(AttributeError, match=r"calls m\.sec, but Value has no 'sec' op"):
        VALUE_MATH.sec  # noqa: B018
    assert VALUE_MATH.exp(Value(0.0)).data == 1.0  # an op that exists builds its node
