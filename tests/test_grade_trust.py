"""A grader a class can trust: sound (fresh random points, high precision, a non-zero symbolic difference is
"wrong"), bounded (every verdict within 5 s, M and H up to 64), never a traceback, exit codes a script trusts."""

import subprocess
import sys
import time

import pytest

from microgr810 import Value
from microgr810.core.losses import bce, mse
from microgr810.core.nn import MLP
from microgr810.core.ops import FLOAT_MATH
from microgr810.notation import expr
from microgr810.teaching.grade import MAX_SIZE, check_formula, grade
from microgr810.teaching.reference import gradient_formula

W1 = "W2[h]*x[m]*z1[h]*(1 - z1[h])*(y_hat - y)"
LIMIT = 5.0  # seconds: the promise; measured verdicts take 0.01-0.9 s, an undecided one ~3.6 s (the 3.5 s deadline)


def timed(*args, **kwargs):
    start = time.perf_counter()
    v = grade(*args, **kwargs)
    return v, time.perf_counter() - start


# -- sound -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "formula",
    [
        "y_hat - y + y*(1 - y)*(10*y - 3)",  # the held-out probe: right at y = 0, 1 and 0.3 only
        "y_hat - y + (y - 0.3)*(y - 0.7)",
        "y_hat - y + y*(y - 1)",  # right at y = 0 and 1
        "y_hat - y + (x[0] - 1)*(x[1] + 2)",  # right where an input hits a fixed value
        "y_hat - y + 1e-30*W2[0]",  # below float64's resolution: the 40 digits and the proof see it
        "y_hat - y + exp(-80)",
    ],
)
def test_probes_that_agree_at_a_few_points_are_rejected(formula):
    for _ in range(3):  # fresh networks every call: none of them may pass
        v = grade("b2", formula)
        assert v.verdict == "wrong", str(v)
        assert v.exit_code == 1


def test_every_call_draws_fresh_networks_unless_a_seed_is_given():
    a, b = grade("b2", "y_hat - y"), grade("b2", "y_hat - y")
    assert a.ok and b.ok and a.points != b.points
    c, d = grade("b2", "y_hat - y", seed=7), grade("b2", "y_hat - y", seed=7)
    assert c.points == d.points


def test_a_non_zero_symbolic_difference_is_wrong():
    v = grade("W2[h]", "z1[h]*(y_hat - y) + 1e-45*(x[0] + y)")
    assert v.verdict == "wrong" and v.symbolic is False and "≠ 0" in v.note


