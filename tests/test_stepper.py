"""The stepper page: its markup, and a real headless Chromium driven over the DevTools protocol."""

import pytest
from microgr810.reference import ReferenceProblem

from browser import click, key, screenshot
from microgr810 import Value
from microgr810.pictures.stepper import stepper


def reference_loss(M=2, H=2, seed=1):
    p = ReferenceProblem.random(M, H, seed=seed, y=1.0)
    return p.loss(p.network())


def test_page_is_self_contained_with_one_drawing_and_a_row_per_step():
    L = reference_loss()
    page = stepper(L).html()
    n = 2 * 2 + 3  # a1, z1 for each of 2 hidden units, then a2, z2, L
    assert page.count("<svg") == 1 and page.count('<tr data-k="') == n + 1
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
    assert snippet.count("<svg") == 1 and snippet.count('<tr data-k="') == 3


def test_step_frames_style_done_current_pending():
    s = stepper(reference_loss())
    phases = [f.phases for f in s.frames]
    # before the first step nothing is current; then exactly one box is, the step's node
    assert phases[0].count("current") == 0 and s.frames[0].current is None
    assert all(p.count("current") == 1 for p in phases[1:])
    for k, f in enumerate(s.frames[1:], 1):
        assert s.trace.names[list(s.trace.names)[f.current]] == s.trace[k - 1].name
    dones = [p.count("done") for p in phases]
    assert dones == sorted(dones) and dones[0] < dones[-1] and phases[-1].count("pending") == 0
    unknown = [f.grads.count("grad ?") for f in s.frames]
    # M=2, H=2: W1 (4), b1, x, a1, z1, W2 (2 each), b2, a2, z2, L: 18 nodes; all but L wait at first
    assert unknown[0] == 18 - 1
    assert unknown == sorted(unknown, reverse=True) and unknown[-1] == 0


def test_draw_step_runs_backward_or_takes_a_trace():
    from microgr810 import draw, trace_backward
    from microgr810.pictures.draw import PHASE_COLOURS

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


STATE = """(() => {
  const boxes = [...document.querySelectorAll('g.node')].filter(g => /^v\\d+$/.test(g.id));
  const current = boxes.filter(g => g.classList.contains('mg-current'));
  const now = [...document.querySelectorAll('.mg-steps tr.mg-now')];
  return {counter: document.querySelector('.mg-counter').textContent,
          current: current.map(g => g.id),
          stroke: current.length ? getComputedStyle(current[0].querySelector('polygon')).stroke : '',
          flow: [...document.querySelectorAll('g.edge.mg-flow')].map(g => g.id),
          grads: boxes.map(g => [...g.querySelectorAll('text')].pop().textContent),
          now: now.map(r => r.dataset.k),
          row: document.querySelector('.mg-caption').textContent,
          width: document.querySelector('.mg-view svg').getBoundingClientRect().width};
})()"""


