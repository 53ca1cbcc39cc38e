"""A variant of the reference problem for every student, seeded by their id: its answer key derived
symbolically (derive), a student sheet in Markdown and LaTeX (PDF when a LaTeX engine is installed), and
key.json, which grading reads back.

DIR/<student>/sheet.md, sheet.tex, (sheet.pdf), key.json; DIR/roster.json lists the students and folders.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import asdict
from pathlib import Path

import sympy as sp

from ...adapters.serialize import atomic_write
from ...notation.formats import fmt, latex_name
from ...notation.formula import latex, symbol, text
from ..reference import ACTIVATIONS, LOSSES, QUESTIONS, ReferenceProblem, derive_indexed
from .grading import Variant

__all__ = ["variant_for", "answer_key", "write_assignment", "read_roster", "read_keys", "KEY_FORMAT", "folder_name"]

KEY_FORMAT = "microgr810-assignment-key/1"
SIZES_M, SIZES_H = (2, 3, 4), (2, 3, 4, 5)
_UNLABELLED = re.compile(r"t\d+")


def variant_for(student: str, seed: int) -> Variant:
    """The student's variant: a hash of (seed, id) picks M, H, the activation, the loss and the numbers' seed,
    so the same roster and seed give the same variants on any machine."""
    digest = hashlib.sha256(f"{seed}:{student}".encode()).digest()
    n = int.from_bytes(digest[:8], "big")
    pick = []
    for size in (len(SIZES_M), len(SIZES_H), len(ACTIVATIONS), len(LOSSES)):
        n, r = divmod(n, size)
        pick.append(r)
    return Variant(
        M=SIZES_M[pick[0]],
        H=SIZES_H[pick[1]],
        activation=ACTIVATIONS[pick[2]],
        loss=LOSSES[pick[3]],
        seed=int.from_bytes(digest[8:12], "big"),
    )


def answer_key(variant: Variant) -> dict[str, sp.Expr]:
    """∂L/∂q for each of the four questions, in index form, as derive gives it (unnamed nodes written out)."""
    key = {}
    for q in QUESTIONS:
        d = derive_indexed(q, variant.M, variant.H, activation=variant.activation, loss=variant.loss)
        inner = {symbol(n): e for n, e in d.definitions.items() if _UNLABELLED.fullmatch(n)}
        key[q] = d.result.xreplace(inner)
    return key


def folder_name(student: str) -> str:
    """A student id as a folder name: letters, digits, - _ . kept, the rest as _ (and a hash if that changed it)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", student).strip(".") or "_"
    if safe != student:
        safe += "-" + hashlib.sha256(student.encode()).hexdigest()[:6]
    return safe[:80]


def read_roster(path: str | Path) -> list[str]:
    """Student ids from a CSV: the column `student` (or `id`), else the first column; blank rows skipped."""
    rows = list(csv.reader(Path(path).read_text(encoding="utf-8-sig").splitlines()))
    rows = [r for r in rows if r and any(c.strip() for c in r)]
    if not rows:
        raise ValueError(f"the roster {path} has no students")
    head = [c.strip().lower() for c in rows[0]]
    col = next((head.index(c) for c in ("student", "id", "student_id") if c in head), None)
    if col is not None:
        rows = rows[1:]
    ids = [r[col or 0].strip() for r in rows if len(r) > (col or 0) and r[col or 0].strip()]
    repeated = sorted({s for s in ids if ids.count(s) > 1})
    if repeated:
        raise ValueError(f"the roster {path} names these students twice: {', '.join(repeated[:5])}")
    return ids


def _numbers(problem: ReferenceProblem) -> dict[str, list]:
    return {k: getattr(problem, k).tolist() for k in ("W1", "b1", "W2", "b2", "x", "y")}


def _sheet_md(student: str, v: Variant, problem: ReferenceProblem) -> str:
    act = "σ" if v.activation == "sigmoid" else "tanh"
    loss = "L = −(y log ŷ + (1 − y) log(1 − ŷ))" if v.loss == "bce" else "L = (ŷ − y)²"
    rows = "\n".join(
        f"| `{name}` | {' '.join(fmt(float(x)) for x in getattr(problem, name).ravel())} |"
        for name in ("W1", "b1", "W2", "b2", "x", "y")
    )
    questions = "\n".join(f"{i}. ∂L/∂{q} =" for i, q in enumerate(QUESTIONS, 1))
    return f"""# Backprop by hand: your own network

Student: `{student}`. Your variant: {v.describe()}.

The network: a1 = W1 x + b1, z1 = {act}(a1), a2 = W2 z1 + b2, ŷ = z2 = σ(a2), and the loss {loss}.
W1 is {v.H}×{v.M}, b1 has {v.H} entries, W2 is 1×{v.H}, b2 is a number, x has {v.M} features.

## Your numbers (for checking a value, not needed for the formulas)

| name | values (row by row) |
|---|---|
{rows}

## Questions

Write each gradient as a formula for a general hidden unit h and input m, in the names
x[m], W1[h,m], b1[h], a1[h], z1[h], W2[h], b2, a2, z2 (= y_hat), y; with + - * / ** and
sigmoid, tanh, exp, log. Example of the form: `W2[h]*x[m]*(y_hat - y)`.

{questions}

Hand in a CSV with the columns `student,parameter,formula`, one row per question, e.g.
`{student},b1[h],<your formula>`.
"""


