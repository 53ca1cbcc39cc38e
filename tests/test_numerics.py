"""Numerics at the edges: every op at ±1e3, ±1e308, subnormals, ±0, ±inf and NaN.

The policy (engine.py's docstring): math with no real value raises, naming the node (log of a
non-positive value, division by zero, 0 to a negative power, a negative base to a fractional
power or to a Value exponent); overflow gives ±inf as PyTorch; NaN in, NaN out; backward never
raises. The policy is checked without PyTorch (values against numpy); everything that does not
raise is also compared with PyTorch float64, value and gradient, when PyTorch is installed.
"""

import math
import re
import sys

import numpy as np
import pytest
from hypothesis import given, strategies as st
from microgr810.losses import bce, bce_with_logits
from microgr810.nn import MLP

from microgr810 import closed_form
from microgr810.core.engine import Value, add_n, linear

nan, inf = math.nan, math.inf
EDGES = [1e3, -1e3, 1e308, -1e308, 5e-324, -5e-324, 1e-200, -1e-200, 0.0, -0.0, nan, inf, -inf, 710.0, -745.5]

# name: (on a Value, on a tensor)
OPS = {
    "exp": (Value.exp, "exp"),
    "log": (Value.log, "log"),
    "tanh": (Value.tanh, "tanh"),
    "sigmoid": (Value.sigmoid, "sigmoid"),
    "relu": (Value.relu, "relu"),
    "**2": (lambda v: v**2, lambda t: t**2),
    "**3": (lambda v: v**3, lambda t: t**3),
    "**-1": (lambda v: v**-1, lambda t: t**-1),
    "**-2": (lambda v: v**-2, lambda t: t**-2),
    "**-3": (lambda v: v**-3, lambda t: t**-3),
    "**0.5": (lambda v: v**0.5, lambda t: t**0.5),
    "**1.5": (lambda v: v**1.5, lambda t: t**1.5),
    "**0": (lambda v: v**0, lambda t: t**0),
    "2**x": (lambda v: 2.0**v, lambda t: 2.0**t),
    "x**x": (lambda v: v**v, lambda t: t**t),
    "1/x": (lambda v: 1.0 / v, lambda t: 1.0 / t),
    "x*x": (lambda v: v * v, lambda t: t * t),
}


def raises_by_policy(op: str, x: float):
    """(exception type, message) where the policy says the math has no value, else None."""
    if op == "log" and not x > 0.0 and x == x:
        return ValueError, rf"log of a non-positive value: 'a' is {re.escape(repr(x))}"
    if op in ("**0.5", "**1.5") and x < 0.0:
        return ValueError, r"negative base to a fractional power has no real value: 'a' is "
    if op in ("**-1", "**-2", "**-3") and x == 0.0:
        return ZeroDivisionError, r"0 raised to the negative power .*'a' is 0"
    if op == "1/x" and x == 0.0:
        return ZeroDivisionError, r"division by zero: the denominator 'a' is 0"
    if op == "x**x" and x < 0.0:
        return ValueError, rf"needs a base >= 0 .* the base 'a' is {re.escape(repr(x))}"
    return None


def same(a: float, b: float) -> bool:
    """Equal to within 4 ulp, signs of zero aside; NaN equals NaN; infinities exactly."""
    if a != a or b != b:
        return a != a and b != b
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= 4 * math.ulp(max(abs(a), abs(b)))


# documented departures from PyTorch, each with the value the math gives
DEPARTURES = {
    # sigma' is floored at 2^-1022 (engine.SIGMOID_GRAD_FLOOR) so BCE can divide by it; PyTorch has 0
    **{("sigmoid", x): "floor" for x in (1e3, -1e3, 1e308, -1e308, inf, -inf, 710.0, -745.5)},
    # sqrt at -0.0: IEEE pow gives +0 and the slope from the right is +inf; PyTorch's sqrt gives -0, -inf
    ("**0.5", -0.0): (0.0, inf),
    # NaN in, NaN out for gradients too: PyTorch's relu passes the gradient through a NaN input (1.0)
    ("relu", nan): (nan, nan),
}


BUGS: dict = {}  # (op, x) -> reason, for a known bug kept as a strict xfail until fixed
CASES = [
    pytest.param(
        op, x, id=f"{op}-{x!r}", marks=[pytest.mark.xfail(strict=True, reason=BUGS[op, x])] if (op, x) in BUGS else []
    )
    for op in OPS
    for x in EDGES
]


