"""The stepper follows the step: after each Next the current box lies inside the graph's view, at 1280x800
and 1920x1080, on Karpathy's exp-form neuron, the reference net at M=4, H=8 with a batch of 4, and MLP(3, [4, 4, 1])."""

import pytest

from microgr810.core.nn import MLP
from microgr810.pictures.stepper import stepper
from microgr810.teaching.graphs import exp_neuron
from microgr810.teaching.reference import ReferenceProblem


def exp_form_neuron():
    return exp_neuron()


def reference_batch():
    p = ReferenceProblem.random(4, 8, seed=0, batch=4)
    return p.loss(p.network())


def mlp_3_4_4_1():
    out = MLP(3, [4, 4, 1], seed=0)([2.0, 3.0, -1.0])
    loss = (out - 1.0) ** 2
    loss.label = "loss"
    return loss


GRAPHS = {"exp_neuron": exp_form_neuron, "reference_M4_H8_batch4": reference_batch, "mlp_3_4_4_1": mlp_3_4_4_1}

WHERE = """(() => {
  const cur = [...document.querySelectorAll('.mg-view g.node.mg-current')];
  const v = document.querySelector('.mg-view').getBoundingClientRect();
  const r = cur.map(e => e.getBoundingClientRect());
  return {step: +document.querySelector('.mg-stepper').getAttribute('data-step'), n: cur.length,
          view: [v.left, v.top, v.right, v.bottom],
          boxes: r.map(b => [b.left, b.top, b.right, b.bottom]),
          window: [innerWidth, innerHeight]};
})()"""


def open_stepper(dt, path, window):
    dt.call("Emulation.setDeviceMetricsOverride", width=window[0], height=window[1], deviceScaleFactor=1, mobile=False)
    for domain in ("Page", "Runtime"):
        dt.call(f"{domain}.enable")
    dt.call("Page.navigate", url=path.as_uri())
    dt.wait_for("Page.loadEventFired")


@pytest.mark.parametrize("window", [(1280, 800), (1920, 1080)])
@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_the_current_box_is_in_view_after_each_of_the_first_ten_steps(chromium, tmp_path, name, window):
    dt = chromium
    page = stepper(GRAPHS[name](), tmp_path / "s.html").save(tmp_path / "s.html")
    open_stepper(dt, page, window)
    steps = int(dt.eval("document.querySelector('.mg-counter').textContent").split("/ ")[1])
    assert steps >= 9  # the exp-form neuron has 9 steps; the others more than 10
    for k in range(1, min(steps, 10) + 1):
        dt.eval("document.querySelector('.mg-next').click()")
        got = dt.eval(WHERE)
        assert got["step"] == k and got["n"] >= 1, got
        left, top, right, bottom = got["view"]
        assert bottom <= window[1] and right <= window[0], got  # the view itself fits the window
        for b in got["boxes"]:
            assert left - 1 <= b[0] and b[2] <= right + 1 and top - 1 <= b[1] and b[3] <= bottom + 1, (k, got)


PANEL = """(() => {
  const extra = document.querySelector('.mg-extra').getBoundingClientRect();
  const inside = e => { const r = e.getBoundingClientRect();
    return r.height > 0 && r.top >= extra.top - 1 && r.bottom <= extra.bottom + 1 && r.bottom <= innerHeight; };
  const inputs = [...document.querySelectorAll('.mg-p-rows input')];
  return {step: +document.querySelector('.mg-stepper').getAttribute('data-step'), asks: inputs.length,
          head: inside(document.querySelector('.mg-p-head')), shown: inputs.filter(inside).length};
})()"""


@pytest.mark.parametrize("name", ["reference_M4_H8_batch4", "mlp_3_4_4_1"])
def test_the_predict_panel_shows_its_heading_and_three_boxes_at_1280x800(chromium, tmp_path, name):
    dt = chromium
    page = stepper(GRAPHS[name](), predict=True).save(tmp_path / "p.html")
    open_stepper(dt, page, (1280, 800))
    for _ in range(20):  # to a step that asks for three or more gradients (a product's step, a neuron's)
        got = dt.eval(PANEL)
        if got["asks"] >= 3:
            break
        dt.eval("document.querySelector('.mg-next').click()")
    assert got["asks"] >= 3, got
    assert got["head"] and got["shown"] >= 3, got
