"""Run a function with a wall-clock and memory budget: in a forked child that is killed at the deadline.

sympy cannot be interrupted from another thread, and a runaway `simplify` can take minutes and gigabytes;
a child process can be stopped at once. `within(seconds, f, *args)` returns ("done", result),
("timeout", None) or ("failed", message). Without fork (Windows), f runs in a daemon thread and is
abandoned at the deadline (it may go on using a core until it ends).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

__all__ = ["within", "MEMORY"]

MEMORY = 1 << 30  # bytes a budgeted step may add to the process's address space


def within(seconds: float, f: Callable[..., Any], *args: Any) -> tuple[str, Any]:
    """("done", f(*args)) if it returns within `seconds`, else ("timeout", None); ("failed", why) if it raised."""
    if not hasattr(os, "fork"):
        return _in_thread(seconds, f, *args)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, leave without running the parent's cleanup
        os.close(read)
        try:
            _limit_memory()
            try:
                payload = ("done", f(*args))
            except MemoryError:
                payload = ("failed", "out of memory")
            except Exception as e:  # sympy's own errors on odd input: reported, never raised here
                payload = ("failed", f"{type(e).__name__}: {e}"[:200])
            data = pickle.dumps(payload)
            with os.fdopen(write, "wb") as out:
                out.write(data)
        finally:
            os._exit(0)
    os.close(write)
    chunks: list[bytes] = []
    deadline = time.monotonic() + seconds
    status: tuple[str, Any] = ("timeout", None)
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([read], [], [], left)
            if not ready:
                break
            chunk = os.read(read, 1 << 16)
            if not chunk:  # the child finished writing
                status = pickle.loads(b"".join(chunks)) if chunks else ("failed", "no answer")
                break
            chunks.append(chunk)
    finally:
        os.close(read)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    return status


def _limit_memory() -> None:
    try:
        import resource

        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[0])
        now = pages * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (now + MEMORY, now + MEMORY))
    except (OSError, ValueError, ImportError):
        pass  # no /proc or no resource module: the time budget still holds


def _in_thread(seconds: float, f: Callable[..., Any], *args: Any) -> tuple[str, Any]:
    box: list[tuple[str, Any]] = []

    def run() -> None:
        try:
            box.append(("done", f(*args)))
        except Exception as e:
            box.append(("failed", f"{type(e).__name__}: {e}"[:200]))

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    return box[0] if box else ("timeout", None)
