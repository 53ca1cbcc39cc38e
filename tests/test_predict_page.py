"""Predict mode in a real headless Chromium, driven from the keyboard: a right and a wrong answer get
the words Python's `feedback` gives, the score counts both, the hint shows, nothing is fetched."""

import json
import random

import pytest

# the chromium fixture is in conftest.py; the DevTools client and its helpers in browser.py
from browser import click, screenshot
from microgr810 import graphs, quiz
from microgr810.pictures.stepper import stepper

STATE = """(() => {
  const p = document.querySelector('.mg-predict');
  const vis = s => [...p.querySelectorAll(s)].filter(e => !e.hidden && !e.closest('[hidden]'));
  return {head: p.querySelector('.mg-p-head').textContent,
          labels: [...p.querySelectorAll('.mg-p-row label')].map(l => l.textContent),
          feedback: [...p.querySelectorAll('.mg-p-fb')].map(f => f.textContent),
          score: p.querySelector('.mg-p-score').textContent,
          hint: vis('.mg-p-hinttext').map(e => e.textContent).join(''),
          reveal: vis('.mg-p-reveal').map(e => e.textContent).join(''),
          focus: document.activeElement.className || document.activeElement.tagName,
          step: (document.querySelector('.mg-stepper') || p).getAttribute('data-step')};
})()"""


def press(dt, name: str, code: int, text: str = "") -> None:
    """A key as the keyboard sends it (text: the character it types, which makes Enter click a button)."""
    dt.call("Input.dispatchKeyEvent", type="keyDown", key=name, code=name, windowsVirtualKeyCode=code, text=text)
    dt.call("Input.dispatchKeyEvent", type="keyUp", key=name, code=name, windowsVirtualKeyCode=code)


def typed(dt, text: str) -> None:
    dt.call("Input.insertText", text=text)


def open_page(dt, path):
    for domain in ("Network", "Page", "Runtime"):
        dt.call(f"{domain}.enable")
    dt.call("Page.navigate", url=path.as_uri())
    dt.wait_for("Page.loadEventFired")


def offline_and_quiet(dt, path) -> None:
    urls = [e["params"]["request"]["url"] for e in dt.events if e.get("method") == "Network.requestWillBeSent"]
    assert urls == [path.as_uri()], urls
    assert not [e for e in dt.events if e.get("method") == "Runtime.exceptionThrown"]


def test_predict_fragment_alone_keyboard_only(chromium, tmp_path):  # noqa: F811
    dt = chromium
    page = tmp_path / "predict.html"
    page.write_text(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>predict</title></head>'
        f"<body>{quiz.predict_html(graphs.neuron())}</body></html>",
        encoding="utf-8",
    )
    open_page(dt, page)

    s = dt.eval(STATE)
    assert s["head"].startswith("Predict step 1 of 5: o = tanh(n)") and s["labels"] == ["∂o/∂n = "]
    assert s["focus"] == "INPUT" and s["score"] == "score: 0 of 0 right"  # typing can start at once

    typed(dt, "0.5")  # by hand: 1 − tanh(n)² = 1 − 0.7071² = 0.5
    press(dt, "Enter", 13)
    s = dt.eval(STATE)
    assert s["feedback"] == ["✓ " + quiz.feedback(0.5, 0.5000000000000001)[1]] == ["✓ right: 0.5"]
    assert s["score"] == "score: 1 of 1 right" and s["reveal"].startswith("step 1: o = tanh(n)")
    assert s["focus"] == "mg-p-next"

    press(dt, "Enter", 13, "\r")  # Enter on the focused Next button
    s = dt.eval(STATE)
    assert s["head"].startswith("Predict step 2 of 5") and s["labels"] == ["∂o/∂x1w1x2w2 = ", "∂o/∂b = "]
    assert s["reveal"] == "" and s["focus"] == "INPUT"

    typed(dt, "-1/2")  # a sign slip: named, and a second try before the answer shows
    press(dt, "Enter", 13)
    s = dt.eval(STATE)
    assert s["feedback"][0] == "✗ " + quiz.feedback(-0.5, 0.5, last_try=False)[1]
    assert s["feedback"][0] == "✗ not quite; right size, wrong sign: try once more" and "0.5" not in s["feedback"][0]
    assert s["score"] == "score: 0 of 0 right" or s["score"] == "score: 1 of 1 right"  # not counted yet
    assert s["focus"] == "INPUT"  # the same box, its text selected: typing replaces it
    typed(dt, "-1/2")  # the same slip twice: now the answer shows
    press(dt, "Enter", 13)
    s = dt.eval(STATE)
    expected = quiz.feedback(-0.5, 0.5)[1]
    assert expected == "not quite: it is 0.5, yours is off by 1 (200.0% of it); right size, wrong sign"
    assert s["feedback"][0] == "✗ " + expected and s["score"] == "score: 1 of 2 right"
    assert s["reveal"] == "" and s["focus"] == "INPUT"  # the next box of the step has the focus

    typed(dt, "zz")
    press(dt, "Enter", 13)
    s = dt.eval(STATE)
    assert s["feedback"][1].startswith("not a number") and s["score"] == "score: 1 of 2 right"  # not counted

    press(dt, "Tab", 9)  # from the box to the Hint button
    press(dt, "Enter", 13, "\r")
    s = dt.eval(STATE)
    assert "∂o/∂b: ∂n/∂b = 1; upstream ∂o/∂n = 0.5" in s["hint"] and s["score"] == "score: 1 of 2 right, 1 hint"
    assert s["focus"] == "INPUT"  # back in the open box

    dt.eval("document.activeElement.value = ''")
    typed(dt, "0.503")  # within 1%: right, and how far off is said
    press(dt, "Enter", 13)
    s = dt.eval(STATE)
    said = "✓ right: 0.5 (yours is off by 0.003 (0.6% of it))"
    assert s["feedback"][1] == "✓ " + quiz.feedback(0.503, 0.5)[1] == said
    assert s["score"] == "score: 2 of 3 right, 1 hint" and s["reveal"].startswith("step 2: n = x1w1x2w2 + b")
    same_words_as_python(dt)
    offline_and_quiet(dt, page)


