"""A class's mistakes: every wrong answer here is rejected, and the diagnosis names the slip for >= 95 %.

The set is written by hand from the classic-bugs catalogue and the derivation's steps (docs/derivation.md),
in the notations students use. Each entry: the parameter, the answer, the slip's name as `Verdict.mistake`
gives it, and the variant (hidden activation, loss). The correct set beside it must all be accepted.
"""

import pytest

from microgr810.teaching.grade import grade

W1 = "W2[h]*x[m]*z1[h]*(1 - z1[h])*(y_hat - y)"
LEAVES = "W1[h,0]*x[0] + W1[h,1]*x[1] + W1[h,2]*x[2]"  # a1[h] without its bias, M = 3

WRONG = [
    # the error term at the output
    ("b2", "y_hat - 1", "y replaced by 1"),
    ("b2", "ŷ − 1", "y replaced by 1"),
    ("W2[h]", "z1[h]*(y_hat - 1)", "y replaced by 1"),
    ("W1[h,m]", "W2[h]*x[m]*z1[h]*(1 - z1[h])*(y_hat - 1)", "y replaced by 1"),
    ("b2", "y_hat", "y left out"),
    ("W2[h]", "z1[h]*y_hat", "y left out"),
    ("b1[h]", "W2[h]*z1[h]*(1 - z1[h])*ŷ", "y left out"),
    ("b2", "y - y_hat", "sign flipped"),
    ("W2[h]", "z1[h](y - ŷ)", "sign flipped"),
    ("W1[h,m]", "W2[h]*x[m]*z1[h]*(1 - z1[h])*(y - y_hat)", "sign flipped"),
    ("b2", "(y_hat - y)*y_hat*(1 - y_hat)", "extra σ′(a2)"),
    ("W2[h]", "z1[h]*(y_hat - y)*y_hat*(1 - y_hat)", "extra σ′(a2)"),
    ("b1[h]", "W2[h] σ'(a1[h]) σ'(a2) (ŷ - y)", "extra σ′(a2)"),
    ("b2", "(y_hat - y)/(y_hat*(1 - y_hat))", "left out σ′(a2)"),
    ("b2", "-y/y_hat + (1 - y)/(1 - y_hat)", "left out σ′(a2)"),
    ("W2[h]", r"z_1^h \frac{\hat{y} - y}{\hat{y}(1 - \hat{y})}", "left out σ′(a2)"),
    ("b2", "a2 - y", "a2 for ŷ"),
    ("W2[h]", "z1[h]*(a2 - y)", "a2 for ŷ"),
    ("b2", "2*(y_hat - y)", "MSE's derivative for BCE's"),
    ("W1[h,m]", "W2[h]*x[m]*z1[h]*(1 - z1[h])", "error term left out"),
    ("b1[h]", "W2[h]*z1[h]*(1 - z1[h])", "error term left out"),
    # the hidden slope
    ("b1[h]", "0.25*W2[h]*(y_hat - y)", "σ′(a1[h]) taken at 0"),
    ("W1[h,m]", "W2[h]*x[m]*(y_hat - y)/4", "σ′(a1[h]) taken at 0"),
    ("b1[h]", "W2[h]*(1 - z1[h]**2)*(y_hat - y)", "tanh's slope for the sigmoid's"),
    ("W1[h,m]", "W2[h] x[m] (1 − z1[h]²)(ŷ − y)", "tanh's slope for the sigmoid's"),
    ("b1[h]", "W2[h]*(1 - z1[h])*(y_hat - y)", "only (1 − z1[h]) of σ′(a1[h])"),
    ("W1[h,m]", "W2[h]*x[m]*(1 - z1[h])*(y_hat - y)", "only (1 − z1[h]) of σ′(a1[h])"),
    ("b1[h]", "W2[h]*z1[h]*(y_hat - y)", "only z1[h] of σ′(a1[h])"),
    ("W1[h,m]", "W2[h]*x[m]*z1[h]*(y_hat - y)", "only z1[h] of σ′(a1[h])"),
    ("b1[h]", "W2[h]*(y_hat - y)", "left out σ′(a1[h])"),
    ("W1[h,m]", "W2[h]*x[m]*(y_hat - y)", "left out σ′(a1[h])"),
    ("b1[h]", "W2[h]*sigmoid(a1[h])*(1 - a1[h])*(y_hat - y)", "half-substituted slope"),
    ("W1[h,m]", "W2[h] x[m] σ(a1[h])(1 − a1[h])(ŷ − y)", "half-substituted slope"),
    ("b1[h]", "W2[h]*a1[h]*(1 - a1[h])*(y_hat - y)", "a1[h] for z1[h] in σ′"),
    # the other factors of the chain
    ("W1[h,m]", "W2[h]*z1[h]*(1 - z1[h])*(y_hat - y)", "left out x[m]"),
    ("b1[h]", "z1[h]*(1 - z1[h])*(y_hat - y)", "left out W2[h]"),
    ("W1[h,m]", "x[m]*z1[h]*(1 - z1[h])*(y_hat - y)", "left out W2[h]"),
    ("W2[h]", "y_hat - y", "left out z1[h]"),
    ("W1[h,m]", "W2[h]**2*x[m]*z1[h]*(1 - z1[h])*(y_hat - y)", "extra W2[h]"),
    ("W2[h]", "z1[h]**2*(y_hat - y)", "extra z1[h]"),
    ("b1[h]", "W2[h]*x[m]*z1[h]*(1 - z1[h])*(y_hat - y)", "unknown index letter"),  # malformed: no m for b1
    ("b2", "z1[0]*(y_hat - y)", "z1[0]"),
    ("W2[h]", "a1[h]*(y_hat - y)", "a1[h] for z1[h]"),
    ("W2[h]", "x[h]*(y_hat - y)", "x[h] for z1[h]"),
    ("W1[h,m]", "W2[h]*W1[h,m]*z1[h]*(1 - z1[h])*(y_hat - y)", "W1[h,m] for x[m]"),
    ("W1[h,m]", "W1[h,m]*x[m]*z1[h]*(1 - z1[h])*(y_hat - y)", "W1[h,m] for W2[h]"),
    # indices
    ("W1[h,m]", "W2[m]*x[h]*z1[m]*(1 - z1[m])*(y_hat - y)", "h and m swapped"),
    ("W1[h,m]", "W2[h]*x[h]*z1[h]*(1 - z1[h])*(y_hat - y)", "x[h] for x[m]"),
    ("W1[h,m]", "W2[h]*x[0]*z1[h]*(1 - z1[h])*(y_hat - y)", "x[0] for x[m]"),
    ("b1[h]", "W2[0]*z1[h]*(1 - z1[h])*(y_hat - y)", "W2[0] for W2[h]"),
    # the leaves form with a bias left out
    (
        "W1[h,m]",
        f"W2[h]*x[m]*sigmoid({LEAVES})*(1 - sigmoid({LEAVES}))*(y_hat - y)",
        "left out b1[h] in a1[h]",
    ),
    ("b2", "sigmoid(a2 - b2) - y", "left out b2 in a2"),
    ("b2", "sigmoid(W2[0]*z1[0] + W2[1]*z1[1] + W2[2]*z1[2] + W2[3]*z1[3]) - y", "left out b2 in a2"),
    # LaTeX and unicode versions of the same slips
    ("W1[h,m]", r"W_2^h x^m z_1^h (1 - z_1^h)(\hat{y} - 1)", "y replaced by 1"),
    ("b1[h]", r"\frac{1}{4} W_2^h (\hat{y} - y)", "σ′(a1[h]) taken at 0"),
    ("b1[h]", r"W_2^h \left(1 - (z_1^h)^2\right) (\hat{y} - y)", "tanh's slope for the sigmoid's"),
    ("W1[h,m]", r"W_2^m x^h z_1^m (1 - z_1^m)(\hat{y} - y)", "h and m swapped"),
    ("b2", r"\sigma(a_2)", "y left out"),
    ("b1[h]", "W2[h]·σ'(a1[h])·(ŷ − y)·x[0]", "x[0]"),
]

