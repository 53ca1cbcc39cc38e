"""Property tests: random expression DAGs over every op against finite differences and PyTorch,
and random reference networks against the hand-derived closed form.

A DAG is a program: a list of steps, each an op applied to earlier nodes (picked with reuse, so
one node feeds many). The same program is replayed on Values, on perturbed Values (finite
differences) and on float64 tensors (PyTorch). Each op is only applied where it is smooth with a
margin far larger than the finite-difference step: log of > 0.2, division by |d| > 0.2, relu
away from its kink, fractional powers of > 0.2; magnitudes stay below 50 so that differences
of nearby values keep their digits.
"""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from microgr810.reference import ReferenceProblem

from microgr810 import closed_form
from microgr810.core.engine import Value, add_n, linear
from microgr810.teaching.gradcheck import gradcheck

BOUND = 50.0
MARGIN = 0.2
UNARY = ["neg", "exp", "log", "tanh", "sigmoid", "relu", "pow_num", "rpow"]
BINARY = ["+", "-", "*", "/", "pow_value"]
NARY = ["linear", "add_n"]
WITH_NUMBER = ["r+", "r-", "r*", "r/", "+c", "*c"]
EXPONENTS = [2.0, 3.0, -1.0, -2.0, 0.5, 1.5, 0.0, 1.0]


def ok_arg(op: str, a: float, b: float | None = None, c: float | None = None) -> bool:
    """Is the op smooth, with margin, at these inputs?"""
    if op == "exp":
        return a < 3.0
    if op == "log":
        return a > MARGIN
    if op == "relu":
        return abs(a) > MARGIN
    if op in ("/", "r/"):
        return abs(b if op == "/" else a) > MARGIN
    if op == "pow_num":
        return a > MARGIN if not c.is_integer() else (abs(a) > MARGIN if c < 0 else True)
    if op == "pow_value":
        return a > MARGIN and abs(b) < 3.0
    if op == "rpow":
        return abs(a) < 3.0
    return True


def step(op: str, args: list, c: float, lib) -> object:
    """One op on Values or on tensors; `lib` supplies the named functions."""
    a = args[0]
    if op == "+":
        return a + args[1]
    if op == "-":
        return a - args[1]
    if op == "*":
        return a * args[1]
    if op == "/":
        return a / args[1]
    if op == "neg":
        return -a
    if op == "pow_num":
        return a**c
    if op == "pow_value":
        return a ** args[1]
    if op == "rpow":
        return c**a
    if op == "r+":
        return c + a
    if op == "r-":
        return c - a
    if op == "r*":
        return c * a
    if op == "r/":
        return c / a
    if op == "+c":
        return a + c
    if op == "*c":
        return a * c
    if op == "linear":
        k = (len(args) - 1) // 2
        return lib.linear(args[:k], args[k : 2 * k], args[-1])
    if op == "add_n":
        return lib.add_n(args)
    return getattr(lib, op)(a)


class EngineLib:
    exp, log, tanh, sigmoid, relu = Value.exp, Value.log, Value.tanh, Value.sigmoid, Value.relu
    linear = staticmethod(linear)
    add_n = staticmethod(add_n)


def replay(program, leaves, lib):
    """Every node of the program, inputs first; the root is the sum of all of them."""
    nodes = list(leaves)
    for op, idx, c in program:
        nodes.append(step(op, [nodes[i] for i in idx], c, lib))
    return lib.add_n(nodes)


@st.composite
def programs(draw):
    """(input values, program) whose every step is smooth with margin at those inputs."""
    xs = draw(st.lists(st.floats(-3.0, 3.0).filter(lambda v: abs(v) > 0.05), min_size=1, max_size=4))
    values = list(xs)
    program = []
    ops = UNARY + BINARY + NARY + WITH_NUMBER
    for _ in range(draw(st.integers(1, 12))):
        op = draw(st.sampled_from(ops))
        pick = st.integers(0, len(values) - 1)
        c = (
            draw(st.sampled_from(EXPONENTS))
            if op == "pow_num"
            else draw(st.floats(0.3, 3.0) if op == "rpow" else st.floats(-2.0, 2.0).filter(lambda v: abs(v) > MARGIN))
        )
        if op in NARY:
            k = draw(st.integers(1, 4))
            idx = [draw(pick) for _ in range(2 * k + 1 if op == "linear" else k)]
        else:
            idx = [draw(pick) for _ in range(2 if op in BINARY else 1)]
        args = [values[i] for i in idx]
        if not ok_arg(op, args[0], args[1] if len(args) > 1 else None, c):
            continue
        v = step(op, [Value(a) for a in args], c, EngineLib).data
        if not abs(v) < BOUND:
            continue
        values.append(v)
        program.append((op, idx, c))
    return xs, program


