"""A progress bar for the long jobs: it appears only once a job has run a second.

On a terminal it is a tqdm bar (when tqdm is installed), redrawn in place with \\r. Where stderr is a file
or a pipe (a log, CI) no \\r is written: one plain line at most every LOG_SECONDS says how far the job is.
"""

from __future__ import annotations

import sys
import time
from typing import Any

__all__ = ["progress_bar", "LOG_SECONDS"]

LOG_SECONDS = 10.0  # between two lines of progress in a log


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def set_postfix(self, **values: Any) -> None:
        pass

    def close(self) -> None:
        pass


class _LineBar(_NoBar):
    """Progress as whole lines on stderr: the first after a second, then at most one every LOG_SECONDS."""

    def __init__(self, total: int, desc: str, unit: str) -> None:
        self.total, self.desc, self.unit, self.n = total, desc, unit, 0
        self.start = time.monotonic()
        self.next = self.start + 1.0
        self.postfix = ""

    def update(self, n: int = 1) -> None:
        self.n += n
        now = time.monotonic()
        if now >= self.next:
            self.next = now + LOG_SECONDS
            line = f"{self.desc}: {self.n}/{self.total} {self.unit}s, {now - self.start:.0f} s{self.postfix}\n"
            sys.stderr.write(line)
            sys.stderr.flush()

    def set_postfix(self, **values: Any) -> None:
        self.postfix = "".join(f", {k} {v}" for k, v in values.items())


def progress_bar(total: int, desc: str, unit: str, enabled: bool = True) -> Any:
    """A bar on stderr shown after 1 s (tqdm on a terminal, plain lines elsewhere), or one that shows nothing."""
    if not enabled:
        return _NoBar()
    isatty = getattr(sys.stderr, "isatty", None)
    if not (isatty and isatty()):
        return _LineBar(total, desc, unit)
    try:
        from tqdm import tqdm
    except ImportError:  # the bar is a nicety: the job runs without it
        return _NoBar()
    return tqdm(total=total, desc=desc, unit=unit, delay=1.0, leave=False)