VARIANTS = [  # the classroom's variants: a tanh hidden layer, an MSE loss
    ("b1[h]", "W2[h]*z1[h]*(1 - z1[h])*(y_hat - y)", "the sigmoid's slope for tanh's", "tanh", "bce"),
    ("b1[h]", "W2[h]*(y_hat - y)", "left out tanh′(a1[h])", "tanh", "bce"),
    ("b2", "y_hat - y", "BCE's error for MSE's", "sigmoid", "mse"),
    ("b2", "(y_hat - y)*y_hat*(1 - y_hat)", "missing the factor 2", "sigmoid", "mse"),
    ("W2[h]", "2*z1[h]*(y_hat - y)", "left out σ′(a2)", "sigmoid", "mse"),
]

CORRECT = [
    ("b2", "y_hat - y"),
    ("b2", "ŷ − y"),
    ("b2", r"\hat{y} - y"),
    ("b2", "σ(a2) - y"),
    ("b2", "(1 + tanh(a2/2))/2 - y"),
    ("b2", "1/(1 + exp(-a2)) - y"),
    ("b2", "-y/y_hat*y_hat*(1 - y_hat) + (1 - y)/(1 - y_hat)*y_hat*(1 - y_hat)"),
    ("W2[h]", "z1[h](ŷ - y)"),
    ("W2[h]", r"z_1^h (\hat{y} - y)"),
    ("W2[0,h]", "(z2 - y)*z1[h]"),
    ("b1[h]", "W2[h]*z1[h]*(1 - z1[h])*(y_hat - y)"),
    ("b1[h]", "W2[h]·σ'(a1[h])·(ŷ − y)"),
    ("b1[h]", "W2[h] sigmoid'(a1[h]) (ŷ − y)"),
    ("b1[h]", r"W_2^h z_1^h (1 - z_1^h)(\hat{y} - y)"),
    ("b1[h]", r"W_2[h]\, z_1[h]\big(1 - z_1[h]\big)(\hat{y} - y)"),
    ("b1[j]", "W2[j] z1[j](1 - z1[j])(ŷ - y)"),
    ("W1[h,m]", W1),
    ("W1[h,m]", "W2[h]·x[m]·z1[h]·(1 − z1[h])·(ŷ − y)"),
    ("W1[h,m]", "W2[h] x[m] z1[h](1-z1[h])(ŷ-y)"),
    ("W1[h,m]", r"W_2^h x^m z_1^h (1 - z_1^h)(\hat{y} - y)"),
    ("W1[h,m]", r"W_{2}^{h} \cdot x^{m} \cdot \sigma'(a_1^h) \cdot \left(\hat{y} - y\right)"),
    ("W1[h,m]", "x[m]*W2[h]*exp(-a1[h])/(1 + exp(-a1[h]))**2*(z2 - y)"),
    ("W1[h,m]", "W2[h]*x[m]*(1 - tanh(a1[h]/2)^2)/4*(y_hat - y)"),
    ("W1[h,m]", "W2[h]*x[m]*(z1[h] - z1[h]²)*(ŷ − y)"),
    ("W1[h,0]", "W2[h]*x[0]*z1[h]*(1 - z1[h])*(y_hat - y)"),
    ("W1[1,2]", "W2[1]*x[2]*z1[1]*(1 - z1[1])*(y_hat - y)"),
    ("W1[h,m]", f"W2[h]*x[m]*sigmoid({LEAVES} + b1[h])*(1 - sigmoid({LEAVES} + b1[h]))*(y_hat - y)"),
]


