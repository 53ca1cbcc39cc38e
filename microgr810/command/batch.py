"""`microgr810 grade --batch ANSWERS --out DIR`: a whole class graded, per-student results and a class summary."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .common import CLIError, outdir, positive


def add_batch_args(gr: argparse.ArgumentParser) -> None:
    """grade's options for a whole class, beside its --batch (the parser block of `grade` calls this)."""
    b = gr.add_argument_group("a whole class (--batch ANSWERS)")
    b.add_argument("--out", default="grades", metavar="DIR", help="folder for the results and the class summary")
    b.add_argument(
        "--assignment",
        default=None,
        metavar="DIR",
        help="grade each student against their own variant (from assignment)",
    )
    b.add_argument(
        "--format",
        choices=["json", "gradescope"],
        default="json",
        help="gradescope: also a results.json per student in Gradescope's autograder format",
    )
    b.add_argument("--processes", type=positive, default=2, help="worker processes (default 2)")


def grade_class(args: argparse.Namespace) -> int:
    """Exit 0 when every answer is correct, 1 when some are not (2: the file or folder is unusable)."""
    from ..pictures.plots import plot_mistakes
    from ..teaching.classroom.assignment import folder_name, read_keys
    from ..teaching.classroom.batch import grade_batch, read_answers, summarise, write_results
    from ..teaching.classroom.grading import Variant
    from ..teaching.classroom.platforms import gradescope_results

    if args.parameter is not None:
        raise CLIError("--batch grades a file: give no PARAM or FORMULA with it")
    records = read_answers(args.batch)
    out = outdir(args.out)
    keys = read_keys(args.assignment) if args.assignment is not None else None
    # the grader's flags for the reference problem, where it has them (--activation, --loss)
    reference = Variant(args.M, args.H, getattr(args, "activation", "sigmoid"), getattr(args, "loss", "bce"))

    def variants(student: str) -> Variant | None:
        """The student's own variant with --assignment (None: not in its roster), else the reference."""
        return reference if keys is None else keys.get(student)

    started = time.perf_counter()
    grade_batch(records, variants, processes=args.processes, seed=args.seed)
    seconds = time.perf_counter() - started
    summary = summarise(records)
    written = write_results(records, summary, out)
    data = summary.as_dict()
    for ending in ("png", "svg"):
        written.append(plot_mistakes(data["mistakes"], summary.students, out / f"mistakes.{ending}"))
    if args.format == "gradescope":
        import json

        from ..adapters.serialize import atomic_write

        by_student: dict[str, list] = {}
        for r in records:
            by_student.setdefault(r.student or "(no student)", []).append(r)
        for student, recs in by_student.items():
            folder = out / "gradescope" / folder_name(student)
            folder.mkdir(parents=True, exist_ok=True)
            written.append(atomic_write(folder / "results.json", json.dumps(gradescope_results(recs), indent=1) + "\n"))
        if len(by_student) == 1:
            written.append(atomic_write(out / "results.json", json.dumps(gradescope_results(records), indent=1) + "\n"))
    print(summary)
    print(
        f"\ngraded {len(records)} answers of {summary.students} students in {seconds:.1f} s; "
        f"wrote {len(written)} files in {out}"
    )
    for path in written[-4:]:
        print(f"  {Path(path)}")
    sys.stdout.flush()
    return 0 if all(r.ok for r in records) else 1
