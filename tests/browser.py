"""A headless Chromium for tests, driven by a minimal hand-written DevTools-protocol client (stdlib only)."""

import base64
import json
import os
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
    "--window-size=1200,900",
]


class DevTools:
    """A minimal DevTools-protocol client over a stdlib websocket (RFC 6455, client side)."""

    def __init__(self, url: str):
        u = urllib.parse.urlparse(url)
        self.sock = socket.create_connection((u.hostname, u.port), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET {u.path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
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
        size = (
            bytes([0x80 | n])
            if n < 126
            else bytes([0x80 | 126]) + n.to_bytes(2, "big")
            if n < 65536
            else bytes([0x80 | 127]) + n.to_bytes(8, "big")
        )
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


@contextmanager
def launch(exe: str, profile: Path) -> Iterator[DevTools]:
    """Chromium at `exe` with a fresh profile folder, and a DevTools client on its first page."""
    proc = subprocess.Popen(
        [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        for _ in range(600):  # Chromium writes its port here once it listens
            if port_file.exists() and port_file.read_text().count("\n") >= 1:
                break
            if proc.poll() is not None:
                raise RuntimeError("chromium exited at start")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as r:
            page = next(t for t in json.load(r) if t["type"] == "page")
        dt = DevTools(page["webSocketDebuggerUrl"])
        try:
            yield dt
        finally:
            dt.sock.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def click(dt: DevTools, selector: str) -> None:
    """A real mouse click at the element's centre, as a user makes it."""
    box = dt.eval(
        f"(() => {{ const r = document.querySelector('{selector}').getBoundingClientRect();"
        f" return [r.x + r.width / 2, r.y + r.height / 2]; }})()"
    )
    for kind in ("mousePressed", "mouseReleased"):
        dt.call("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left", clickCount=1)


def key(dt: DevTools, name: str, code: int) -> None:
    for kind in ("keyDown", "keyUp"):
        dt.call("Input.dispatchKeyEvent", type=kind, key=name, code=name, windowsVirtualKeyCode=code)


def screenshot(dt: DevTools) -> bytes:
    """The page as PNG bytes."""
    return base64.b64decode(dt.call("Page.captureScreenshot", format="png")["data"])