def _named(v, mistake):
    return mistake in v.mistake or (v.verdict == "malformed" and mistake in v.diagnosis)


def test_the_class_set_is_rejected_and_its_mistakes_named(capsys):
    named, rejected, missed = 0, 0, []
    for param, formula, mistake in WRONG:
        v = grade(param, formula)
        assert v.verdict in ("wrong", "malformed"), (param, formula, str(v))
        rejected += 1
        if _named(v, mistake):
            named += 1
        else:
            missed.append((param, formula, mistake, v.mistake, v.diagnosis))
    for param, formula, mistake, activation, loss in VARIANTS:
        v = grade(param, formula, activation=activation, loss=loss)
        assert v.verdict == "wrong", (param, formula, str(v))
        rejected += 1
        if _named(v, mistake):
            named += 1
        else:
            missed.append((param, formula, mistake, v.mistake, v.diagnosis))
    total = len(WRONG) + len(VARIANTS)
    with capsys.disabled():
        print(f"\ndiagnosis rate: {named}/{total} = {named / total:.1%}; rejected {rejected}/{total}")
        for m in missed:
            print("  not named:", m)
    assert total >= 50
    assert named / total >= 0.95


@pytest.mark.parametrize("param,formula", CORRECT)
def test_the_correct_set_is_accepted(param, formula):
    v = grade(param, formula)
    assert v.verdict == "correct", str(v)
    assert v.exit_code == 0 and v.mistake == "" and v.read_as
