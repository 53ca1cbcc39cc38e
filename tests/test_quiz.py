"""Predict the gradient: the answer key against hand math and finite differences, the terminal quiz
as a user drives it (typos, hints, q, EOF, a pipe), the notebook helper and the page fragment."""

import io
import json
import re
import subprocess
import sys

import pytest
from hypothesis import given, settings, strategies as st

from microgr810 import Value, graphs, quiz
from microgr810.teaching.gradcheck import gradcheck

# micrograd's lecture neuron, by hand: o = tanh(n) = 0.7071, do/dn = 1 - o^2 = 0.5, and every + passes
# 0.5 on; x1 gets w1 * 0.5 = -1.5, w1 gets x1 * 0.5 = 1, x2 gets w2 * 0.5 = 0.5, w2 gets x2 * 0.5 = 0
NEURON = {"n": 0.5, "x1w1x2w2": 0.5, "b": 0.5, "x1w1": 0.5, "x2w2": 0.5, "x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0}


class Learner(io.StringIO):
    """A stdin that answers each prompt from a table of the right answers (or a wrong one, on request)."""

    def __init__(self, out: io.StringIO, answers: dict, script=()):
        super().__init__()
        self.out, self.answers, self.script = out, answers, list(script)

    def readline(self, *args):
        if self.script:
            return self.script.pop(0)
        asked = self.out.getvalue().rsplit("\n", 1)[-1]
        m = re.match(r"∂o/∂(\S+) = \? $", asked)
        return f"{self.answers[m.group(1)]}\n" if m and m.group(1) in self.answers else ""  # else EOF


def test_neuron_quiz_right_answers_from_the_lecture_score_full():
    out = io.StringIO()
    q = quiz.run(graphs.neuron(), Learner(out, NEURON), out)
    assert q.done and (q.right, len(q.questions)) == (9, 9)
    assert out.getvalue().rstrip().endswith("all done: 9 of 9 right")
    assert out.getvalue().count("✓ right") == 9


def test_terminal_typos_hint_wrong_and_eof():
    out = io.StringIO()
    script = ["zz\n", "\n", "0.5\n", "h\n", "-0.5\n"]  # then EOF
    q = quiz.run(graphs.neuron(), Learner(out, {}, script), out)
    text = out.getvalue()
    assert "not a number: 'zz'" in text and text.count("∂o/∂n = ?") == 3  # re-asked twice
    assert "✓ right: 0.5" in text
    assert "hint: ∂n/∂" in text and "upstream ∂o/∂n = 0.5" in text
    assert "✗ not quite: it is 0.5, yours is off by 1 (200.0% of it); right size, wrong sign" in text
    assert text.rstrip().endswith("stopped after 2 of 9 questions: 1 of 2 right, 1 hint used")
    assert not q.done


def run_cli(args, stdin):
    return subprocess.run(
        [sys.executable, "-m", "microgr810", "quiz", *args], input=stdin, capture_output=True, text=True, timeout=60
    )


def test_cli_piped_answers_q_and_summary():
    r = run_cli(["--graph", "neuron"], "0.5\nabc\n0.4\nq\n")
    assert r.returncode == 0 and r.stderr == ""
    assert "∂o/∂n = ? 0.5\n✓ right: 0.5" in r.stdout  # a pipe's answers are echoed: a readable transcript
    assert "not a number: 'abc'" in r.stdout
    assert "✗ not quite: it is 0.5, yours is off by 0.1 (20.0% of it)" in r.stdout
    assert r.stdout.rstrip().endswith("stopped after 2 of 9 questions: 1 of 2 right")


def quiz_main(monkeypatch, capsys, args, stdin):
    """The command in this process (a subprocess costs a second of imports): (status, stdout, stderr)."""
    from microgr810.command.cli import main

    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    status = main(["quiz", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_expression_reference_and_random(monkeypatch, capsys):
    status, out, _ = quiz_main(monkeypatch, capsys, ["--expr", "tanh(a*b + c)", "--at", "a=2,b=-3,c=6.5"], "")
    assert status == 0 and "backward from f, 3 steps, 5 questions" in out
    assert "f = tanh(" in out and "inputs: a = 2, b = -3" not in out  # EOF at the first question
    _, out, _ = quiz_main(monkeypatch, capsys, ["--graph", "reference", "--seed", "1"], "q\n")
    assert "backward from L, 7 steps" in out and "stopped after 0 of" in out
    one = quiz_main(monkeypatch, capsys, ["--seed", "5"], "")
    assert one == quiz_main(monkeypatch, capsys, ["--seed", "5"], "")  # the seed decides the random graph
    assert "backward from L" in one[1]


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--expr", "a +"], "cannot read the expression"),
        (["--expr", "__import__('os')"], "cannot use"),
        (["--expr", "a*b", "--at", "a=2,z=1"], "values given for names not in the expression"),
        (["--expr", "a*b", "--at", "a:2"], "--at: expected name=number pairs"),
        (["--expr", "x/0"], "cannot compute 'x/0': division by zero"),
        (["--expr", "x" + "+x" * 5000], "(10,001 characters) is longer than 2,000 characters"),
        (["--expr", "(" * 300 + "x" + ")" * 300], "too many nested parentheses"),
        (["--expr", "log(x)", "--at", "x=-1"], "log of a non-positive value: 'x' is -1.0"),
    ],
)
def test_cli_bad_expressions_are_one_line(monkeypatch, capsys, args, needle):
    status, out, err = quiz_main(monkeypatch, capsys, args, "")
    assert status == 2 and needle in err and len(err.splitlines()) == 1


def test_cli_a_leaf_has_nothing_to_ask(monkeypatch, capsys):
    status, out, _ = quiz_main(monkeypatch, capsys, ["--expr", "x"], "")
    assert status == 0 and "x is a leaf: backward has no step to ask about" in out


def test_cli_into_head_has_no_broken_pipe():
    r = subprocess.run(
        f"yes 0.5 | {sys.executable} -m microgr810 quiz --graph reference | head -3; echo ${{PIPESTATUS[1]}} >&2",
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        text=True,
        timeout=60,
    )
    # quiet either way: 141 (as a SIGPIPE ends a process) when head left first, 0 when the quiz had already
    # written its last line into the pipe's buffer; never a traceback on stderr
    assert r.stderr in ("141\n", "0\n") and len(r.stdout.splitlines()) == 3


def test_neuron_answer_key_is_the_hand_math():
    asked = {q.label.split("/∂")[1]: q.answer for q in quiz.questions(graphs.neuron())}
    assert asked == pytest.approx(NEURON, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10**6))
