"""A progress bar for the long jobs (tqdm, when installed): it appears only once a job has run a second."""

from __future__ import annotations

from typing import Any

__all__ = ["progress_bar"]


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def set_postfix(self, **values: Any) -> None:
        pass

    def close(self) -> None:
        pass


def progress_bar(total: int, desc: str, unit: str, enabled: bool = True) -> Any:
    """A tqdm bar on stderr shown after 1 s, or a bar that shows nothing (disabled, or no tqdm)."""
    if enabled:
        try:
            from tqdm import tqdm
        except ImportError:  # the bar is a nicety: the job runs without it
            return _NoBar()
        return tqdm(total=total, desc=desc, unit=unit, delay=1.0, leave=False)
    return _NoBar()
