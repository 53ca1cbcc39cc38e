"""check_gradients and `microgr810 ninja`: every answered node checked, the first wrong node named, the
nodes that only inherit its error marked. Expected gradients are worked out by hand in each test."""

import csv
import json
import math
import subprocess
import sys

import pytest

import microgr810
from microgr810 import Value
from microgr810.notation.formula import FormulaError
from microgr810.teaching import misconceptions
from microgr810.teaching.ninja import check_gradients


def fork():
    """d = a·b, e = a + b, f = d·e at a = 3, b = 2: by hand ∂f/∂d = e = 5, ∂f/∂e = d = 6,
    ∂f/∂a = b·e + d = 16, ∂f/∂b = a·e + d = 21."""
    a, b = Value(3.0, "a"), Value(2.0, "b")
    d = a * b
    d.label = "d"
    e = a + b
    e.label = "e"
    f = d * e
    f.label = "f"
    return f


def square():
    """t = a·b, L = t²: by hand ∂L/∂t = 2t = 12, ∂L/∂a = 12·b = 24, ∂L/∂b = 12·a = 36 (a = 3, b = 2)."""
    a, b = Value(3.0, "a"), Value(2.0, "b")
    t = a * b
    t.label = "t"
    L = t**2
    L.label = "L"
    return L


def test_lazy_name_is_the_function():
    assert microgr810.check_gradients is check_gradients


def test_all_right_numbers_and_formulas():
    report = check_gradients(fork(), {"d": 5, "e": "d", "a": 16.0, "b": "a*e + d"})
    assert report.ok and report.first_wrong == "" and not report.mistakes
    assert [r.name for r in report.rows] == ["e", "d", "b", "a"] or [r.name for r in report.rows][0] in ("d", "e")
    assert {r.name: r.truth for r in report.rows} == {"d": 5.0, "e": 6.0, "a": 16.0, "b": 21.0}
    assert all(r.status == "exact" and r.max_diff == 0.0 for r in report.rows)
    assert "all 4 answers right" in str(report)


def test_backward_order():
    """A node comes after every node that uses it: t before a and b, L first."""
    report = check_gradients(square(), {"a": 24, "L": 1, "t": 12, "b": 36})
    order = [r.name for r in report.rows]
    assert order[0] == "L" and order.index("t") < order.index("a") and order.index("t") < order.index("b")


def test_close_is_not_exact():
    report = check_gradients(square(), {"t": 12 * (1 + 1e-7)})
    assert report.ok and report.rows[0].status == "close" and report.rows[0].max_diff == pytest.approx(12e-7)


def test_first_wrong_and_inherited_errors():
    """t answered 6 (the 2 of 2t forgotten); a = 6·b = 12 passes t's error on with a right local step;
    b = 5 is wrong on its own (6·a would be 18)."""
    report = check_gradients(square(), {"t": 6, "a": 12, "b": 5})
    rows = {r.name: r for r in report.rows}
    assert report.first_wrong == "t"
    assert rows["a"].status == "wrong" and rows["a"].inherits == "t"
    assert rows["b"].status == "wrong" and rows["b"].inherits == ""
    assert [r.name for r in report.mistakes] == ["t", "b"]
    text = str(report)
    assert "inherits the error from t" in text and "the first wrong node is t" in text
    assert "1 only inherit its error" in text and "1 more wrong on their own" in text


def test_a_right_answer_stops_an_inherited_error():
    """After a wrong t, an a answered right is right (the learner fixed it), and nothing below inherits."""
    report = check_gradients(square(), {"t": 6, "a": 24, "b": 18})
    rows = {r.name: r for r in report.rows}
    assert rows["a"].ok and rows["b"].inherits == "t"


def test_inherited_through_an_unanswered_node():
    """x → s = σ(x) → L = 3s: with ∂L/∂s left out, a wrong ∂L/∂L would pass through it (not answerable
    here), so answer L itself wrong: 2 instead of 1; x = 2·3·σ'(x) inherits it."""
    x = Value(0.5, "x")
    s = x.sigmoid()
    s.label = "s"
    L = s * 3.0
    L.label = "L"
    slope = 1 / (1 + math.exp(-0.5)) * (1 - 1 / (1 + math.exp(-0.5)))
    report = check_gradients(L, {"L": 2, "x": 6 * slope})
    assert report.first_wrong == "L" and report.rows[1].inherits == "L"


def test_missing_local_factor():
    """∂L/∂x = 3σ'(0.5); answering 3 (∂L/∂s) leaves out ∂s/∂x = σ'(0.5) ≈ 0.235."""
    x = Value(0.5, "x")
    s = x.sigmoid()
    s.label = "s"
    L = s * 3.0
    L.label = "L"
    report = check_gradients(L, {"s": 3, "x": 3})
    assert report.first_wrong == "x"
    assert "missing the local factor ∂s/∂x = 0.235004" in report.diagnosis


def test_equals_instead_of_plus_equals_at_a_fork():
    report = check_gradients(fork(), {"d": 5, "e": 6, "a": 10})  # b·e: the share through d only
    assert report.first_wrong == "a"
    assert "only the share through d" in report.diagnosis and "+=" in report.diagnosis
    assert misconceptions.WHAT["overwrite"] in report.diagnosis


