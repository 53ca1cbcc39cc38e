"""A whole class graded at once: answers (student, parameter, formula) from CSV or JSON, each graded against
the reference problem or the student's own variant, per-student results and a class summary.

One bad row never stops the run: it becomes a record whose message says what is wrong with it.
Identical answers to the same question on the same problem shape are graded once.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ...adapters.serialize import atomic_write
from ...core.progress import progress_bar
from ...notation.formats import md_code, md_table
from ..reference import parse_parameter
from .grading import VERDICTS, Record, Variant, grade_answer

__all__ = ["read_answers", "grade_batch", "ClassSummary", "summarise", "write_results", "COLUMNS"]

COLUMNS = ("student", "parameter", "formula")
UNNAMED = "a mistake that is no classic slip"  # a wrong answer whose mistake the grader does not name


def read_answers(path: str | Path, *, default_student: str = "") -> list[Record]:
    """The rows of an answers file as (ungraded) records: a CSV with the columns student, parameter, formula
    (any order, a header row), or JSON: a list of objects with those keys. A row missing a field is kept,
    marked malformed. default_student: the student of rows that name none (one student's submission)."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise ValueError(f"cannot read {path}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a UTF-8 text file") from None
    rows: list[tuple[int, dict]] = []
    if path.suffix.lower() == ".json" or raw.lstrip()[:1] in "[{":
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}: not valid JSON (line {e.lineno}: {e.msg})") from None
        if isinstance(data, dict) and isinstance(data.get("answers"), list):
            data = data["answers"]
        if not isinstance(data, list):
            raise ValueError(f'{path}: expected a list of {{"student": ..., "parameter": ..., "formula": ...}}')
        rows = [(i, r if isinstance(r, dict) else {"_bad": r}) for i, r in enumerate(data, 1)]
    else:
        reader = csv.reader(raw.splitlines())
        head = [h.strip().lower() for h in next(reader, [])]
        missing = [c for c in COLUMNS if c not in head and not (c == "student" and default_student)]
        if missing:
            raise ValueError(
                f"{path}: the header row needs the columns {', '.join(COLUMNS)}; missing {', '.join(missing)}"
            )
        for cells in reader:
            if any(c.strip() for c in cells):
                rows.append((reader.line_num, dict(zip(head, join_split_brackets(cells)))))
    records = []
    for line, r in rows:
        values = {c: r.get(c) for c in COLUMNS}
        if default_student and not values["student"]:
            values["student"] = default_student
        text = {c: str(v).strip() if isinstance(v, (str, int, float)) else "" for c, v in values.items()}
        rec = Record(text["student"], text["parameter"], text["formula"], verdict="", row=line)
        lacking = [c for c in COLUMNS if not isinstance(values[c], (str, int, float)) or not str(values[c]).strip()]
        if lacking:
            rec.verdict, rec.bad_row = "malformed", True
            rec.message = f"row {line}: no {' and no '.join(lacking)}"
        records.append(rec)
    return records


def join_split_brackets(cells: list[str]) -> list[str]:
    """Cells split inside brackets put back together: W1[h,m] written without quotes is one cell."""
    out: list[str] = []
    depth = 0
    for cell in cells:
        if depth > 0:
            out[-1] += "," + cell
        else:
            out.append(cell)
        depth += sum(cell.count(c) for c in "[(") - sum(cell.count(c) for c in "])")
    return out


def _unusable(rec: Record, variant: Variant | None) -> str:
    """Why a row cannot be graded at all ("" if it can): a student not in the roster, an unknown question."""
    if variant is None:
        return f"{rec.student!r:.60} is not in the assignment's roster"
    try:
        parse_parameter(rec.parameter)
    except ValueError as e:
        return str(e)
    return ""


def _grade_one(task: tuple[str, str, Variant, int | None]) -> tuple[str, str, str, str]:
    parameter, formula, variant, seed = task
    try:
        return grade_answer(parameter, formula, variant, seed=seed)
    except Exception as e:  # noqa: BLE001  one answer the grader cannot handle must not stop a class's run
        return "undecided", "", "", f"the grader failed on this answer: {type(e).__name__}: {e}"


def grade_batch(
    records: list[Record],
    variants: Callable[[str], Variant | None],
    *,
    processes: int = 2,
    progress: bool | None = None,
    seed: int | None = 0,
) -> list[Record]:
    """Grade every record not already marked (variants(student) -> the student's problem, None if unknown).

    processes > 1 grades in that many worker processes; the bar shows on a terminal only (None: if stderr is one).
    seed: of the grader's random networks (None: fresh ones).
    """
    tasks: dict[tuple[str, str, Variant, int | None], list[Record]] = {}
    for rec in records:
        if rec.verdict:
            continue
        variant = variants(rec.student)
        problem = _unusable(rec, variant)
        if problem or variant is None:
            rec.verdict, rec.message, rec.bad_row = "malformed", f"row {rec.row}: {problem}", True
            continue
        tasks.setdefault((rec.parameter, rec.formula, variant, seed), []).append(rec)
    show = sys.stderr.isatty() if progress is None else progress
    bar = progress_bar(len(tasks), "grading distinct answers", "answer", enabled=show)
    jobs = list(tasks)

    def done(results: Iterable[tuple[str, str, str, str]]) -> None:
        for key, (verdict, mistake, diagnosis, message) in zip(jobs, results):
            for rec in tasks[key]:
                rec.verdict, rec.mistake, rec.diagnosis, rec.message = verdict, mistake, diagnosis, message
            bar.update()

    try:
        if processes > 1 and len(jobs) > 8:
            import multiprocessing

            with multiprocessing.get_context("spawn" if sys.platform == "win32" else "fork").Pool(processes) as pool:
                done(pool.imap(_grade_one, jobs, chunksize=4))
        else:
            done(map(_grade_one, jobs))
    finally:
        bar.close()
    return records


