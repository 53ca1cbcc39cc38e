"""SGD and Adam: one step by hand, and Adam against torch.optim.Adam step after step."""

import math

import pytest
from microgr810.optim import SGD, Adam

from microgr810 import Value


def test_sgd_step_is_minus_lr_times_grad():
    a, b = Value(1.0), Value(-2.0)
    a.grad, b.grad = 0.5, -3.0
    SGD([a, b], lr=0.1).step()
    assert a.data == 1.0 - 0.1 * 0.5 and b.data == -2.0 + 0.1 * 3.0


def test_adam_first_step_by_hand():
    """After one step m/(1-b1) = g and v/(1-b2) = g^2, so p moves by lr g / (|g| + eps)."""
    a, b, c = Value(1.0), Value(-2.0), Value(0.25)
    a.grad, b.grad, c.grad = 0.5, -3.0, 0.0
    opt = Adam([a, b, c], lr=0.1)
    opt.step()
    assert a.data == pytest.approx(1.0 - 0.1 * 0.5 / (0.5 + 1e-8), rel=1e-15, abs=0)
    assert b.data == pytest.approx(-2.0 + 0.1 * 3.0 / (3.0 + 1e-8), rel=1e-15, abs=0)
    assert c.data == 0.25  # no gradient, no move
    assert opt.t == 1 and opt.m == pytest.approx([0.05, -0.3, 0.0]) and opt.v == pytest.approx([2.5e-4, 9e-3, 0.0])


def test_adam_second_step_by_hand():
    """g = 1 then g = 3: m = 0.9·0.1 + 0.3 = 0.39, v = 0.999·0.001 + 0.009 = 0.009999, over 1 - b^2."""
    p = Value(0.0)
    opt = Adam([p], lr=0.01)
    p.grad = 1.0
    opt.step()
    after_one = p.data
    p.grad = 3.0
    opt.step()
    m_hat, v_hat = 0.39 / (1 - 0.9**2), 0.009999 / (1 - 0.999**2)
    assert p.data - after_one == pytest.approx(-0.01 * m_hat / (math.sqrt(v_hat) + 1e-8), rel=1e-12)


def loss_of(a, b, c):
    """A small loss with curvature in every parameter, written once for Values and for tensors."""
    return (a * b - 1.0) ** 2 + c.tanh() * a + 0.5 * c * c + b / (1.0 + a * a)


@pytest.mark.parametrize(
    "kw", [{}, {"lr": 0.05}, {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6}, {"lr": 0.03, "weight_decay": 0.1}]
)
def test_adam_matches_torch_step_for_step(torch, kw):
    start = [0.3, -1.2, 0.8]
    ours = [Value(x) for x in start]
    theirs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in start]
    opt, topt = Adam(ours, **kw), torch.optim.Adam(theirs, **kw)
    for _ in range(8):
        opt.zero_grad()
        loss_of(*ours).backward()
        topt.zero_grad()
        loss_of(*theirs).backward()
        opt.step()
        topt.step()
        for p, t in zip(ours, theirs):
            assert p.data == pytest.approx(t.item(), rel=1e-12, abs=1e-12)


def test_the_state_lives_in_the_optimizer_because_a_value_takes_no_new_attributes():
    p = Value(1.0)
    with pytest.raises(AttributeError):
        p.m = 0.0  # what micrograd-style optimisers do; a Value has __slots__
    opt = Adam([p])
    p.grad = 1.0
    opt.step()
    assert len(opt.m) == len(opt.v) == 1 and opt.m[0] != 0.0
