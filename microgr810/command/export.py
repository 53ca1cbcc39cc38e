"""`microgr810 export PLATFORM --out DIR`: a ready folder for Gradescope, otter-grader or PrairieLearn."""

from __future__ import annotations

import argparse

from .common import outdir, positive, seed


def run(args: argparse.Namespace) -> int:
    from ..teaching.classroom import platforms
    from ..teaching.classroom.grading import Variant

    variant = Variant(M=args.M, H=args.H, activation=args.activation, loss=args.loss, seed=args.seed)
    out = outdir(args.out)
    write = {
        "gradescope": platforms.write_gradescope_autograder,
        "otter": platforms.write_otter_tests,
        "prairielearn": platforms.write_prairielearn_question,
    }[args.platform]
    written = write(out, variant)
    print(f"wrote {len(written)} files in {out} ({variant.describe()}):")
    for path in written:
        print(f"  {path}")
    print(
        {
            "gradescope": "zip the folder's contents (not the folder) and upload it as the autograder",
            "otter": 'in the student notebook: q1 = "<formula>", then grader.check("q1") '
            "with grader = otter.Notebook(tests_dir=<this folder>)",
            "prairielearn": "copy the folder into your course's questions/ directory",
        }[args.platform]
    )
    return 0


def add(sub: argparse._SubParsersAction) -> None:
    e = sub.add_parser(
        "export",
        help="a ready folder for Gradescope, otter-grader or PrairieLearn that grades with microgr810",
    )
    e.add_argument("platform", choices=["gradescope", "otter", "prairielearn"])
    e.add_argument("-o", "--out", default="export", metavar="DIR", help="folder to write")
    e.add_argument("--M", type=positive, default=3, help="input features")
    e.add_argument("--H", type=positive, default=4, help="hidden units")
    e.add_argument("--activation", choices=["sigmoid", "tanh"], default="sigmoid", help="the hidden activation")
    e.add_argument("--loss", choices=["bce", "mse"], default="bce")
    e.add_argument("--seed", type=seed, default=0)
    e.set_defaults(func=run)
