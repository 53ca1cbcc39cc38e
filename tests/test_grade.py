"""grade and check_formula: every correct form passes, each classic slip is named, hostile text is refused."""

import subprocess
import sys

import pytest

import microgr810
from microgr810 import Value
from microgr810.command.cli import main
from microgr810.teaching.grade import check_formula, grade
from microgr810.teaching.graphs import exp_neuron

SMALL = {"M": 2, "H": 3}  # H > M, so an h/m mix-up runs out of range or shows


@pytest.mark.parametrize(
    "param,formula",
    [
        ("b2", "y_hat - y"),
        ("b2", "z2 - y"),
        ("b2", "-(y - ŷ)"),
        ("b2", "(y_hat - y)/(y_hat*(1 - y_hat)) * y_hat*(1 - y_hat)"),  # the chain rule, not yet cancelled
        ("b2", "sigmoid(a2) - y"),
        ("W2[h]", "z1[h]*(y_hat - y)"),
        ("W2[0,h]", "(z2 - y) * z1[h]"),
        ("W2[h]", "z1[h]*y_hat - z1[h]*y"),
        ("b1[h]", "W2[h]*z1[h]*(1 - z1[h])*(y_hat - y)"),
        ("b1[h]", "W2[h]*sigmoid(a1[h])*(1 - sigmoid(a1[h]))*(sigmoid(a2) - y)"),
        ("b1[h]", "(W2[h]*z1[h] - W2[h]*z1[h]**2)*(z2 - y)"),
        ("W1[h,m]", "W2[h]*x[m]*z1[h]*(1 - z1[h])*(y_hat - y)"),
        ("W1[h,m]", "x[m] * W2[0,h] * (z1[h] - z1[h]^2) * (ŷ − y)"),
        ("W1[h,m]", "W2[h]·x[m]·z1[h]·(1 − z1[h])·(z2 − y)"),  # derive's own text form
        ("W1[h,m]", "x[m]*W2[h]*exp(-a1[h])/(1 + exp(-a1[h]))**2*(z2 - y)"),
        ("W1[h,0]", "W2[h]*x[0]*z1[h]*(1 - z1[h])*(y_hat - y)"),
        ("W1[1,0]", "W2[1]*x[0]*z1[1]*(1 - z1[1])*(y_hat - y)"),
        ("b1[j]", "W2[j]*z1[j]*(1 - z1[j])*(y_hat - y)"),
    ],
)
def test_accepts_every_correct_form(param, formula):
    v = grade(param, formula, **SMALL)
    assert v.ok, str(v)
    assert v.symbolic is True, str(v)  # sympy proves each of these, too
    assert "correct" in str(v).splitlines()[0]


@pytest.mark.parametrize(
    "param,formula,mistake",
    [
        ("W1[h,m]", "W2[h]*x[m]*(y_hat - y)", "left out σ′(a1[h])"),
        ("W1[h,m]", "W2[h]*z1[h]*(1 - z1[h])*(y_hat - y)", "left out x[m]"),
        ("b1[h]", "z1[h]*(1 - z1[h])*(y_hat - y)", "left out W2[h]"),
        ("W2[h]", "z1[h]*(y_hat - y)*y_hat*(1 - y_hat)", "extra σ′(a2)"),
        ("b2", "(y_hat - y)/(y_hat*(1 - y_hat))", "left out σ′(a2)"),
        ("W1[h,m]", "W2[h]**2*x[m]*z1[h]*(1 - z1[h])*(y_hat - y)", "extra W2[h]"),
        ("W1[h,m]", "W2[h]*x[m]*z1[h]*(1 - z1[h])", "error term left out"),
        ("b2", "y - y_hat", "sign flipped"),
        ("W1[h,m]", "-W2[h]*x[m]*z1[h]*(1 - z1[h])*(z2 - y)", "sign flipped"),
        ("W1[h,m]", "W2[h]*x[m]*a1[h]*(1 - a1[h])*(y_hat - y)", "a1[h] for z1[h] in σ′"),
        ("W2[h]", "a1[h]*(y_hat - y)", "a1[h] for z1[h]"),
        ("b2", "a2 - y", "a2 for ŷ"),
        ("W1[h,m]", "W2[h]*x[0]*z1[h]*(1 - z1[h])*(y_hat - y)", "x[0] for x[m]"),
    ],
)
def test_rejects_wrong_forms_and_names_the_mistake(param, formula, mistake):
    v = grade(param, formula, **SMALL)
    assert v.verdict == "wrong" and not v.ok and v.exit_code == 1
    assert v.mistake == mistake, (v.mistake, v.diagnosis)
    assert v.diagnosis and v.diagnosis.count(". ") <= 2
    param_name, where, got, want = v.mismatch
    assert got != pytest.approx(want) and "network" in where


