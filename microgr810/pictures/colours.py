"""The drawings' colours, and the WCAG contrast that keeps a highlight visible on every fill.

Fills tell a node's role (Okabe-Ito, told apart with every common colour-vision deficiency);
borders and edges tell highlights (a chain-rule path, a phase of backward). A highlight drawn on
a fill must stand out from it: WCAG 2 asks 3:1 for graphical objects, so every highlight here is
a dark shade of an Okabe-Ito hue, and tests check each (highlight, role) pair with `contrast`.
"""

from __future__ import annotations

__all__ = [
    "ROLE_COLOURS",
    "PATH_COLOUR",
    "PHASE_COLOURS",
    "FLOW_COLOUR",
    "FADED",
    "CIRCUIT_DATA",
    "CIRCUIT_GRAD",
    "MIN_TEXT_CONTRAST",
    "HIGHLIGHTS",
    "MIN_CONTRAST",
    "luminance",
    "contrast",
]

ROLE_COLOURS = {
    "parameter": "#E69F00",  # orange
    "input": "#56B4E9",  # sky blue
    "constant": "#DDDDDD",  # light grey
    "intermediate": "#FFFFFF",
    "output": "#F0E442",  # yellow
}
PATH_COLOUR = "#A02C00"  # dark vermillion: the highlighted chain-rule paths
PHASE_COLOURS = {"done": "#005C41", "current": "#00558F", "pending": "#555555"}  # dark bluish green, dark blue, grey
FLOW_COLOUR = PHASE_COLOURS["current"]  # the edges the current step's gradient flows along
FADED = "#999999"  # borders off the highlighted paths: meant to recede, not a highlight
# CS231n's circuit: a wire's value in green above it, its gradient in red below (text on white, so
# WCAG's 4.5:1 for text applies; their places, above and below, tell them apart without colour)
CIRCUIT_DATA = "#00703C"
CIRCUIT_GRAD = "#B00020"

HIGHLIGHTS = {
    "chain-rule path": PATH_COLOUR,
    **{f"{p} step": c for p, c in PHASE_COLOURS.items()},
    "gradient flow": FLOW_COLOUR,
}
MIN_CONTRAST = 3.0  # WCAG 2.1, 1.4.11 non-text contrast
MIN_TEXT_CONTRAST = 4.5  # WCAG 2.1, 1.4.3 text contrast


def _channel(c: int) -> float:
    """One sRGB channel (0..255) in linear light, as WCAG's relative luminance defines it."""
    s = c / 255
    return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """Relative luminance of "#RRGGBB": 0.2126 R + 0.7152 G + 0.0722 B in linear light (0 black .. 1 white)."""
    h = colour.lstrip("#")
    if len(h) != 6 or any(ch not in "0123456789abcdefABCDEF" for ch in h):
        raise ValueError(f"a colour must be written #RRGGBB, got {colour!r}")
    r, g, b = (_channel(int(h[i : i + 2], 16)) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio (L_lighter + 0.05) / (L_darker + 0.05): 1 for equal colours, 21 for black on white."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
