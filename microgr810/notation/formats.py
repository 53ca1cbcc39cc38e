"""Numbers, derivatives and tables as LaTeX and Markdown write them: for the `.latex()` and `.markdown()`
of a trace or an explanation (slides and notes).

The one escaping function per text format lives here: `tex_text` (LaTeX math), `md_code` (Markdown),
`html_text` (HTML pages), `page_json` (JSON inside a page's <script>); graphviz's HTML-like labels use
pictures.graphviz_html.html_text. All of them show bidi controls visibly (`visible`).
"""

from __future__ import annotations

import html
import json
import math
import re
from typing import Any

from .names import parse_name, split_stem

__all__ = [
    "fmt",
    "latex_name",
    "tex_text",
    "tex_number",
    "tex_partial",
    "md_code",
    "md_table",
    "html_text",
    "page_json",
    "visible",
]

# characters that reorder the text around them (RLO, LRI, ...): a label holding one could make a
# caption read backwards, so every format shows them as \u202e instead
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI_SHOWN = str.maketrans({c: f"\\u{ord(c):04x}" for c in _BIDI})


def visible(text: str) -> str:
    """text with every bidi control character written out as \\uXXXX, so nothing reorders what is shown."""
    return text.translate(_BIDI_SHOWN)


def fmt(x: float, digits: int = 4) -> str:
    """A number as tables and formulas print it: `digits` significant digits, no trailing zeros."""
    return f"{x:.{digits}g}"


def latex_name(name: str) -> str:
    """A node's name in LaTeX math: W1[0,1] -> W_{1}[0,1], y_hat -> \\hat{y}, t3 -> t_{3}; any other text
    goes through tex_text, so no character of a label acts as TeX."""
    if name == "y_hat":
        return r"\hat{y}"
    parsed = parse_name(name)
    letters, digits = split_stem(parsed.stem)
    if not letters.isalpha():  # not letters, digits and [indices]: any other text, every character as itself
        return rf"\mathrm{{{tex_text(name)}}}"
    head = rf"\mathrm{{{letters}}}" if len(letters) > 1 else letters
    head = head.replace("Σ", r"\Sigma ")  # the batch sum ΣL: LaTeX wants the command, not the character
    return (f"{head}_{{{digits}}}" if digits else head) + tex_text(name.strip()[len(parsed.stem) :])


_TEX = {
    **{c: "\\" + c for c in "#$%&{}_"},
    "\\": r"\backslash{}",
    "^": r"\hat{}",
    "~": r"\sim{}",
}


def tex_text(text: str) -> str:
    """Any text made safe inside LaTeX math: every TeX special character is written as itself
    (\\backslash, \\{, \\%, ...), line breaks and controls as spaces, bidi controls visibly."""
    return "".join(_TEX.get(c, " " if c.isspace() or ord(c) < 32 or ord(c) == 127 else c) for c in visible(text))


def tex_number(x: float, digits: int = 4, bracket: bool = False) -> str:
    """x with `digits` significant digits in LaTeX: 1.5e-05 -> 1.5 \\times 10^{-5}; bracket=True puts a
    negative number in brackets, as a factor after × needs."""
    s = fmt(x, digits)
    if s in ("inf", "-inf"):
        s = s.replace("inf", r"\infty")
    elif s == "nan":
        return r"\mathrm{NaN}"
    m = re.fullmatch(r"(-?[\d.]+)e([+-])0*(\d+)", s)
    if m:
        s = rf"{m[1]} \times 10^{{{'-' if m[2] == '-' else ''}{m[3]}}}"
    return f"({s})" if bracket and s.startswith("-") else s


def tex_partial(top: str, bottom: str, slot: str = "") -> str:
    """∂top/∂bottom as a LaTeX fraction of the two nodes' names; a slot ("1st") is written under it."""
    d = rf"\frac{{\partial {latex_name(top)}}}{{\partial {latex_name(bottom)}}}"
    return rf"{d}\big|_{{\text{{{slot}}}}}" if slot else d


def md_code(text: str) -> str:
    """text as a Markdown code span that is safe in a table cell: nothing in it is read as Markdown or HTML.

    Every line break (LF, CR, CR LF, VT, FF, U+2028/9) becomes a space, so nothing can end the span or
    the table row; | is escaped for the table; the fence is longer than any run of backticks inside."""
    text = _LINE_BREAKS.sub(" ", visible(text)).replace("|", r"\|")
    fence = "`" * (max((len(r) for r in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


_LINE_BREAKS = re.compile("\r\n|[\r\n\x0b\x0c\x85\u2028\u2029]")


def md_table(head: list[str], rows: list[list[str]], right: frozenset[int] | set[int] = frozenset()) -> str:
    """A GitHub-flavoured Markdown table; columns listed in `right` are right-aligned."""
    rule = ["---:" if j in right else "---" for j in range(len(head))]
    return "\n".join("| " + " | ".join(r) + " |" for r in [head, rule, *rows])


def html_text(text: str) -> str:
    """Text made safe in an HTML page's text or attribute: & < > " ' escaped, bidi controls shown."""
    return html.escape(visible(text))


def page_json(data: Any) -> str:
    """data as JSON to embed in a page's <script>: inf and NaN as the strings "Infinity", "-Infinity", "NaN"
    (JSON has none; the page's script turns them back with Number()), and <, >, & escaped so nothing
    in it can end the script element."""
    text = json.dumps(_finite(data), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _finite(data: Any) -> Any:
    """data with every non-finite float replaced by its JavaScript spelling as a string (an explicit stack)."""
    if isinstance(data, float):
        return data if math.isfinite(data) else ("NaN" if data != data else ("Infinity" if data > 0 else "-Infinity"))
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_finite(v) for v in data]
    return data