# the same functions in numpy float64: an independent source for the forward values
NUMPY = {
    "exp": np.exp,
    "log": np.log,
    "tanh": np.tanh,
    "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)),
    "relu": lambda x: x if x != x else np.maximum(x, 0.0),
    "**2": lambda x: x**2.0,
    "**3": lambda x: x**3.0,
    "**-1": lambda x: x**-1.0,
    "**-2": lambda x: x**-2.0,
    "**-3": lambda x: x**-3.0,
    "**0.5": lambda x: x**0.5,
    "**1.5": lambda x: x**1.5,
    "**0": lambda x: x**0.0,
    "2**x": lambda x: np.float64(2.0) ** x,
    "x**x": lambda x: x**x,
    "1/x": lambda x: 1.0 / x,
    "x*x": lambda x: x * x,
}


@pytest.mark.parametrize("op, x", CASES)
def test_op_at_the_edges_follows_the_policy(op, x):
    """No PyTorch needed: raise where the math has no value, else a float forward equal to numpy's and a
    backward that never raises."""
    f = OPS[op][0]
    a = Value(x, "a")
    policy = raises_by_policy(op, x)
    if policy is not None:
        with pytest.raises(policy[0], match=policy[1]):
            f(a)
        return
    out = f(a)
    out.backward()  # must not raise, whatever the values
    assert type(out.data) is float and type(a.grad) is float
    with np.errstate(all="ignore"):
        want = float(NUMPY[op](np.float64(x)))
    assert same(out.data, want), f"{op}({x!r}) = {out.data!r}, numpy {want!r}"


@pytest.mark.parametrize("op, x", [c for c in CASES if raises_by_policy(*c.values) is None])
def test_op_at_the_edges_matches_pytorch(torch, op, x):
    f, tf = OPS[op]
    a = Value(x, "a")
    out = f(a)
    out.backward()
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    tout = getattr(torch, tf)(t) if isinstance(tf, str) else tf(t)
    tout.backward()
    want = (tout.item(), t.grad.item())
    dep = DEPARTURES.get((op, x))
    if dep == "floor":
        assert same(out.data, want[0]) and a.grad == sys.float_info.min and want[1] == 0.0  # smallest normal float
        return
    if dep is not None:
        want = dep
    assert same(out.data, want[0]), f"{op}({x!r}) = {out.data!r}, PyTorch {want[0]!r}"
    assert same(a.grad, want[1]), f"d {op}/da at {x!r} = {a.grad!r}, PyTorch {want[1]!r}"


def test_power_slope_of_a_tiny_negative_base_to_an_even_power_is_inf_not_a_crash():
    """(-5e-324)**-2: d/da = -2 a^-3 = +inf (hand math)."""
    a = Value(-5e-324, "a")
    out = a**-2
    out.backward()
    assert out.data == inf and a.grad == inf


@pytest.mark.parametrize("x", [1e200, 1e308, inf])
def test_overflow_is_inf_with_the_sign_of_the_math(x):
    assert Value(x).exp().data == inf
    assert (Value(-x) ** 3).data == -inf and (Value(-x) ** 2).data == inf
    v = Value(-x)
    (v**3).backward()
    assert v.grad == inf  # 3 a^2 > 0


def test_undefined_math_names_an_unlabelled_node_by_its_op_and_value():
    with pytest.raises(ValueError, match=r"log of a non-positive value: - node with data -1.0 is -1.0"):
        (Value(1.0) - 2.0).log()
    with pytest.raises(ZeroDivisionError, match=r"leaf node with data 1.0 divided by the number 0"):
        Value(1.0) / 0


# -- NaN in, NaN out ------------------------------------------------------------------------------


@pytest.mark.parametrize("op", list(OPS))
def test_nan_in_gives_nan_out_and_backward_runs(op):
    a = Value(nan, "a")
    out = OPS[op][0](a)
    if op == "**0":  # a^0 is 1 for every a, NaN too (IEEE and PyTorch); its slope is 0
        assert out.data == 1.0
    else:
        assert out.data != out.data
    (out * 2.0 + 1.0).backward()
    if op != "**0":
        assert a.grad != a.grad, f"the NaN stopped before the input's gradient in {op}"


