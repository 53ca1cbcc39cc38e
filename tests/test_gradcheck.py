"""gradcheck finds a wrong gradient and names it."""

import pytest

from microgr810 import Value
from microgr810.core.engine import node
from microgr810.teaching.gradcheck import gradcheck


def test_passes_on_correct_gradients():
    a, b = Value(1.5, "a"), Value(-0.5, "b")
    r = gradcheck(lambda: (a * b).tanh() + a.exp(), [a, b])
    assert r.ok and len(r.rows) == 2 and "passed" in str(r)
    assert a.data == 1.5 and b.data == -0.5  # restored


def test_reports_the_worst_mismatch_by_name():
    a, b = Value(2.0, "a"), Value(3.0, "b")

    def wrong():  # a product that claims d/da = 1 (its local derivative is deliberately wrong)
        return node(a.data * b.data, "*", (a, b), (1.0, a.data))

    r = gradcheck(wrong, [a, b])
    assert not r.ok
    assert r.worst.label == "a"
    assert r.worst.autograd == 1.0 and r.worst.numeric == pytest.approx(3.0, rel=1e-6)
    assert "FAILED" in str(r) and "'a'" not in str(r) and "a autograd 1" in str(r)


def test_central_difference_is_the_slope_to_order_eps_squared():
    from microgr810.teaching.gradcheck import central_difference

    # d(x^3)/dx = 3x^2 = 12 at 2; the central difference's error is exactly eps^2 for a cubic
    assert central_difference(lambda x: x**3, 2.0, eps=1e-3) == pytest.approx(12.0 + 1e-6, rel=1e-9)
    with pytest.raises(ValueError, match="eps must be positive, got nan"):
        central_difference(lambda x: x, 0.0, eps=float("nan"))