def ops_of(program) -> set[str]:
    return {op for op, _, _ in program}


@given(programs())
def test_random_dag_matches_central_finite_differences(case):
    xs, program = case
    leaves = [Value(x, f"x{i}") for i, x in enumerate(xs)]
    root = replay(program, leaves, EngineLib)
    scale = max(1.0, abs(root.data))
    report = gradcheck(lambda: replay(program, leaves, EngineLib), leaves, eps=1e-6, rtol=1e-4, atol=1e-6 * scale)
    assert report.ok, f"{report} for program {program} at {xs}"


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # the torch fixture holds no state
@given(programs())
def test_random_dag_matches_pytorch_float64(torch, case):
    xs, program = case
    leaves = [Value(x) for x in xs]
    root = replay(program, leaves, EngineLib)
    root.backward()

    class TorchLib:
        exp, log, tanh, sigmoid, relu = torch.exp, torch.log, torch.tanh, torch.sigmoid, torch.relu

        @staticmethod
        def linear(w, x, b):
            return sum((wi * xi for wi, xi in zip(w, x)), b)

        @staticmethod
        def add_n(vs):
            return torch.stack(list(vs)).sum()

    tx = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    troot = replay(program, tx, TorchLib)
    troot.backward()
    assert root.data == pytest.approx(troot.item(), rel=1e-12, abs=1e-12)
    for v, t in zip(leaves, tx):
        want = 0.0 if t.grad is None else t.grad.item()
        assert v.grad == pytest.approx(want, rel=1e-9, abs=1e-9), f"program {program} at {xs}"


def test_the_generator_reaches_every_op():
    """The DAG strategy is no use if some op never survives its domain filter."""
    seen = set()

    @given(programs())
    def collect(case):
        seen.update(ops_of(case[1]))

    collect()
    assert seen == set(UNARY + BINARY + NARY + WITH_NUMBER)


# -- the reference network against the hand derivation ----------------------------------------------

weights = st.floats(-3.0, 3.0)


@st.composite
def reference_problems(draw):
    M, H = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    batch = draw(st.none() | st.integers(1, 4))

    def arr(*shape):
        return np.array(
            draw(st.lists(weights, min_size=int(np.prod(shape)), max_size=int(np.prod(shape)))), dtype=float
        ).reshape(shape)

    target = st.sampled_from([0.0, 1.0]) | st.floats(0.0, 1.0)  # labels, and soft targets
    n = 1 if batch is None else batch
    y = np.array(draw(st.lists(target, min_size=n, max_size=n))).reshape(() if batch is None else (batch,))
    return ReferenceProblem(arr(H, M), arr(H), arr(1, H), arr(), arr(M) if batch is None else arr(batch, M), y)


@given(reference_problems())
def test_reference_network_gradients_match_the_closed_form(p):
    net, L = p.autograd()
    auto = net.grad_arrays()
    hand = closed_form.gradients(p.W1, p.b1, p.W2, p.b2, p.x, p.y)
    for name in ("W1", "b1", "W2", "b2"):
        np.testing.assert_allclose(auto[name], hand[name], rtol=1e-9, atol=1e-13, err_msg=name)
    # the forward pass too: L from the closed form's y_hat
    z2 = closed_form.forward(p.W1, p.b1, p.W2, p.b2, p.x)["z2"]
    with np.errstate(divide="ignore"):
        Ls = -(p.y * np.log(z2) + (1 - p.y) * np.log1p(-z2))
    assert L.data == pytest.approx(float(np.mean(Ls)), rel=1e-9, abs=1e-12)
    assert math.isfinite(L.data)


def test_every_run_is_the_reproducible_profile_unless_the_wide_one_is_asked_for():
    import os

    from hypothesis import settings

    from conftest import IN_CI

    name = os.environ.get("HYPOTHESIS_PROFILE") or "ci"
    if IN_CI and name != "ci":
        pytest.fail("CI must run the reproducible 'ci' profile: unset HYPOTHESIS_PROFILE")
    ci, dev = settings.get_profile("ci"), settings.get_profile("dev")
    assert ci.max_examples >= 500 and ci.derandomize is True and ci.deadline is None
    assert dev.max_examples > ci.max_examples and dev.derandomize is False  # `make test-deep`
    assert settings.default.max_examples == settings.get_profile(name).max_examples