def test_visit_out_of_order():
    """A learner who passes gradients on breadth-first (the classic "order" bug): on the bug's smallest
    counterexample, their values for every node are checked; the first wrong one is named as a classic bug."""
    root = misconceptions.find_counterexample("order")
    names = microgr810.names.node_names(root)
    misconceptions.BUGS["order"](root)
    learner = {names[n]: n.grad for n in names}
    report = check_gradients(root, learner)
    assert not report.ok and report.first_wrong
    assert "breadth-first" in report.diagnosis or "+=" in report.diagnosis, report.diagnosis


def test_sign():
    report = check_gradients(square(), {"t": -12})
    assert "sign" in report.diagnosis


def test_formula_answer_gets_the_graders_diagnosis():
    """A wrong formula the classic-bug checks do not explain goes to the grader."""
    report = check_gradients(square(), {"t": "t"})
    assert report.first_wrong == "t" and report.diagnosis  # the grader names what differs


def test_does_not_touch_the_graphs_gradients():
    L = square()
    check_gradients(L, {"t": 6, "a": 1})
    assert all(n.grad == 0.0 for n in microgr810.topological_order(L))


def test_data_form():
    data = check_gradients(square(), {"t": 6, "a": 12}).as_dict()
    assert data["first_wrong"] == "t" and data["nodes"][1]["inherits"] == "t"
    json.dumps(data)  # plain data


@pytest.mark.parametrize(
    "answers,error",
    [({"nope": 1}, ValueError), ({"t": "t +"}, FormulaError), ({"t": "q*2"}, FormulaError), ({"t": [1]}, FormulaError)],
)
def test_bad_answers_raise_naming_the_node(answers, error):
    with pytest.raises(error) as e:
        check_gradients(square(), answers)
    assert list(answers)[0] in str(e.value)


def run(*args, **kw):
    return subprocess.run(
        [sys.executable, "-m", "microgr810", *args], capture_output=True, text=True, timeout=300, **kw
    )


def test_command_json_csv_and_exit_codes(tmp_path):
    from microgr810.teaching.reference import ReferenceProblem

    net, L = ReferenceProblem.random(2, 2, seed=0, y=1.0).autograd()
    right = {p.label: p.grad for p in net.parameters()}
    good = tmp_path / "good.json"
    good.write_text(json.dumps(right))
    done = run("ninja", str(good), "--M", "2", "--H", "2")
    assert done.returncode == 0 and "all 9 answers right" in done.stdout
    # the error term z2 − y with y left out at a2; b2 and W2[0,0] take that value on with right local steps
    bad = dict(right, **{"a2": "z2", "b2": "z2", "W2[0,0]": "z1[0] * z2"})
    wrong = tmp_path / "wrong.csv"
    with open(wrong, "w", newline="") as f:  # W1[0,1] holds a comma: the csv module quotes it
        csv.writer(f).writerows([["node", "answer"], *bad.items()])
    done = run("ninja", str(wrong), "--M", "2", "--H", "2")
    assert done.returncode == 1 and "the first wrong node is a2" in done.stdout
    assert done.stdout.count("inherits the error from a2") == 2
    for content, needle in [("{", "not valid JSON"), ('{"zz": 1}', "no node named 'zz'"), ('{"a2": "z2 +"}', "a2")]:
        broken = tmp_path / "broken.json"
        broken.write_text(content)
        done = run("ninja", str(broken))
        assert done.returncode == 2 and needle in done.stderr and "Traceback" not in done.stderr
    done = run("ninja", str(tmp_path / "missing.json"))
    assert done.returncode == 2 and "cannot read" in done.stderr


def test_command_expression(tmp_path):
    """tanh(a*b) at a = 1, b = 2: ∂/∂a = b(1 − tanh²(2)) by hand."""
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps({"a": 2 * (1 - math.tanh(2) ** 2)}))
    done = run("ninja", str(answers), "--expr", "tanh(a*b)", "--at", "a=1,b=2")
    assert done.returncode == 0, done.stderr
    done = run("ninja", str(answers), "--expr", "tanh(a*b)", "--at", "a=1,b=2", "--json")
    assert json.loads(done.stdout)["ok"] is True


def test_command_piped_into_head(tmp_path):
    answers = tmp_path / "a.json"
    answers.write_text('{"z2": 1}')
    done = subprocess.run(
        f"{sys.executable} -m microgr810 ninja {answers} | head -1", shell=True, capture_output=True, text=True
    )
    assert done.stdout.startswith("∂L/∂node") and "Traceback" not in done.stderr


def test_command_random_graph(tmp_path):
    """--graph random: the answers are checked on the seeded random graph (a wrong number for its root's
    gradient, which is 1 by definition, is named as the first wrong node)."""
    from microgr810.teaching.graphs import random_graph

    root = random_graph(3)
    name = microgr810.names.node_names(root)[root]
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps({name: 2.0}))
    done = run("ninja", str(answers), "--graph", "random", "--seed", "3")
    assert done.returncode == 1 and f"the first wrong node is {name}" in done.stdout


def test_read_answers_forms(tmp_path):
    from microgr810.teaching.ninja import read_answers

    (tmp_path / "a.csv").write_text("node,answer\nW1[0,1],0.5\n# a comment\nz2,z2 - y\n")  # W1[0,1] unquoted
    assert read_answers(tmp_path / "a.csv") == {"W1[0,1]": "0.5", "z2": "z2 - y"}
    (tmp_path / "b.json").write_text('[["a", 1], ["b", "2*a"]]')
    assert read_answers(tmp_path / "b.json") == {"a": 1, "b": "2*a"}
    (tmp_path / "c.csv").write_text("a,1,2\n")
    with pytest.raises(ValueError, match="line 1: expected two columns"):
        read_answers(tmp_path / "c.csv")
