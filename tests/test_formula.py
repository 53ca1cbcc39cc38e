"""The formula reader: what it accepts becomes the sympy a hand would write; everything else is refused."""

import pytest
import sympy as sp

from microgr810.notation.formula import FormulaError, parse_formula


def S(name):
    return sp.Symbol(name, real=True)


def plain(stem, indices):
    """A resolver over a few names: z2, y, y_hat (= z2), x[m] for m < 3, W1[h,m] for h, m < 2."""
    sizes = {"x": (3,), "W1": (2, 2), "z2": (), "y": ()}
    stem = {"y_hat": "z2"}.get(stem, stem)
    if stem not in sizes or len(indices) != len(sizes[stem]):
        raise ValueError(f"unknown name {stem!r}")
    if any(not 0 <= i < n for i, n in zip(indices, sizes[stem])):
        raise ValueError(f"{stem}{list(indices)} is out of range")
    return f"{stem}[{','.join(map(str, indices))}]" if indices else stem


@pytest.mark.parametrize(
    "text,want",
    [
        ("z2 - y", S("z2") - S("y")),
        ("y_hat - y", S("z2") - S("y")),
        ("ŷ − y", S("z2") - S("y")),
        ("2*x[1]**2 / 4", S("x[1]") ** 2 / 2),
        ("x[m] · W1[h,m]", S("x[0]") * S("W1[1,0]")),
        ("x[2]^2 × 3", 3 * S("x[2]") ** 2),
        ("-(-z2)", S("z2")),
        ("+z2", S("z2")),
        ("0.5*z2", sp.Rational(1, 2) * S("z2")),
        ("sigmoid(z2) + σ(y)", sp.Function("sigmoid")(S("z2")) + sp.Function("sigmoid")(S("y"))),
        ("exp(y) * log(z2) + ln(y) + tanh(z2)", sp.exp(S("y")) * sp.log(S("z2")) + sp.log(S("y")) + sp.tanh(S("z2"))),
        ("z2²", S("z2") ** 2),
    ],
)
def test_accepts_the_math(text, want):
    got = parse_formula(text, plain, {"h": 1, "m": 0})
    # sigmoid is our own sympy Function: compare it through its definition
    unify = {
        f: 1 / (1 + sp.exp(-f.args[0]))
        for f in (got.atoms(sp.Function) | want.atoms(sp.Function))
        if f.func.__name__ == "sigmoid"
    }
    assert sp.simplify(got.xreplace(unify) - want.xreplace(unify)) == 0, (got, want)


@pytest.mark.parametrize(
    "text,needle",
    [
        ("__import__('os').system('id')", "is not allowed"),
        ("z2.__class__", "attribute access"),
        ("lambda: 1", "a lambda"),
        ("[t for t in ()]", "a comprehension"),
        ("'abc'", "a string"),
        ("b'abc'", "bytes"),
        ("True", "a boolean"),
        ("1j", "a complex number"),
        ("eval(z2)", "the call eval(...) is not allowed"),
        ("eval('1')", "a string"),
        ("exp(y, 2)", "exactly one argument"),
        ("exp(x=y)", "exactly one argument"),
        ("z2 if y else 1", "an if-expression"),
        ("z2 < y", "a comparison"),
        ("z2 and y", "a boolean operator"),
        ("(z2, y)", "a tuple"),
        ("{z2}", "a set"),
        ("f'{z2}'", "an f-string"),
        ("(a := 1)", "an assignment"),
        ("z2 @ y", "the operator MatMult"),
        ("z2 % y", "the operator Mod"),
        ("~z2", "the operator Invert"),
        ("x[1:2]", "a letter or a whole number"),
        ("x[-1]", "a letter or a whole number"),
        ("x[q]", "unknown index letter 'q'"),
        ("x[7]", "out of range"),
        ("w9", "unknown name 'w9'"),
        ("exp", "exp is a function"),
        ("9**9**9", "too large"),
        ("z2**100", "too large"),
        ("z2 +", "not a formula"),
        ("   ", "empty"),
        ("z2 + " * 200, "at most 500"),
    ],
)
def test_refuses_everything_else(text, needle):
    with pytest.raises(FormulaError, match=None) as e:
        parse_formula(text, plain, {"h": 1, "m": 0})
    assert needle in str(e.value), str(e.value)
    assert "\n" not in str(e.value)


def test_refuses_non_text():
    with pytest.raises(FormulaError, match="must be text"):
        parse_formula(None, plain)
