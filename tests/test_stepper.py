"""The stepper page: its markup, and a real headless Chromium driven over the DevTools protocol."""

import pytest

from browser import click, key, launch, screenshot
from conftest import require_binary
from microgr810 import Value
from microgr810.reference import ReferenceProblem
from microgr810.stepper import stepper


def reference_loss(M=2, H=2, seed=1):
    p = ReferenceProblem.random(M, H, seed=seed, y=1.0)
    return p.loss(p.network())


def test_page_is_self_contained_with_one_frame_and_row_per_step():
    L = reference_loss()
    page = stepper(L).html()
    n = 2 * 2 + 3  # a1, z1 for each of 2 hidden units, then a2, z2, L
    assert page.count('class="mg-frame"') == n + 1 and page.count('class="mg-row"') == n + 1
    assert f"step 0 / {n}" in page
    # nothing to fetch: no external script, style, image or font
    for needle in ("src=", "href=", "@import", "url(", "http:", "https:"):
        assert needle not in page.replace("http://www.w3.org", ""), needle
    assert "<?xml" not in page and "<!DOCTYPE svg" not in page


def test_labels_are_html_escaped_and_jupyter_gets_the_same_markup(tmp_path):
    a = Value(2.0, "<script>alert('a')</script>&")
    b = (a * a).tanh()
    s = stepper(b, tmp_path / "s.html")
    page = (tmp_path / "s.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(" in page
    snippet = s._repr_html_()
    assert snippet.startswith('<div class="mg-stepper"') and "<html" not in snippet
    assert snippet.count('class="mg-frame"') == 3


def test_step_frames_style_done_current_pending():
    from microgr810.draw import PHASE_COLOURS
    L = reference_loss()
    s = stepper(L)
    done, current = PHASE_COLOURS["done"].lower(), PHASE_COLOURS["current"].lower()
    # before the first step only the legend shows the current colour; then a node and its op do
    assert s.frames[0].lower().count(current) == 1
    assert all(f.lower().count(current) > 1 for f in s.frames[1:])
    dones = [f.lower().count(done) for f in s.frames]
    assert dones == sorted(dones) and dones[0] < dones[-1]
    unknown = [f.count("grad ?") for f in s.frames]
    # M=2, H=2: W1 (4), b1, x, a1, z1, W2 (2 each), b2, a2, z2, L: 18 nodes; all but L wait at first
    assert unknown[0] == 18 - 1
    assert unknown == sorted(unknown, reverse=True) and unknown[-1] == 0


def test_draw_step_runs_backward_or_takes_a_trace():
    from microgr810 import draw, trace_backward
    from microgr810.draw import PHASE_COLOURS
    a = Value(3.0, "a")
    c = a * a + a  # dc/da = 2a + 1 = 7
    src = draw(c, step=0).source  # runs backward itself
    assert a.grad == 7.0 and src.count("grad ?") == 2  # a and a*a: nothing has reached them yet
    a.grad = 0.0  # a leaf accumulates across backward calls, as in PyTorch
    tr = trace_backward(c)
    last = draw(c, step=2, trace=tr).source
    assert "grad ?" not in last and "grad 7" in last and PHASE_COLOURS["current"] in last
    # unlabelled ops carry the trace's names (t1, t2 in the order computed: a*a, c)
    assert "<B>t1</B>" in last and "<B>t2</B>" in last and "t2 = t1 + a" in str(tr)
    with pytest.raises(ValueError, match="not"):
        draw(a * 2.0, step=1, trace=tr)
    with pytest.raises(ValueError, match="from 0 to 2"):
        draw(c, step=3, trace=tr)


def test_refuses_a_graph_too_long_to_step_through():
    x = Value(1.0, "x")
    for _ in range(30):
        x = x + 1.0
    with pytest.raises(ValueError, match="takes 30 steps, more than max_steps=20"):
        stepper(x, max_steps=20)


@pytest.fixture
def chromium(tmp_path):
    """A headless Chromium with a DevTools client on a blank page."""
    with launch(require_binary("chromium", "apt-get install chromium"), tmp_path / "profile") as dt:
        yield dt


STATE = """(() => {
  const frames = [...document.querySelectorAll('.mg-frame')];
  const shown = frames.filter(f => !f.hidden);
  const rows = [...document.querySelectorAll('.mg-row')].filter(r => !r.hidden);
  return {counter: document.querySelector('.mg-counter').textContent,
          shown: shown.map(f => f.dataset.k), svg: shown.length ? shown[0].innerHTML : '',
          row: rows.map(r => r.textContent).join('|')};
})()"""


def test_stepper_in_headless_chromium(chromium, tmp_path):
    dt = chromium
    a = Value(0.5, "x<&>")  # a label that must arrive as text, not markup
    L = ((a * 3.0).sigmoid() + a).log()
    L.label = "L"
    path = stepper(L, tmp_path / "stepper.html").save(tmp_path / "stepper.html")
    n = 4  # *, sigmoid, +, log
    dt.call("Network.enable")
    dt.call("Page.enable")
    dt.call("Runtime.enable")
    dt.call("Page.navigate", url=path.as_uri())
    dt.wait_for("Page.loadEventFired")

    s0 = dt.eval(STATE)
    assert s0["counter"] == f"step 0 / {n}" and s0["shown"] == ["0"]
    assert "before backward" in s0["row"]

    click(dt, ".mg-next")
    s1 = dt.eval(STATE)
    assert s1["counter"] == f"step 1 / {n}" and s1["shown"] == ["1"]
    assert s1["svg"] != s0["svg"]
    assert s1["row"].startswith("step 1: L = ln(")

    key(dt, "ArrowRight", 39)
    key(dt, "ArrowRight", 39)
    s3 = dt.eval(STATE)
    assert s3["counter"] == f"step 3 / {n}" and s3["shown"] == ["3"]
    click(dt, ".mg-prev")
    s2 = dt.eval(STATE)
    assert s2["counter"] == f"step 2 / {n}" and s2["shown"] == ["2"]
    assert "∂L/∂x<&> += " in s2["row"]  # the escaped label reads back as the literal text

    shot = screenshot(dt)
    assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 10_000
    (tmp_path / "stepper.png").write_bytes(shot)

    urls = [e["params"]["request"]["url"] for e in dt.events if e.get("method") == "Network.requestWillBeSent"]
    assert urls == [path.as_uri()], urls  # the page itself, and nothing else
    assert not [e for e in dt.events if e.get("method") == "Runtime.exceptionThrown"]
