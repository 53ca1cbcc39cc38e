"""`microgr810 assignment --roster roster.csv --seed S --out DIR`: each student's own variant, sheet and key."""

from __future__ import annotations

import argparse

from .common import CLIError, outdir, seed


def run(args: argparse.Namespace) -> int:
    from ..teaching.classroom.assignment import read_roster, write_assignment

    try:
        students = read_roster(args.roster)
    except OSError as e:
        raise CLIError(f"cannot read the roster {args.roster}: {e.strerror or e}") from None
    out = outdir(args.out)
    written = write_assignment(students, args.seed, out, pdf=not args.no_pdf)
    pdfs = sum(p.suffix == ".pdf" for p in written)
    print(
        f"wrote {len(written)} files for {len(students)} students in {out} "
        f"(sheet.md, sheet.tex{', sheet.pdf' if pdfs else ''} and key.json each; roster.json)"
        + ("" if pdfs or args.no_pdf else "; no PDF: no LaTeX engine (pdflatex, xelatex, lualatex, tectonic) found")
    )
    return 0


def add(sub: argparse._SubParsersAction) -> None:
    a = sub.add_parser(
        "assignment",
        help="give every student their own variant of the reference problem, with its answer key",
        description="Each student in the roster (a CSV with a column student, or ids in the first column) gets "
        "a variant seeded by --seed and their id: M, H, sigmoid or tanh hidden units, BCE or MSE loss, "
        "and numbers. DIR/<student>/ holds sheet.md, sheet.tex (sheet.pdf when LaTeX is installed) and "
        "key.json, which `grade --batch ANSWERS --assignment DIR` reads.",
    )
    a.add_argument("--roster", required=True, metavar="CSV", help="the students' ids")
    a.add_argument("--seed", type=seed, default=0, help="the assignment's seed (same roster + seed = same variants)")
    a.add_argument("-o", "--out", default="assignment", metavar="DIR", help="folder to write")
    a.add_argument("--no-pdf", action="store_true", help="do not try to build PDFs")
    a.set_defaults(func=run)