@pytest.mark.parametrize("which", [0, 1])
@pytest.mark.parametrize("op", ["+", "-", "*", "/", "linear", "add_n"])
def test_nan_through_binary_ops_reaches_the_output(op, which):
    a, b = Value(nan if which == 0 else 2.0, "a"), Value(nan if which == 1 else 1.5, "b")
    f = {
        "+": lambda: a + b,
        "-": lambda: a - b,
        "*": lambda: a * b,
        "/": lambda: a / b,
        "linear": lambda: linear([a], [b], Value(1.0)),
        "add_n": lambda: add_n([a, b]),
    }[op]
    out = f()
    assert out.data != out.data
    out.backward()  # no raise
    # the NaN input's own gradient is finite for + - and add_n (the local slope is 1 or -1): as PyTorch
    assert all(math.isnan(g) or math.isfinite(g) for g in (a.grad, b.grad))


def test_nan_base_with_a_value_exponent_reaches_the_exponents_gradient():
    a, b = Value(nan, "a"), Value(2.0, "b")
    (a**b).backward()
    assert b.grad != b.grad


def test_nan_through_a_whole_network_and_loss_gives_nan_gradients_without_raising():
    net = MLP.reference([[1.0, -1.0]], [0.0], [[2.0]], 0.5)
    L = bce(net([nan, 1.0]), 1.0)
    L.backward()
    assert L.data != L.data
    assert all(g != g for g in net.grad_arrays()["W1"].ravel())


# -- the BCE loss when y_hat rounds to 0 or 1 -------------------------------------------------------


@pytest.mark.parametrize("y", [0.0, 1.0, 0.3])
@pytest.mark.parametrize("a", [40.0, -40.0, 800.0, -800.0, 1e308, -1e308])
def test_bce_of_a_saturated_sigmoid_is_finite_with_gradient_y_hat_minus_y(torch, a, y):
    a2 = Value(a, "a2")
    y_hat = a2.sigmoid()
    L = bce(y_hat, y)
    L.backward()
    assert math.isfinite(L.data)
    assert a2.grad == y_hat.data - y  # exactly: the derivation's dL/da2 = y_hat - y
    t = torch.tensor(a, requires_grad=True)
    tl = torch.nn.functional.binary_cross_entropy_with_logits(t, torch.tensor(y))
    tl.backward()
    assert a2.grad == t.grad.item()
    assert L.data == pytest.approx(tl.item(), rel=1e-15, abs=1e-16)


def test_bce_keeps_the_digits_of_a_tiny_loss(torch):
    L = bce(Value(40.0).sigmoid(), 1.0)
    want = torch.nn.functional.binary_cross_entropy_with_logits(torch.tensor(40.0), torch.tensor(1.0)).item()
    assert L.data == pytest.approx(want, rel=1e-12, abs=0.0)


@given(st.floats(-1e308, 1e308), st.sampled_from([0.0, 1.0]) | st.floats(0.0, 1.0))
def test_bce_gradient_is_y_hat_minus_y_to_an_ulp_for_any_logit(a, y):
    a2 = Value(a)
    y_hat = a2.sigmoid()
    for L in (bce(y_hat, y), bce_with_logits(a2, y)):
        a2.grad = 0.0
        L.backward()
        assert math.isfinite(L.data) and L.data >= -1e-300 * abs(a)
        s = float(closed_form.sigmoid(np.float64(a)))  # the closed form's sigmoid, independently
        assert abs(a2.grad - (s - y)) <= math.ulp(1.0), (a, y, a2.grad, s - y)


@pytest.mark.parametrize("b2, y", [(40.0, 0.0), (800.0, 0.0), (-800.0, 1.0), (-40.0, 1.0)])
def test_a_saturated_reference_network_matches_the_closed_form(b2, y):
    W1, b1, W2, x = [[0.5, -0.25], [1.0, 2.0]], [0.1, -0.1], [[1.5, -0.5]], [0.3, 0.7]
    net = MLP.reference(W1, b1, W2, b2)
    L = bce(net(x), y)
    L.backward()
    assert math.isfinite(L.data) and L.data > 30.0
    hand = closed_form.gradients(W1, b1, W2, b2, x, y)
    for name, g in net.grad_arrays().items():
        np.testing.assert_allclose(g, hand[name], rtol=1e-12, atol=0.0, err_msg=name)
