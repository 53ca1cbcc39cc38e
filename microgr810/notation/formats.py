"""Numbers, derivatives and tables as LaTeX and Markdown write them: for the `.latex()` and `.markdown()`
of a trace or an explanation (slides and notes)."""

from __future__ import annotations

import re

__all__ = ["fmt", "latex_name", "tex_number", "tex_partial", "md_code", "md_table"]


def fmt(x: float, digits: int = 4) -> str:
    """A number as tables and formulas print it: `digits` significant digits, no trailing zeros."""
    return f"{x:.{digits}g}"


def latex_name(name: str) -> str:
    """A node's name in LaTeX: W1[0,1] -> W_{1}[0,1], y_hat -> \\hat{y}, t3 -> t_{3}."""
    if name == "y_hat":
        return r"\hat{y}"
    stem, bracket, rest = name.partition("[")
    head = stem.rstrip("0123456789")
    digits = stem[len(head) :]
    head = head.replace("_", r"\_")
    if len(head) > 1:
        head = rf"\mathrm{{{head}}}"
    head = head.replace("Σ", r"\Sigma ")  # the batch sum ΣL: LaTeX wants the command, not the character
    out = f"{head}_{{{digits}}}" if digits and head else head or stem
    for c in "#$%&{}":
        rest = rest.replace(c, "\\" + c)
    return out + (f"[{rest}" if bracket else "")


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
    """text as a Markdown code span that is safe in a table cell: nothing in it is read as Markdown."""
    text = text.replace("|", r"\|").replace("\n", " ")
    fence = "`" * (max((len(r) for r in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_table(head: list[str], rows: list[list[str]], right: frozenset[int] | set[int] = frozenset()) -> str:
    """A GitHub-flavoured Markdown table; columns listed in `right` are right-aligned."""
    rule = ["---:" if j in right else "---" for j in range(len(head))]
    return "\n".join("| " + " | ".join(r) + " |" for r in [head, rule, *rows])