def test_random_graphs_answer_key_matches_finite_differences(seed):
    root = graphs.random_graph(seed)
    qs = quiz.questions(root)
    final = {q.label: q.answer for q in qs}  # the last time a node is asked: its whole gradient
    leaves, f = graphs.replay(root)
    report = gradcheck(f, leaves, eps=1e-6, rtol=1e-5, atol=1e-7)
    kink = any(n.op == "relu" and abs(n.inputs[0].data) < 1e-5 for n in _nodes(root))  # no slope to measure
    rows = [r for r in report.rows if r.label]  # the leaves a, b (, c)
    assert len(rows) >= 2 and all(f"∂L/∂{r.label}" in final for r in rows)  # every leaf is asked about
    for row in rows:
        if not kink:
            assert final[f"∂L/∂{row.label}"] == pytest.approx(row.numeric, rel=1e-5, abs=1e-7), (seed, row.label)


def _nodes(root):
    from microgr810 import topological_order

    return topological_order(root)


def test_a_node_used_twice_is_one_blank_with_two_shares():
    a = Value(3.0, "a")
    c = a * a
    c.label = "c"
    (q,) = quiz.questions(c)
    assert q.answer == 6.0 and q.hint_text.startswith("∂c/∂a = a + a (a is used 2 times")  # d(a^2)/da = 2a
    d = a * 2.0 + a * a
    d.label = "d"
    later = [q for q in quiz.questions(d) if q.label == "∂d/∂a"]
    assert later[0].note.startswith("more reaches it") and later[-1].note.startswith("a already holds")
    assert later[-1].answer == 2.0 + 6.0


