"""The widget in a real JupyterLab on localhost, opened in headless Chromium: it renders, Next advances, a
predict answer is scored, and Python (a cell run after the clicks) sees the new step and score."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from browser import screenshot
from conftest import require_module

TOKEN = "microgr810-test"
CELLS = [
    "import microgr810\nfrom microgr810.teaching.graphs import neuron\n"
    "w = microgr810.widget(neuron(), predict=True)\nw",
    'print(f"PYTHON SEES step={w.step} score={w.score} answers={len(w.answers)}")',
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab on 127.0.0.1 serving tmp_path, with one notebook holding CELLS; yields its URL."""
    require_module("jupyterlab")
    require_module("anywidget")
    nbformat = require_module("nbformat")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "w.ipynb")
    news = tmp_path / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text('{"fetchNews": "false", "checkForUpdates": false}')  # no question popping up, nothing fetched
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
    }
    log = (tmp_path / "lab.log").open("w")  # noqa: SIM115  # open while the server runs
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--allow-root",
            f"--port={port}",
            "--ip=127.0.0.1",
            f"--ServerApp.root_dir={tmp_path}",
            f"--IdentityProvider.token={TOKEN}",
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            f"--LabApp.workspaces_dir={tmp_path / 'ws'}",
            f"--LabApp.user_settings_dir={tmp_path / 'settings'}",
        ],  # fmt: skip
        stdout=subprocess.DEVNULL,
        stderr=log,
        cwd=tmp_path,
        env=env,
    )
    try:
        for _ in range(600):  # up to 60 s on a loaded machine
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={TOKEN}", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(f"jupyter lab exited: {(tmp_path / 'lab.log').read_text()[-2000:]}") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def wait(dt, js: str, what: str, seconds: float = 40):
    """Poll `js` in the page until it is truthy; fail saying `what` did not happen."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        got = dt.eval(js)
        if got:
            return got
        time.sleep(0.25)
    seen = dt.eval(
        "JSON.stringify({title: document.title, url: location.href, app: typeof jupyterapp,"
        " text: document.body.innerText.slice(0, 400)})"
    )
    pytest.fail(f"timed out after {seconds} s waiting for {what}; the page: {seen}")


# the notebook's panel in JupyterLab's main area (the app is exposed by --LabApp.expose_app_in_browser)
PANEL = """const p = typeof jupyterapp === 'undefined' ? null :
  [...jupyterapp.shell.widgets('main')].find(w => w.content && w.content.activeCellIndex !== undefined);"""
RUN_CELL = (
    "(() => { "
    + PANEL
    + """
  jupyterapp.shell.activateById(p.id);
  p.content.activeCellIndex = %d;
  jupyterapp.commands.execute('notebook:run-cell');
  return true;
})()"""
)
OUTPUT = """(() => { const o = document.querySelectorAll('.jp-Cell')[1].querySelector('.jp-OutputArea-output');
  return o ? o.textContent : ''; })()"""


def test_widget_in_jupyterlab_renders_steps_scores_and_python_sees_it(chromium, lab, tmp_path):
    dt = chromium
    dt.call("Emulation.setDeviceMetricsOverride", width=1280, height=800, deviceScaleFactor=1, mobile=False)
    for domain in ("Page", "Runtime"):
        dt.call(f"{domain}.enable")
    dt.call("Page.navigate", url=f"{lab}/lab/tree/w.ipynb?token={TOKEN}")
    wait(dt, f"(() => {{ {PANEL} const k = p && p.sessionContext.session && p.sessionContext.session.kernel;"
         " return !!k && k.connectionStatus === 'connected' && k.status === 'idle'; })()",
         "the notebook and its kernel")  # fmt: skip
    dt.eval(RUN_CELL % 0)
    wait(dt, "!!document.querySelector('.jp-OutputArea .mg-stepper .mg-view svg')", "the widget to render")
    state = """(() => { const r = document.querySelector('.jp-OutputArea .mg-stepper');
      return {step: r.getAttribute('data-step'), counter: r.querySelector('.mg-counter').textContent,
              head: r.querySelector('.mg-p-head').textContent,
              fb: [...r.querySelectorAll('.mg-p-fb')].map(e => e.textContent),
              score: r.querySelector('.mg-p-score').textContent}; })()"""
    s = dt.eval(state)
    assert s["step"] == "0" and s["counter"] == "step 0 / 5", s
    assert s["head"].startswith("Predict step 1 of 5: o = tanh(n)"), s
    (tmp_path / "lab-0.png").write_bytes(screenshot(dt))

    # a predict answer, typed and sent with Enter: o = tanh(n), 1 - tanh(n)^2 = 1 - 0.7071^2 = 0.5 (by hand)
    dt.eval("document.querySelector('.jp-OutputArea .mg-p-rows input').focus()")
    dt.call("Input.insertText", text="0.5")
    for kind in ("keyDown", "keyUp"):
        dt.call("Input.dispatchKeyEvent", type=kind, key="Enter", code="Enter", windowsVirtualKeyCode=13)
    s = wait(dt, f"(() => {{ const s = {state}; return s.fb[0] ? s : null; }})()", "the answer's feedback from Python")
    assert s["fb"] == ["✓ right: 0.5"] and s["score"] == "score: 1 of 1 right", s

    # Next advances the stepper (the panel's Next step, then the stepper's own Next)
    dt.eval("document.querySelector('.jp-OutputArea .mg-p-next').click()")
    wait(dt, f"{state}.step === '1'", "the panel's Next to move the stepper")
    dt.eval("document.querySelector('.jp-OutputArea .mg-next').click()")
    s = wait(dt, f"(() => {{ const s = {state}; return s.step === '2' ? s : null; }})()", "Next to advance")
    assert s["counter"] == "step 2 / 5" and s["head"].startswith("Predict step 3 of 5"), s
    # the keys: with the widget focused, → steps on and ← back (JupyterLab's own shortcuts keep out of it)
    dt.eval("document.querySelector('.jp-OutputArea .mg-stepper').focus()")
    for name, code in (("ArrowRight", 39), ("ArrowRight", 39), ("ArrowLeft", 37)):
        for kind in ("keyDown", "keyUp"):
            dt.call("Input.dispatchKeyEvent", type=kind, key=name, code=name, windowsVirtualKeyCode=code)
    wait(dt, f"{state}.step === '3'", "→ → ← to end at step 3")
    dt.eval("document.querySelector('.jp-OutputArea .mg-prev').click()")
    wait(dt, f"{state}.step === '2'", "Prev to go back to step 2")
    (tmp_path / "lab-2.png").write_bytes(screenshot(dt))
    shots = os.environ.get("MICROGR810_SHOTS")  # docs/images/widget-jupyterlab.png is made this way
    if shots:  # atomically: a whole picture or the old one
        (Path(shots) / ".widget-jupyterlab.png.tmp").write_bytes((tmp_path / "lab-2.png").read_bytes())
        os.replace(Path(shots) / ".widget-jupyterlab.png.tmp", Path(shots) / "widget-jupyterlab.png")

    # Python sees what the learner did
    dt.eval(RUN_CELL % 1)
    out = wait(
        dt, f"(() => {{ const t = {OUTPUT}; return t.includes('PYTHON SEES') ? t : null; }})()", "the cell's output"
    )
    assert "PYTHON SEES step=2 score=1 answers=1" in out, out
    assert json.loads(json.dumps(out))  # plain text, no error