def test_a_formula_far_from_the_chain_rule_gets_the_general_advice():
    v = grade("W1[h,m]", "W2[h]*x[m]*y*z1[h]", **SMALL)
    assert v.verdict == "wrong" and "compare factor by factor" in v.diagnosis and v.mistake == ""


def test_check_formula_is_grade_for_a_parameter_name():
    v = microgr810.check_formula("b2", "y_hat - y", M=2, H=2)
    assert v.ok and v.verdict == "correct" and v.checked == ["b2"] and v.read_as == "y_hat − y"


def karpathy():
    return exp_neuron()


@pytest.mark.parametrize(
    "formula", ["(1 - o**2)*x1", "(1 - tanh(n)**2)*x1", "4*e/(e + 1)**2*x1", "x1*(1 - ((e - 1)/(e + 1))**2)"]
)
def test_any_graph_correct(formula):
    v = check_formula(karpathy(), "w1", formula)
    assert v.ok and v.symbolic, str(v)


@pytest.mark.parametrize(
    "formula,diagnosis",
    [
        ("1 - o**2", "missing the factor x1"),
        ("-(1 - o**2)*x1", "only the sign differs"),
        ("(1 - n**2)*x1", "n is used where o belongs"),
    ],
)
def test_any_graph_wrong(formula, diagnosis):
    v = check_formula(karpathy(), "w1", formula)
    assert not v.ok and diagnosis in v.diagnosis, v.diagnosis


def test_any_graph_with_a_relu():
    x = Value(2.0, "x")
    y = (x * 3).relu()
    assert check_formula(y, "x", "3*step(x)").ok
    assert "missing the factor 3" in check_formula(y, "x", "step(x)").diagnosis


def test_any_graph_refuses_unknown_names():
    v = check_formula(karpathy(), "w1", "z2")
    assert v.verdict == "malformed" and "no node named 'z2' in this graph" in v.diagnosis


@pytest.mark.parametrize(
    "param,formula,needle",
    [
        ("b2", "__import__('os').system('echo hacked')", "is not allowed"),
        ("b2", "z2.__class__.__mro__", "attribute access"),
        ("b2", "(lambda: 0)()", "is not allowed"),
        ("b2", "[y for y in z2]", "a comprehension"),
        ("b2", "'z2'", "a string"),
        ("b2", "q - y", "unknown name 'q'"),
        ("W1[h,m]", "x[7]", "out of range"),
        ("W1[h,m]", "x[q]", "unknown index letter 'q'"),
        ("W1[9,0]", "x[0]", "out of range"),
        ("W7[h]", "z2", "unknown parameter 'W7[h]'"),
        ("W1[h]", "z2", "W1 is written W1[h,m]"),
        ("b2", "z2 +", "not a formula"),
    ],
)
def test_command_refuses_with_one_line_and_status_2(param, formula, needle, capsys):
    assert main(["grade", param, formula, "--M", "2", "--H", "3"]) == 2
    out, err = capsys.readouterr()
    assert needle in err and len(err.strip().splitlines()) == 1 and out == ""
    assert "hacked" not in out + err


def test_hostile_text_from_a_shell_is_one_line_and_status_2():
    r = subprocess.run(
        [sys.executable, "-m", "microgr810", "grade", "b2", "__import__('os').system('echo hacked')"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2 and r.stdout == "", (r.stdout, r.stderr)
    assert r.stderr.startswith("microgr810 grade: error: the call __import__('os').system(...) is not allowed")
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_command_exit_status_and_report(capsys):
    assert main(["grade", "W1[h,m]", "W2[h]*x[m]*z1[h]*(1-z1[h])*(y_hat-y)", "--M", "2", "--H", "2", "--answer"]) == 0
    out = capsys.readouterr().out
    assert "correct" in out and "at 4 units each" in out and "read as: W2[h]·x[m]·z1[h]" in out
    assert "the chain rule gives: ∂L/∂W1[h,m] = W2[h]·x[m]·z1[h]·(1 − z1[h])·(ŷ − y)" in out
    assert main(["grade", "b1[h]", "W2[h]*(y_hat-y)", "--M", "2", "--H", "2"]) == 1
    out = capsys.readouterr().out
    assert "WRONG" in out and "mistake: left out σ′(a1[h])" in out
    assert main(["grade", "b2", "--", "-(y - y_hat)"]) == 0


@pytest.mark.parametrize("flag", ["--M", "--H"])
def test_command_refuses_a_size_beyond_the_limit_at_once(flag, capsys):
    with pytest.raises(SystemExit) as e:
        main(["grade", "b2", "z2 - y", flag, "65"])
    err = capsys.readouterr().err
    assert e.value.code == 2 and "from 1 to 64" in err and len(err.strip().splitlines()) == 1
    v = grade("b2", "z2 - y", M=65, H=2)
    assert v.verdict == "malformed" and "from 1 to 64" in v.diagnosis