def test_feedback_words():
    assert quiz.feedback(0.5, 0.5) == (True, "right: 0.5")
    assert quiz.feedback(0.503, 0.5) == (True, "right: 0.5 (yours is off by 0.003 (0.6% of it))")
    assert quiz.feedback(0.52, 0.5) == (False, "not quite: it is 0.5, yours is off by 0.02 (4.0% of it)")
    assert quiz.feedback(0.0, 0.0) == (True, "right: 0")
    assert quiz.feedback(0.1, 0.0) == (False, "not quite: it is 0, yours is off by 0.1")
    # a first try: told wrong, a sign slip named, the answer unsaid
    assert quiz.feedback(0.52, 0.5, last_try=False) == (False, "not quite: try once more")
    assert quiz.feedback(-0.5, 0.5, last_try=False) == (False, "not quite; right size, wrong sign: try once more")
    assert quiz.feedback(0.5, 0.5, last_try=False) == (True, "right: 0.5")
    assert [quiz.parse_number(t) for t in ("1/4", " −2e-1 ", ".5", "1/0", "nan", "0x1", "")] == [
        0.25,
        -0.2,
        0.5,
        None,
        None,
        None,
        None,
    ]


def test_notebook_helper():
    q = quiz.Quiz(graphs.neuron())
    assert repr(q.ask()).startswith("step 1 of 5: o = tanh(n)") and repr(q.ask()).endswith("∂o/∂n = ?")
    assert "1 − o²" in repr(q.hint())
    said = q.answer("1/2")
    assert repr(said).startswith("✓ right: 0.5\nstep 1: o = tanh(n)")  # the step is revealed after its blanks
    assert repr(q.answer(0)).startswith("✗ not quite")
    with pytest.raises(ValueError, match="not a number: 'x'"):
        q.answer("x")
    assert repr(q.summary()) == "stopped after 2 of 9 questions: 1 of 2 right, 1 hint used"
    for label in [x.label for x in q.questions[2:]]:
        q.answer(NEURON[label.split("/∂")[1]])
    assert q.done and repr(q.ask()) == "all done: 8 of 9 right, 1 hint used"
    with pytest.raises(ValueError, match="the quiz is over"):
        q.answer(1)


def fragment_data(fragment):
    m = re.search(r'<script type="application/json" class="mg-p-data">(.*?)</script>', fragment, re.S)
    return json.loads(m.group(1))


def test_fragment_is_offline_and_its_data_cannot_end_the_script():
    a = Value(2.0, "</script><script>alert(1)</script>&")
    L = (a * a).tanh()
    L.label = "L"
    frag = quiz.predict_html(L)
    assert frag.count("</script>") == 2 and "alert(1)</script>" not in frag
    for needle in ("src=", "href=", "@import", "url(", "http:", "https:", "fetch(", "XMLHttpRequest"):
        assert needle not in frag, needle
    data = fragment_data(frag)
    assert data["steps"][1]["asks"][0]["label"] == "∂L/∂(</script><script>alert(1)</script>&)"  # a / in it: bracketed
    assert data["rtol"] == 1e-2 and len(data["steps"]) == 2


def test_reference_net_answer_key_is_the_closed_form():
    """The last time the quiz asks about a parameter, its answer is the hand derivation's gradient."""
    from microgr810.reference import ReferenceProblem

    from microgr810 import closed_form

    p = ReferenceProblem.random(3, 4, seed=2, y=1.0)
    final = {q.label[len("∂L/∂") :]: q.answer for q in quiz.questions(p.loss(p.network()))}
    hand = closed_form.gradients(p.W1, p.b1, p.W2, p.b2, p.x, p.y)
    for h in range(4):
        assert final[f"b1[{h}]"] == pytest.approx(hand["b1"][h], rel=1e-12)
        assert final[f"W2[0,{h}]"] == pytest.approx(hand["W2"][0, h], rel=1e-12)
        for m in range(3):
            assert final[f"W1[{h},{m}]"] == pytest.approx(hand["W1"][h, m], rel=1e-12)
    assert final["b2"] == pytest.approx(float(hand["b2"]), rel=1e-12)
