"""Shared test helpers: optional tools skip on a user's machine but fail in CI (CI=true)."""

import importlib
import os
import shutil

import pytest

IN_CI = os.environ.get("CI") == "true"


def require_module(name: str):
    """Import an optional module, or skip with a reason (fail instead where CI=true)."""
    try:
        return importlib.import_module(name)
    except ImportError as e:
        if IN_CI:
            pytest.fail(f"{name} is required in CI but is not installed: {e}")
        hint = "MICROGR810_TORCH=1 make setup" if name == "torch" else f"pip install {name}"
        pytest.skip(f"{name} is not installed ({hint})")


def require_binary(name: str, hint: str) -> str:
    """The path of an optional executable, or skip with how to install it (fail where CI=true)."""
    path = shutil.which(name)
    if path is None:
        if IN_CI:
            pytest.fail(f"`{name}` is required in CI but is not on PATH ({hint})")
        pytest.skip(f"`{name}` is not installed ({hint})")
    return path


@pytest.fixture
def chromium(tmp_path):
    """A headless Chromium with a DevTools client (tests/browser.py) on a blank page."""
    from browser import launch

    with launch(require_binary("chromium", "apt-get install chromium"), tmp_path / "profile") as dt:
        yield dt


@pytest.fixture
def torch():
    t = require_module("torch")
    t.set_default_dtype(t.float64)
    return t


# Hypothesis: "ci" is reproducible (derandomized: the same 500 examples a property every run) and is
# what every run uses, `make test` here as in CI. `make test-deep` picks "dev" (HYPOTHESIS_PROFILE=dev):
# four times wider, with fresh random examples. No deadline anywhere: a 2-core machine under load
# must not fail a test on timing.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ci",
    max_examples=500,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev",
    max_examples=2000,
    derandomize=False,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or "ci")


def names_hidden_slope(text: str, activation: str = "sigmoid") -> bool:
    """Does `text` (a grader's diagnosis or mistake) name the hidden unit's slope, in any of the ways the
    grader writes it: z1[h]·(1 − z1[h]) or σ′(a1[h]) for the sigmoid, 1 − z1[h]² or tanh′(a1[h]) for tanh."""
    written = {
        "sigmoid": ("z1[h]·(1 − z1[h])", "z1[h](1 − z1[h])", "σ′(a1[h])"),
        "tanh": ("1 − z1[h]^2", "1 − z1[h]²", "tanh′(a1[h])"),
    }[activation]
    return any(w in text for w in written)