@dataclass
class ClassSummary:
    """Per question: how many answers were correct, wrong, malformed, undecided; the mistakes by how many made them."""

    students: int
    questions: dict[str, Counter] = field(default_factory=dict)
    mistakes: list[tuple[str, str, int, float]] = field(default_factory=list)  # (question, mistake, students, share)
    bad_rows: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "students": self.students,
            "questions": {q: {v: c.get(v, 0) for v in VERDICTS} for q, c in self.questions.items()},
            "mistakes": [
                {"question": q, "mistake": m, "students": n, "share": round(s, 4)} for q, m, n, s in self.mistakes
            ],
            "bad_rows": self.bad_rows,
        }

    def __str__(self) -> str:
        """The summary as plain text, for a terminal."""
        w = max([len(q) for q in self.questions] + [8])
        lines = [f"{self.students} students", f"{'question'.ljust(w)}  " + "  ".join(f"{v:>9}" for v in VERDICTS)]
        for q, c in self.questions.items():
            lines.append(f"{q.ljust(w)}  " + "  ".join(f"{c.get(v, 0):>9}" for v in VERDICTS))
        lines.append("mistakes, most made first:" if self.mistakes else "no wrong answers")
        lines += [f"  {share:4.0%}  ∂L/∂{q}: {m} ({n})" for q, m, n, share in self.mistakes]
        if self.bad_rows:
            lines.append(f"{len(self.bad_rows)} rows could not be graded:")
            lines += [f"  {b}" for b in self.bad_rows]
        return "\n".join(lines)

    def table(self) -> str:
        """The summary as a Markdown page: the counts per question, then the mistakes, most made first."""
        counts = md_table(
            ["question", *VERDICTS],
            [[md_code(q), *(str(c.get(v, 0)) for v in VERDICTS)] for q, c in self.questions.items()],
            right=set(range(1, len(VERDICTS) + 1)),
        )
        mistakes = md_table(
            ["students", "question", "mistake"],
            [[f"{share:.0%} ({n})", md_code(f"∂L/∂{q}"), md_code(m)] for q, m, n, share in self.mistakes],
            right={0},
        )
        lines = [f"# Class summary ({self.students} students)", "", counts, "", "## Mistakes, most made first", ""]
        lines.append(mistakes if self.mistakes else "No wrong answers.")
        if self.bad_rows:
            lines += ["", "## Rows that could not be graded", ""] + [f"- {md_code(b)}" for b in self.bad_rows]
        return "\n".join(lines) + "\n"


def summarise(records: list[Record]) -> ClassSummary:
    students = {r.student for r in records if r.student and not r.bad_row}
    s = ClassSummary(len(students))
    made: Counter[tuple[str, str]] = Counter()
    for r in records:
        if r.bad_row:
            s.bad_rows.append(r.message)
            continue
        s.questions.setdefault(r.parameter, Counter())[r.verdict] += 1
    seen = set()
    for r in records:
        mistake = r.mistake or UNNAMED
        if r.verdict == "wrong" and (r.student, r.parameter, mistake) not in seen:
            seen.add((r.student, r.parameter, mistake))
            made[(r.parameter, mistake)] += 1
    for (q, m), n in sorted(made.items(), key=lambda kv: (-kv[1], kv[0])):
        s.mistakes.append((q, m, n, n / max(len(students), 1)))
    return s


def write_results(records: list[Record], summary: ClassSummary, out: str | Path) -> list[Path]:
    """out/students/<student>.json (each one's records and score), out/summary.json, out/summary.md."""
    from .assignment import folder_name

    out = Path(out)
    (out / "students").mkdir(parents=True, exist_ok=True)
    by_student: dict[str, list[Record]] = {}
    for r in records:
        by_student.setdefault(r.student or "(no student)", []).append(r)
    written = []
    for student, recs in by_student.items():
        body = {
            "student": student,
            "score": sum(r.ok for r in recs),
            "max_score": len(recs),
            "answers": [r.as_dict() for r in recs],
        }
        path = out / "students" / f"{folder_name(student)}.json"
        written.append(atomic_write(path, json.dumps(body, indent=1, ensure_ascii=False) + "\n"))
    written.append(
        atomic_write(out / "summary.json", json.dumps(summary.as_dict(), indent=1, ensure_ascii=False) + "\n")
    )
    written.append(atomic_write(out / "summary.md", summary.table()))
    return written