def same_words_as_python(dt) -> None:
    """The page's feedback and Python's, word for word, over answers of every size and near misses."""
    rng = random.Random(0)
    cases = [(0.0, 0.0), (1e-12, 0.0), (-0.5, 0.5), (123456.0, 123000.0), (1e-7, 1.2e-7), (2.5e-5, 2.5e-5)]
    for _ in range(200):
        answer = rng.choice([-1, 1]) * 10 ** rng.uniform(-8, 8)
        cases.append((answer * (1 + rng.choice([0.0, 1e-4, -3e-3, 0.0099, 0.02, -2.0, 0.5])), answer))
    js = dt.eval(f"{json.dumps(cases)}.map(c => document.querySelector('.mg-predict').feedback(c[0], c[1]))")
    assert [list(quiz.feedback(g, a)) for g, a in cases] == js
    js = dt.eval(f"{json.dumps(cases)}.map(c => document.querySelector('.mg-predict').feedback(c[0], c[1], false))")
    assert [list(quiz.feedback(g, a, last_try=False)) for g, a in cases] == js


def test_predict_fragment_inside_the_stepper_follows_its_steps(chromium, tmp_path):  # noqa: F811
    """stepper(root, predict=True): the fragment inside the stepper's element follows its steps."""
    dt = chromium
    L = graphs.neuron()
    page = stepper(L, predict=True).save(tmp_path / "stepper.html")
    open_page(dt, page)

    s = dt.eval(STATE)
    assert s["step"] == "0" and s["head"].startswith("Predict step 1 of 5")
    hidden = "[...document.querySelectorAll('.mg-steps')].every(t => getComputedStyle(t).display === 'none')"
    assert dt.eval(hidden)  # a table of every step, where the stepper has one, would give the answers away
    dt.eval("document.querySelector('.mg-p-rows input').focus()")
    typed(dt, "0.5")
    press(dt, "ArrowLeft", 37)  # moves the caret in the box, not the stepper
    assert dt.eval(STATE)["step"] == "0"
    press(dt, "Enter", 13)
    press(dt, "Enter", 13, "\r")  # Next: the stepper shows the step just answered
    s = dt.eval(STATE)
    assert s["step"] == "1" and s["head"].startswith("Predict step 2 of 5")
    assert dt.eval("document.querySelector('.mg-counter').textContent") == "step 1 / 5"
    assert s["focus"] == "INPUT"  # the keyboard is in the next question's first box
    typed(dt, "0.5")
    press(dt, "Enter", 13)
    assert dt.eval(STATE)["feedback"][0] == "✓ right: 0.5"

    dt.eval("document.querySelector('.mg-next').scrollIntoView()")  # the box had scrolled it out of view
    click(dt, ".mg-next")  # the stepper moves on by itself: the question follows, the focus stays put
    press(dt, "ArrowRight", 39)
    s = dt.eval(STATE)
    assert s["step"] == "3" and s["head"].startswith("Predict step 4 of 5") and s["focus"] == "mg-next"
    assert s["score"] == "score: 2 of 2 right"
    offline_and_quiet(dt, page)