# -- the variants' gradients, checked against autograd (an independent source) ---------------------------


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
@pytest.mark.parametrize("loss", ["bce", "mse"])
def test_variant_gradients_equal_autograd(activation, loss):
    import numpy as np

    rng = np.random.default_rng(3)
    M, H = 3, 4
    W1, b1, W2 = rng.normal(size=(H, M)), rng.normal(size=H), rng.normal(size=(1, H))
    b2, x = rng.normal(), rng.normal(size=M)
    y = 0.3
    net = MLP(M, [H, 1], activation, "sigmoid").set_arrays(W1=W1, b1=b1, W2=W2, b2=np.array([b2]))
    L = (bce if loss == "bce" else mse)(net.scalar(list(x)), y)
    L.backward()
    grads = {p.label: p.grad for p in net.parameters()}
    a1 = W1 @ x + b1
    z1 = 1 / (1 + np.exp(-a1)) if activation == "sigmoid" else np.tanh(a1)
    a2 = float((W2 @ z1)[0] + b2)
    z2 = 1 / (1 + np.exp(-a2))
    values = {"x": x, "W2": W2[0], "z1": z1, "a1": a1, "z2": z2, "a2": a2, "y": y}
    for stem, label in (("b2", "b2"), ("W2", "W2[0,{h}]"), ("b1", "b1[{h}]"), ("W1", "W1[{h},{m}]")):
        tree = expr.read(gradient_formula(stem, activation, loss), letters="hm")
        for h in range(H):
            for m in range(M):
                unit = {"h": h, "m": m}

                def leaf(n, unit=unit):
                    v = values[n.stem]
                    return v[unit[n.index[-1]]] if n.index else v

                got = expr.evaluate(tree, FLOAT_MATH, leaf)
                assert got == pytest.approx(grads[label.format(h=h, m=m)], rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(
    "param,formula,activation,loss",
    [
        ("b1[h]", "W2[h]*(1 - z1[h]**2)*(y_hat - y)", "tanh", "bce"),
        ("W1[h,m]", "W2[h] x[m] tanh'(a1[h]) (ŷ - y)", "tanh", "bce"),
        ("b2", "2*(y_hat - y)*y_hat*(1 - y_hat)", "sigmoid", "mse"),
        ("W2[h]", "2 z1[h] (ŷ − y) σ'(a2)", "sigmoid", "mse"),
    ],
)
def test_variants_accept_their_own_gradient(param, formula, activation, loss):
    assert grade(param, formula, activation=activation, loss=loss).ok
    assert not grade(param, formula).ok  # and it is not the plain problem's


# -- bounded -----------------------------------------------------------------------------------------

HEAVY = [
    ("b2", "(1 + tanh(a2/2))/2 - y", 3, 4),  # ran over 15 minutes
    ("W1[h,m]", "W2[h]*x[m]*(1 - tanh(a1[h]/2)**2)/4*(y_hat - y)", 3, 4),  # 36 s
    (
        "W1[h,m]",
        "W2[h]*x[m]*exp(-a1[h])/(1 + exp(-a1[h]))**2*(1/(1 + exp(-a2)) - y)*(1 + exp(-a1[h]))*(1 + exp(a1[h]))"
        "/((1 + exp(-a1[h]))*(1 + exp(a1[h])))*(2 + tanh(a2))/(2 + tanh(a2))",
        3,
        4,
    ),  # a long correct formula (the 155-character kind that hit a MemoryError)
    ("W1[h,m]", "(x[0]+x[1]+x[2]+W1[0,0]+W1[1,1]+W1[2,2]+W2[1])**64", 3, 4),  # 60 s and 2 GB
    ("b2", "((((9**64)**64)**64)**64)**64", 3, 4),
    ("W1[h,m]", W1, 64, 64),  # was still running after 200 s at 32
    ("W1[h,m]", "W2[h]*x[m]*(1 - tanh(a1[h]/2)**2)/4*(y_hat - y)", 64, 64),
    ("b1[h]", "W2[h]*σ'(a1[h])*(ŷ - y)", 64, 64),
    (
        "W1[h,m]",
        W1 + " + (x[m]+a1[h]+W2[h]+y)**40*(x[m]+a1[h]-W2[h]-y)**40 - ((x[m]+a1[h])**2-(W2[h]+y)**2)**40",
        64,
        64,
    ),  # equal, but the proof has to expand degree-80 polynomials: undecided within the budget
]


@pytest.mark.parametrize("param,formula,M,H", HEAVY)
def test_heavy_formulas_and_big_networks_answer_within_five_seconds(param, formula, M, H):
    v, seconds = timed(param, formula, M=M, H=H)
    assert seconds < LIMIT, (seconds, str(v))
    assert v.verdict in ("correct", "wrong", "undecided")
    print(f"{seconds:.2f} s {v.verdict} M={M} H={H} {formula[:60]}")


def test_past_the_budget_the_verdict_is_undecided_and_says_what_was_checked():
    v, seconds = timed("W1[h,m]", HEAVY[-1][1], M=64, H=64)
    assert v.verdict == "undecided" and v.exit_code == 3 and seconds < LIMIT
    assert "could not decide in time" in str(v) and "fresh random networks" in str(v)
    assert "did not finish" in v.note


def test_time_does_not_grow_with_the_network():
    small = min(timed("W1[h,m]", W1, M=3, H=4)[1] for _ in range(2))
    big = min(timed("W1[h,m]", W1, M=MAX_SIZE, H=MAX_SIZE)[1] for _ in range(2))
    assert big < LIMIT and big < 10 * small + 1.0, (small, big)


@pytest.mark.parametrize("M,H", [(65, 3), (3, 65), (0, 2), (2.5, 2), (True, 2)])
def test_sizes_beyond_the_limit_are_refused_at_once(M, H):
    v, seconds = timed("b2", "z2 - y", M=M, H=H)
    assert v.verdict == "malformed" and v.exit_code == 2 and seconds < 0.5
    assert "1 to 64" in v.diagnosis


# -- never a traceback ---------------------------------------------------------------------------------

DEGENERATE = [
    "1e999",
    "1/0",
    "0/0",
    "log(0)",
    "x[m]**(0/0)",
    "(-8)**(1/3)",
    "log(-1)",
    "1e308*1e308",
    "exp(exp(exp(exp(9))))",
    "exp(10**64)",
    "(z2+9)**(z2+9)**(z2+9)**(z2+9)",
    "((((9**64)**64)**64)**64)**64",
    "9**9**9",
    "1/(z2 - z2)",
    "log(z2 - z2)",
    "(-1)**0.5",
    "exp(1000)*exp(-1000)*0",
    "tanh(1e999)",
    "sigmoid(-1e999)",
    "z2**-64",
    "(y - y)**-1",
    "x[m]**x[m]**x[m]**x[m]",
    "exp(a2)**64",
    "-" * 250 + "z2",
    "(" * 100 + "z2" + ")" * 100,
    "z2" + "**z2" * 100,
    "step(z2)/step(-z2)",
]


@pytest.mark.parametrize("formula", DEGENERATE)
def test_every_degenerate_formula_gets_a_verdict(formula):
    v, seconds = timed("W1[h,m]", formula)
    assert v.verdict in ("wrong", "malformed", "undecided"), str(v)
    assert seconds < LIMIT
    assert str(v)  # printable
    if v.verdict == "wrong":
        assert v.diagnosis


@pytest.mark.parametrize("formula", ["1/0", "log(-1)", "exp(10**64)", "1e999", "(-8)**(1/3)", "x[q]", "'a'"])
def test_the_command_never_shows_a_traceback(formula):
    r = subprocess.run(
        [sys.executable, "-m", "microgr810", "grade", "W1[h,m]", formula], capture_output=True, text=True, timeout=60
    )
    assert r.returncode in (1, 2), (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stdout + r.stderr
    if r.returncode == 2:
        assert len(r.stderr.strip().splitlines()) == 1 and r.stdout == ""


@pytest.mark.parametrize("formula", ["1/0", "z9", "", None, 3, "__import__('os')", "x" * 600])
def test_check_formula_returns_a_verdict_for_any_learner_input(formula):
    v = check_formula("b2", formula)
    assert v.verdict in ("wrong", "malformed")
    a = Value(2.0, "a")
    L = a * a
    L.label = "L"
    if isinstance(formula, str):
        v = check_formula(L, "a", formula)
        assert v.verdict in ("wrong", "malformed")


def test_any_graph_verdicts():
    a = Value(2.0, "a")
    L = (a * a).tanh()
    L.label = "L"
    assert check_formula(L, "a", "2a(1 - L²)").verdict == "correct"
    assert check_formula(L, "a", "2*a").verdict == "wrong"


# -- reads as ------------------------------------------------------------------------------------------


def test_the_verdict_says_how_the_formula_was_read():
    v = grade("b1[h]", "W2[h] z1[h](1 - z1[h])(ŷ - y)")
    assert v.ok and v.read_as == "W2[h]·z1[h]·(1 − z1[h])·(y_hat − y)"
    assert "read as: W2[h]·z1[h]·(1 − z1[h])·(y_hat − y)" in str(v)


# -- the budget itself -------------------------------------------------------------------------------


def test_a_budgeted_step_is_stopped_at_its_deadline():
    from microgr810.teaching.budget import within

    start = time.perf_counter()
    assert within(0.5, time.sleep, 30) == ("timeout", None)
    assert time.perf_counter() - start < 2.0
    assert within(5.0, sum, [1, 2, 3]) == ("done", 6)
    status, why = within(5.0, int, "x")
    assert status == "failed" and "ValueError" in why


@pytest.mark.skipif(sys.platform != "linux", reason="the memory limit needs fork and /proc (Linux)")
def test_a_budgeted_step_cannot_take_all_the_memory():
    from microgr810.teaching.budget import MEMORY, within

    status, why = within(10.0, bytearray, 4 * MEMORY)
    assert (status, why) == ("failed", "out of memory")
