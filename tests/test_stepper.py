"""The stepper page: its markup, and a real headless Chromium driven over the DevTools protocol."""

import base64
import json
import os
import socket
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

from conftest import require_binary
from microgr810 import Value
from microgr810.reference import ReferenceProblem
from microgr810.stepper import stepper

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "--window-size=1200,900"]


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


class DevTools:
    """A minimal DevTools-protocol client over a stdlib websocket (RFC 6455, client side)."""

    def __init__(self, url: str):
        u = urllib.parse.urlparse(url)
        self.sock = socket.create_connection((u.hostname, u.port), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {u.path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
                          .encode())
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            head += self._exact(1)
        assert head.split(b"\r\n", 1)[0].split()[1] == b"101", head
        self.events: list[dict] = []
        self.last_id = 0

    def _exact(self, n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("DevTools closed the websocket")
            buf += chunk
        return buf

    def _send(self, text: str) -> None:
        data = text.encode()
        n = len(data)
        size = bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + n.to_bytes(2, "big") if n < 65536 \
            else bytes([0x80 | 127]) + n.to_bytes(8, "big")
        mask = os.urandom(4)  # a client must mask every frame
        self.sock.sendall(bytes([0x81]) + size + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _message(self) -> dict:
        parts = []
        while True:
            b0, b1 = self._exact(2)
            n = b1 & 0x7F
            if n >= 126:
                n = int.from_bytes(self._exact(2 if n == 126 else 8), "big")
            payload = self._exact(n)
            if b0 & 0x0F == 0x8:
                raise ConnectionError("DevTools closed the websocket")
            parts.append(payload)
            if b0 & 0x80:
                return json.loads(b"".join(parts))

    def call(self, method: str, **params) -> dict:
        self.last_id += 1
        self._send(json.dumps({"id": self.last_id, "method": method, "params": params}))
        while True:
            msg = self._message()
            if msg.get("id") == self.last_id:
                assert "error" not in msg, msg
                return msg["result"]
            self.events.append(msg)

    def wait_for(self, method: str) -> dict:
        while True:
            for e in self.events:
                if e.get("method") == method:
                    self.events.remove(e)
                    return e
            self.events.append(self._message())

    def eval(self, js: str):
        r = self.call("Runtime.evaluate", expression=js, returnByValue=True)
        assert "exceptionDetails" not in r, r
        return r["result"].get("value")


@pytest.fixture
def chromium(tmp_path):
    exe = require_binary("chromium", "apt-get install chromium")
    profile = tmp_path / "profile"
    proc = subprocess.Popen([exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        for _ in range(600):  # Chromium writes its port here once it listens
            if port_file.exists() and port_file.read_text().count("\n") >= 1:
                break
            assert proc.poll() is None, "chromium exited at start"
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as r:
            page = next(t for t in json.load(r) if t["type"] == "page")
        dt = DevTools(page["webSocketDebuggerUrl"])
        yield dt
        dt.sock.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


STATE = """(() => {
  const frames = [...document.querySelectorAll('.mg-frame')];
  const shown = frames.filter(f => !f.hidden);
  const rows = [...document.querySelectorAll('.mg-row')].filter(r => !r.hidden);
  return {counter: document.querySelector('.mg-counter').textContent,
          shown: shown.map(f => f.dataset.k), svg: shown.length ? shown[0].innerHTML : '',
          row: rows.map(r => r.textContent).join('|')};
})()"""


def click(dt: DevTools, selector: str) -> None:
    """A real mouse click at the element's centre, as a user makes it."""
    box = dt.eval(f"(() => {{ const r = document.querySelector('{selector}').getBoundingClientRect();"
                  f" return [r.x + r.width / 2, r.y + r.height / 2]; }})()")
    for kind in ("mousePressed", "mouseReleased"):
        dt.call("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left", clickCount=1)


def key(dt: DevTools, name: str, code: int) -> None:
    for kind in ("keyDown", "keyUp"):
        dt.call("Input.dispatchKeyEvent", type=kind, key=name, code=name, windowsVirtualKeyCode=code)


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

    shot = base64.b64decode(dt.call("Page.captureScreenshot", format="png")["data"])
    assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 10_000
    (tmp_path / "stepper.png").write_bytes(shot)

    urls = [e["params"]["request"]["url"] for e in dt.events if e.get("method") == "Network.requestWillBeSent"]
    assert urls == [path.as_uri()], urls  # the page itself, and nothing else
    assert not [e for e in dt.events if e.get("method") == "Runtime.exceptionThrown"]