def test_predict_in_the_stepper_page_marks_answers_and_keeps_score(chromium, tmp_path):  # noqa: F811
    """In a 1280 x 800 window the question shows beside the step's text without scrolling; a right and a
    wrong answer get their feedback and both count."""
    dt = chromium
    dt.call("Emulation.setDeviceMetricsOverride", width=1280, height=800, deviceScaleFactor=1, mobile=False)
    page = stepper(graphs.neuron(), predict=True).save(tmp_path / "predict.html")
    open_page(dt, page)
    box = dt.eval(
        "(() => { const r = document.querySelector('.mg-p-rows input').getBoundingClientRect();"
        " return [r.top, r.bottom, innerHeight]; })()"
    )
    assert box[0] > 0 and box[1] <= box[2], box  # in the first window: no scrolling to find the question

    dt.eval("document.querySelector('.mg-p-rows input').focus()")
    typed(dt, "0.5")  # o = tanh(n), n = 0.8814: 1 − tanh(n)² = 1 − 0.7071² = 0.5
    press(dt, "Enter", 13)
    s = dt.eval(STATE)
    assert s["feedback"] == ["✓ right: 0.5"] and s["score"] == "score: 1 of 1 right"
    press(dt, "Enter", 13, "\r")  # Next step: the stepper shows step 1, the panel asks step 2
    s = dt.eval(STATE)
    assert s["step"] == "1" and s["head"].startswith("Predict step 2 of 5: n = x1w1x2w2 + b")
    typed(dt, "0.25")  # n = x1w1x2w2 + b passes ∂o/∂n = 0.5 on unchanged: 0.25 is half of it
    press(dt, "Enter", 13)
    assert dt.eval(STATE)["feedback"][0] == "✗ not quite: try once more"  # a second try, the answer unsaid
    typed(dt, "0.25")
    press(dt, "Enter", 13)
    s = dt.eval(STATE)
    assert s["feedback"][0] == "✗ not quite: it is 0.5, yours is off by 0.25 (50.0% of it)"
    assert s["score"] == "score: 1 of 2 right"
    (tmp_path / "predict.png").write_bytes(screenshot(dt))
    offline_and_quiet(dt, page)


def test_predict_is_off_by_default_and_the_command_turns_it_on(tmp_path):
    from microgr810.command.cli import main

    assert '<div class="mg-predict"' not in stepper(graphs.neuron()).html()
    assert main(["stepper", "--predict", "-o", str(tmp_path / "p.html")]) == 0
    page = (tmp_path / "p.html").read_text(encoding="utf-8")
    # one panel, inside the stepper's place for one (the fragment finds its stepper around it)
    assert page.count('<div class="mg-predict"') == 1 and '<div class="mg-extra"><div class="mg-predict"' in page


LAYOUT = """(() => {
  const rect = s => document.querySelector(s).getBoundingClientRect();
  const view = document.querySelector('.mg-view'), panel = rect('.mg-extra'), hint = rect('.mg-p-hint');
  const hidden = document.querySelector('.mg-p-hint').hidden;
  return {step: document.querySelector('.mg-stepper').getAttribute('data-step'),
          rows: document.querySelectorAll('.mg-p-row').length, view: view.clientHeight, panel: panel.height,
          hintShown: !hidden && hint.top >= panel.top && hint.bottom <= panel.bottom,
          graph: rect('.mg-view svg').height, pageScrolls: document.documentElement.scrollHeight > innerHeight};
})()"""


@pytest.mark.parametrize(("M", "H"), [(2, 2), (4, 8)])
@pytest.mark.parametrize("window", [(1280, 800), (1920, 1080)])
def test_the_predict_panel_never_takes_the_graphs_height(chromium, tmp_path, M, H, window):
    """At every step, however many boxes it asks for, the panel stays well under the graph's view, which
    keeps the size it has at step 0 and shows the whole graph; the panel's buttons stay in sight."""
    from microgr810.command.cli import main

    dt = chromium
    assert main(["stepper", "--predict", "--M", str(M), "--H", str(H), "-o", str(tmp_path / "p.html")]) == 0
    dt.call("Emulation.setDeviceMetricsOverride", width=window[0], height=window[1], deviceScaleFactor=1, mobile=False)
    open_page(dt, tmp_path / "p.html")
    first = dt.eval(LAYOUT)
    most = 0
    for step in range(int(dt.eval("document.querySelector('.mg-counter').textContent").split("/ ")[1])):
        got = dt.eval(LAYOUT)
        assert got["step"] == str(step), got
        most = max(most, got["rows"])
        assert got["view"] == first["view"] and got["graph"] <= got["view"] + 1, (first, got)
        assert got["panel"] <= 0.5 * got["view"] and got["hintShown"] and not got["pageScrolls"], got
        dt.eval("document.querySelector('.mg-next').click()")
    assert most == 2 * H + 1  # among them the output neuron's step: a box per weight, per hidden unit, and b2