def _tex_escape(s: str) -> str:
    return re.sub(
        r"([#$%&_{}\\^~])", lambda m: {"\\": r"\textbackslash{}", "^": r"\^{}", "~": r"\~{}"}.get(m[1], "\\" + m[1]), s
    )


def _sheet_tex(student: str, v: Variant, problem: ReferenceProblem) -> str:
    act = r"\sigma" if v.activation == "sigmoid" else r"\tanh"
    loss = r"L = -\left(y \log \hat{y} + (1 - y)\log(1 - \hat{y})\right)" if v.loss == "bce" else r"L = (\hat{y} - y)^2"
    rows = " \\\\\n".join(
        f"${latex_name(name)}$ & " + ", ".join(f"${fmt(float(x))}$" for x in getattr(problem, name).ravel())
        for name in ("W1", "b1", "W2", "b2", "x", "y")
    )
    items = "\n".join(
        rf"  \item $\dfrac{{\partial L}}{{\partial {latex(symbol(q))}}} = $ \vspace{{2.5cm}}" for q in QUESTIONS
    )
    return rf"""\documentclass[11pt]{{article}}
\usepackage[margin=2.5cm]{{geometry}}
\usepackage{{amsmath}}
\begin{{document}}
\section*{{Backprop by hand: your own network}}
Student: \texttt{{{_tex_escape(student)}}}. Your variant: $M = {v.M}$, $H = {v.H}$, {v.activation} hidden units,
{v.loss.upper()} loss.

\[ a_1 = W_1 x + b_1,\quad z_1 = {act}(a_1),\quad a_2 = W_2 z_1 + b_2,\quad
   \hat{{y}} = z_2 = \sigma(a_2),\quad {loss} \]

\subsection*{{Your numbers}}
\begin{{tabular}}{{ll}}
{rows}
\end{{tabular}}

\subsection*{{Questions}}
Write each gradient for a general hidden unit $h$ and input $m$.
\begin{{enumerate}}
{items}
\end{{enumerate}}
\end{{document}}
"""


def _pdf(tex_path: Path) -> Path | None:
    """sheet.pdf from sheet.tex with the first LaTeX engine found (None if there is none or it fails)."""
    engine = next((e for e in ("tectonic", "pdflatex", "xelatex", "lualatex") if shutil.which(e)), None)
    if engine is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [engine, tex_path.name] if engine == "tectonic" else [engine, "-interaction=nonstopmode", tex_path.name]
        shutil.copy(tex_path, Path(tmp) / tex_path.name)
        try:
            subprocess.run(cmd, cwd=tmp, capture_output=True, timeout=120, check=True)
        except (subprocess.SubprocessError, OSError):
            return None
        made = Path(tmp) / tex_path.with_suffix(".pdf").name
        return atomic_write(tex_path.with_suffix(".pdf"), made.read_bytes()) if made.exists() else None


def write_assignment(students: list[str], seed: int, out: str | Path, *, pdf: bool = True) -> list[Path]:
    """Each student's folder: sheet.md, sheet.tex (sheet.pdf when LaTeX is installed), key.json; and roster.json."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    keys: dict[tuple, dict[str, sp.Expr]] = {}  # the key depends on sizes, activation and loss only
    roster = {}
    for student in students:
        v = variant_for(student, seed)
        shape = (v.M, v.H, v.activation, v.loss)
        if shape not in keys:
            keys[shape] = answer_key(v)
        problem = ReferenceProblem.random(v.M, v.H, seed=v.seed, y=1.0 if v.seed % 2 else 0.0)
        folder = out / folder_name(student)
        folder.mkdir(exist_ok=True)
        roster[student] = folder.name
        key = {
            "format": KEY_FORMAT,
            "student": student,
            "variant": asdict(v),
            "sizes": {"M": v.M, "H": v.H},
            "questions": {q: {"formula": text(e), "latex": latex(e)} for q, e in keys[shape].items()},
            "numbers": _numbers(problem),
        }
        written.append(atomic_write(folder / "key.json", json.dumps(key, indent=1, ensure_ascii=False) + "\n"))
        written.append(atomic_write(folder / "sheet.md", _sheet_md(student, v, problem)))
        tex = atomic_write(folder / "sheet.tex", _sheet_tex(student, v, problem))
        written.append(tex)
        made = _pdf(tex) if pdf else None
        if made is not None:
            written.append(made)
    manifest = {"format": KEY_FORMAT, "seed": seed, "students": roster}
    written.append(atomic_write(out / "roster.json", json.dumps(manifest, indent=1, ensure_ascii=False) + "\n"))
    return written


def read_keys(folder: str | Path) -> dict[str, Variant]:
    """Each student's variant, from what write_assignment left in `folder` (roster.json and each key.json)."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / "roster.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise ValueError(f"{folder} is not an assignment folder (no readable roster.json: {e})") from None
    out = {}
    for student, sub in manifest.get("students", {}).items():
        try:
            key = json.loads((folder / sub / "key.json").read_text(encoding="utf-8"))
            out[student] = Variant(**key["variant"])
        except (OSError, json.JSONDecodeError, KeyError, TypeError) as e:
            raise ValueError(f"{folder / sub / 'key.json'}: cannot read the key of {student!r}: {e}") from None
    return out
