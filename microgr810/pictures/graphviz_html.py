"""graphviz's HTML-like labels: user text made safe in them, and a box's fields as a table."""

from __future__ import annotations

import unicodedata

from ..notation.formats import visible

__all__ = ["html_text", "table"]


def table(cells: list[str | tuple[str, str]], stacked: bool = False, row: bool = False) -> str:
    """An HTML-like label: fields with rules between, like a record node (stacked: one per row).

    A cell is its markup, or (markup, extra TD attributes). Numbers are left-aligned, so a
    stepper that changes a cell's text keeps it inside its cell. row: stacked, but the cells
    after the first side by side (a neuron's numbers under its formula: a short, wide box).
    """
    tds = [f'<TD{c[1]} ALIGN="LEFT">{c[0]}</TD>' if isinstance(c, tuple) else f"<TD>{c}</TD>" for c in cells]
    if stacked and row and len(tds) > 1:
        inner = (
            f"<TR>{tds[0].replace('<TD', f'<TD COLSPAN={chr(34)}{len(tds) - 1}{chr(34)}', 1)}</TR><HR/>"
            f"<TR>{'<VR/>'.join(tds[1:])}</TR>"
        )
    elif stacked:
        inner = "<HR/>".join(f"<TR>{td}</TR>" for td in tds)
    else:
        inner = "<TR>" + "<VR/>".join(tds) + "</TR>"
    # the rules keep one colour whatever the border's (a phase, a path) is
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" COLOR="#666666">{inner}</TABLE>>'


def html_text(text: str, max_len: int) -> str:
    """User text made safe inside an HTML-like label: nothing in it can end the label or add attributes.

    Newlines become line breaks, other control characters show as \\xNN, bidi controls as \\uXXXX
    (formats.visible), and `\\` is doubled
    because graphviz expands escapes such as \\N (the node's name) even inside HTML labels.
    """
    if len(text) > max_len:
        text = text[: max_len - 1] + "…"
    lines = []
    for line in visible(text).replace("\r\n", "\n").split("\n"):
        shown = "".join(f"\\x{ord(c):02x}" if _unprintable(c) else c for c in line)
        lines.append(shown.translate(_HTML_ESCAPES))
    return "<BR/>".join(lines)


# graphviz 2.43 fails on a cell holding only "]", so it always goes as a character reference
_HTML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "]": "&#93;", "\\": "\\\\"})


def _unprintable(c: str) -> bool:
    """Characters XML or graphviz cannot carry in a label: controls, surrogates, non-characters."""
    return unicodedata.category(c) in ("Cc", "Cs") or ord(c) in (0xFFFE, 0xFFFF)