def test_stepper_in_headless_chromium(chromium, tmp_path):
    dt = chromium
    a = Value(0.5, "x<&>")  # a label that must arrive as text, not markup
    L = ((a * 3.0).sigmoid() + a).log()
    L.label = "L"
    s = stepper(L, tmp_path / "stepper.html")
    path = s.save(tmp_path / "stepper.html")
    n = 4  # *, sigmoid, +, log
    box = {node: f"v{i}" for i, node in enumerate(s.trace.names)}  # boxes in topological order
    step_box = [None] + [box[st.node] for st in s.trace]
    dt.call("Network.enable")
    dt.call("Page.enable")
    dt.call("Runtime.enable")
    dt.call("Page.navigate", url=path.as_uri())
    dt.wait_for("Page.loadEventFired")

    s0 = dt.eval(STATE)
    assert s0["counter"] == f"step 0 / {n}" and s0["now"] == ["0"] and s0["current"] == [] and s0["flow"] == []
    assert "before backward" in s0["row"]
    assert s0["grads"].count("grad ?") == len(box) - 1 and "grad 1" in s0["grads"]  # only L's has come

    click(dt, ".mg-next")
    s1 = dt.eval(STATE)
    assert s1["counter"] == f"step 1 / {n}" and s1["now"] == ["1"]
    assert s1["current"] == [box[L]] and s1["stroke"] == "rgb(0, 85, 143)"  # L's box, in PHASE_COLOURS' blue
    assert sorted(s1["flow"]) == [f"e{box[L][1:]}_0", f"e{box[L][1:]}_out"]  # x + σ(...) -> ln -> L
    assert s1["row"].startswith("step 1: L = ln(")
    assert s1["grads"].count("grad ?") == len(box) - 2  # the + node has its gradient now

    key(dt, "ArrowRight", 39)
    key(dt, "ArrowRight", 39)
    s3 = dt.eval(STATE)
    assert s3["counter"] == f"step 3 / {n}" and s3["now"] == ["3"] and s3["current"] == [step_box[3]]
    click(dt, ".mg-prev")
    s2 = dt.eval(STATE)
    assert s2["counter"] == f"step 2 / {n}" and s2["now"] == ["2"] and s2["current"] == [step_box[2]]
    assert "∂L/∂x<&> += " in s2["row"]  # the escaped label reads back as the literal text
    assert s2["grads"] != s3["grads"]  # stepping back takes the later gradients away again

    click(dt, ".mg-in")
    assert dt.eval(STATE)["width"] > 1.2 * s2["width"]
    key(dt, "0", 48)
    assert abs(dt.eval(STATE)["width"] - s2["width"]) < 1  # fit again

    shot = screenshot(dt)
    assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 10_000
    (tmp_path / "stepper.png").write_bytes(shot)

    urls = [e["params"]["request"]["url"] for e in dt.events if e.get("method") == "Network.requestWillBeSent"]
    assert urls == [path.as_uri()], urls  # the page itself, and nothing else
    assert not [e for e in dt.events if e.get("method") == "Runtime.exceptionThrown"]


VISIBLE = """(() => {
  const shown = el => !!el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  return {bar: shown(document.querySelector('.mg-bar')),
          buttons: [...document.querySelectorAll('button')].filter(shown).length,
          svgs: [...document.querySelectorAll('svg')].filter(shown).length,
          rows: [...document.querySelectorAll('.mg-steps tr')].filter(shown).length,
          note: [...document.querySelectorAll('.mg-note')].filter(shown).length,
          styled: document.querySelectorAll('g.mg-done, g.mg-current, g.mg-pending').length,
          pending: [...document.querySelectorAll('g.node > polygon:first-of-type, g.node > ellipse')]
                   .filter(p => p.getAttribute('stroke-dasharray')).length};
})()"""


@pytest.mark.parametrize("predict", [False, True])
@pytest.mark.parametrize("scripts", [False, True])
def test_without_javascript_the_page_is_frame_0_and_the_table(chromium, tmp_path, scripts, predict):
    """As GitHub shows a notebook: no controls that do nothing, the drawing at step 0, every step's row."""
    dt = chromium
    s = stepper(reference_loss(), tmp_path / "stepper.html", predict=predict)
    dt.call("Page.enable")
    dt.call("Emulation.setScriptExecutionDisabled", value=not scripts)
    dt.call("Page.navigate", url=(tmp_path / "stepper.html").as_uri())
    dt.wait_for("Page.loadEventFired")
    seen = dt.eval(VISIBLE)  # DevTools still evaluates with the page's own scripts off
    hidden_table = scripts and predict  # predicting, the table of every step would give the answers away
    assert seen["svgs"] == 1 and seen["rows"] == (0 if hidden_table else len(s.trace) + 1)
    if scripts:  # predict mode adds Hint and Reveal (its Next appears once a step is answered)
        assert seen["bar"] and seen["buttons"] == 5 + 2 * predict and seen["note"] == 0 and seen["styled"] > 0
    else:
        assert not seen["bar"] and seen["buttons"] == 0 and seen["note"] == 1 and seen["styled"] == 0
        # frame 0 as drawn: 18 values and 7 ops, all pending (dashed) before the first step
        assert seen["pending"] == 18 + 7


