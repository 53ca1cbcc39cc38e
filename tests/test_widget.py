"""The notebook widget's Python side, without a browser: its synced state, and predict mode's messages
answered in Python with the quiz's feedback (a second try before the answer, hints and reveals counted)."""

import json
import math

import pytest

from conftest import require_module


@pytest.fixture
def widget():
    require_module("anywidget")
    from microgr810 import widget

    return widget


def neuron():
    from microgr810.teaching.graphs import neuron

    return neuron()


def send(w, content):
    """A message as the browser's model.send delivers it to the kernel-side widget."""
    w._handle_custom_msg(content, [])


def test_state_steps_and_step_sync(widget):
    from microgr810 import trace_backward

    w = widget(neuron())
    assert w.steps == len(trace_backward(neuron())) == 5  # o, n, x1w1x2w2, x2w2, x1w1: one step per op
    assert (w.step, w.score, w.answers, w.predict) == (0, 0, [], False)
    w.set_state({"step": 3})  # as the browser's Next syncs it
    assert w.step == 3
    w.step = 5
    with pytest.raises(Exception, match="step must be between 0 and 5"):
        w.step = 6
    state = w.get_state()
    assert {"step", "score", "answers", "html", "steps", "_esm"} <= set(state)
    assert 'class="mg-stepper"' in state["html"] and "<svg" in state["html"]


def test_the_widget_ships_the_steppers_own_script_and_fetches_nothing(widget):
    from microgr810.pictures.stepper import STEPPER_JS

    esm = widget(neuron())._esm
    assert STEPPER_JS in esm and "export default" in esm
    assert "http" not in esm and "import(" not in esm and "from '" not in esm  # nothing fetched


def test_questions_reach_the_browser_without_their_answers(widget):
    w = widget(neuron(), predict=True)
    assert len(w.questions) == 5
    assert all(set(a) == {"label", "note"} for q in w.questions for a in q["asks"])
    assert "answer" not in json.dumps(w.questions)
    assert w.questions[0]["asks"][0]["label"] == "∂o/∂n"


def test_answers_are_checked_in_python_with_a_second_try(widget):
    from microgr810.teaching.quiz import feedback

    w = widget(neuron(), predict=True)
    # by hand: o = tanh(n) at n = 0.8814, tanh(n) = 1/sqrt(2): do/dn = 1 - 1/2 = 0.5
    send(w, {"kind": "answer", "step": 0, "index": 0, "text": "0.4"})
    first = w.answers[0]
    assert first["said"] == "✗ " + feedback(0.4, 0.5, last_try=False)[1] == "✗ not quite: try once more"
    assert not first["final"] and (w.score, w.status) == (0, "score: 0 of 0 right")
    send(w, {"kind": "answer", "step": 0, "index": 0, "text": "0.4"})
    second = w.answers[0]
    assert second["final"] and second["said"] == "✗ not quite: it is 0.5, yours is off by 0.1 (20.0% of it)"
    assert w.status == "score: 0 of 1 right"
    send(w, {"kind": "answer", "step": 0, "index": 0, "text": "0.5"})  # a question answered stays answered
    assert w.answers[0] == second
    # step 2 (n = x1w1x2w2 + b): + passes 0.5 to both inputs
    send(w, {"kind": "answer", "step": 1, "index": 0, "text": "1/2"})
    assert w.answers[1]["said"] == "✓ right: 0.5" and w.score == 1 and w.status == "score: 1 of 2 right"


def test_not_a_number_is_said_and_not_counted(widget):
    w = widget(neuron(), predict=True)
    send(w, {"kind": "answer", "step": 0, "index": 0, "text": "half"})
    assert w.answers[0]["said"].startswith("not a number") and not w.answers[0]["final"]
    send(w, {"kind": "answer", "step": 0, "index": 0, "text": "−0.5"})  # a typed minus sign: a sign slip
    assert w.answers[0]["said"] == "✗ not quite; right size, wrong sign: try once more"


def test_hints_count_once_and_reveal_marks_the_rest_missed(widget):
    w = widget(neuron(), predict=True)
    send(w, {"kind": "hint", "step": 1})
    send(w, {"kind": "hint", "step": 1})
    assert w.hinted == [1] and w.status == "score: 0 of 0 right, 1 hint"
    send(w, {"kind": "answer", "step": 1, "index": 0, "text": "0.5"})
    send(w, {"kind": "reveal", "step": 1})
    assert [r["said"] for r in w.answers] == ["✓ right: 0.5", "it is 0.5"]
    assert (w.score, w.status) == (1, "score: 1 of 2 right, 1 hint")


def test_messages_it_did_not_send_change_nothing(widget):
    w = widget(neuron(), predict=True)
    for junk in (None, [], {"kind": "answer"}, {"kind": "answer", "step": 99, "index": 0, "text": "1"},
                 {"kind": "answer", "step": "x"}, {"kind": "shout", "step": 0}):  # fmt: skip
        send(w, junk)
    assert (w.answers, w.hinted, w.score) == ([], [], 0)


def test_predict_calls_on_a_plain_widget_say_how_to_ask(widget):
    w = widget(neuron())
    with pytest.raises(ValueError, match="predict=True"):
        w.check(0, 0, "0.5")


def test_the_static_fallback_is_the_steppers_markup(widget):
    w = widget(neuron(), predict=True)
    data = w._repr_mimebundle_()
    data = data[0] if isinstance(data, tuple) else data
    assert "application/vnd.jupyter.widget-view+json" in data
    html = data["text/html"]  # what GitHub shows: step 0 and the table of every step, no answers' data
    assert "mg-steps" in html and "mg-p-data" not in html
    assert repr(w) == "StepperWidget(backward from 'o', 5 steps, predict)"


def test_a_trace_and_draw_options_are_taken(widget):
    from microgr810 import Value, trace_backward

    a = Value(2.0, label="a")
    L = (a * a).exp()
    L.label = "L"
    w = widget(trace_backward(L), rankdir="TB")
    assert w.steps == 2
    w = widget(L, predict=True)
    # by hand: dL/da = exp(a^2) * 2a = e^4 * 4; the step for a*a asks a's one total
    send(w, {"kind": "answer", "step": 1, "index": 0, "text": repr(4 * math.exp(4))})
    assert w.answers[0]["ok"] and w.score == 1