def test_a_batch_of_four_at_m4_h8_stays_under_two_megabytes():
    p = ReferenceProblem.random(4, 8, seed=0, batch=4)
    page = stepper(p.loss(p.network())).html()
    assert page.count("<svg") == 1  # one drawing, not one per step (that page was 25 MB)
    assert len(page.encode("utf-8")) < 2_000_000


def test_a_focused_stepper_steps_through_the_boxes_it_draws(chromium, tmp_path):
    """focus= leaves boxes out of the drawing: their steps still count, the page still works."""
    dt = chromium
    s = stepper(reference_loss(4, 8), tmp_path / "focus.html", focus="W1[0,1]")
    assert s.svg.count('class="node"') < 20 and "other nodes" in s.svg
    dt.call("Page.enable")
    dt.call("Runtime.enable")
    dt.call("Page.navigate", url=(tmp_path / "focus.html").as_uri())
    dt.wait_for("Page.loadEventFired")
    for _ in range(len(s.trace)):
        key(dt, "ArrowRight", 39)
    last = dt.eval(STATE)
    assert last["counter"] == f"step {len(s.trace)} / {len(s.trace)}" and "grad ?" not in last["grads"]
    assert not [e for e in dt.events if e.get("method") == "Runtime.exceptionThrown"]


def test_a_row_of_the_table_jumps_to_its_step(chromium, tmp_path):
    dt = chromium
    s = stepper(reference_loss(), tmp_path / "rows.html")
    dt.call("Page.enable")
    dt.call("Page.navigate", url=(tmp_path / "rows.html").as_uri())
    dt.wait_for("Page.loadEventFired")
    dt.eval("document.querySelector('.mg-steps tr[data-k=\"5\"]').scrollIntoView()")
    dt.eval("document.querySelector('.mg-stepper').addEventListener('mg-step', e => { window.seen = e.detail; })")
    click(dt, '.mg-steps tr[data-k="5"] pre')
    state = dt.eval(STATE)
    assert dt.eval("window.seen") == {"step": 5, "steps": len(s.trace)}  # what a panel in .mg-extra hears
    assert state["counter"] == f"step 5 / {len(s.trace)}" and state["now"] == ["5"]
    assert state["row"] == s.captions[5]


def karpathy_mlp_loss():
    from microgr810.nn import MLP

    out = MLP(3, [4, 4, 1], seed=0)([2.0, 3.0, -1.0])
    loss = (out - 1.0) ** 2
    loss.label = "loss"
    return loss


SIZES = """(() => {
  const view = document.querySelector('.mg-view'), svg = view.querySelector('svg');
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const sizes = [...svg.querySelectorAll('g.node text')].map(t => parseFloat(t.getAttribute('font-size')) * scale);
  const box = svg.getBoundingClientRect();
  return {least: Math.min(...sizes), width: box.width, height: box.height,
          viewWidth: view.clientWidth, viewHeight: view.clientHeight, pageWidth: document.documentElement.clientWidth};
})()"""


@pytest.mark.parametrize("graph", ["M=2 H=2", "M=4 H=8", "MLP(3, [4, 4, 1])"])
@pytest.mark.parametrize("window", [(1280, 800), (1920, 1080)])
def test_the_page_fills_the_window_with_node_text_of_12_px_or_more(chromium, tmp_path, graph, window):
    dt = chromium
    root = {
        "M=2 H=2": lambda: reference_loss(2, 2),
        "M=4 H=8": lambda: reference_loss(4, 8),
        "MLP(3, [4, 4, 1])": karpathy_mlp_loss,
    }[graph]()
    stepper(root, tmp_path / "page.html")
    dt.call("Page.enable")
    dt.call("Emulation.setDeviceMetricsOverride", width=window[0], height=window[1], deviceScaleFactor=1, mobile=False)
    dt.call("Page.navigate", url=(tmp_path / "page.html").as_uri())
    dt.wait_for("Page.loadEventFired")
    got = dt.eval(SIZES)
    assert got["least"] >= 12 - 1e-6, got
    assert got["viewWidth"] >= 0.95 * got["pageWidth"], got  # the view spans the window
    # the graph fills the view's width, or (a tall one) its height: no band of empty width beside it
    assert got["width"] >= 0.6 * got["viewWidth"] or got["height"] >= 0.95 * got["viewHeight"], got
