"""microgr810 grade PARAM FORMULA: is FORMULA the gradient of the reference loss for PARAM? If not, why not."""

from __future__ import annotations

import argparse
import os
import sys

from .common import positive, seed

__all__ = ["add", "run"]


def add(sub: argparse._SubParsersAction) -> None:
    gr = sub.add_parser(
        "grade",
        help="is FORMULA the gradient of the reference loss for PARAM? if not, why not",
        description="Checks FORMULA against autograd on several random reference networks "
        "(y = 0, 1, 0.3) and with sympy; exit 0 correct, 1 wrong (with a diagnosis), "
        "2 malformed. A formula that starts with - needs -- before it.",
    )
    gr.add_argument("parameter", metavar="PARAM", help='W1[h,m], b1[h], W2[h], b2, or one element, e.g. "W1[0,2]"')
    gr.add_argument(
        "formula",
        metavar="FORMULA",
        help='e.g. "W2[h]*x[m]*z1[h]*(1-z1[h])*(y_hat-y)"; names x[m], W1[h,m], b1[h], a1[h], z1[h], '
        "W2[h], b2, a2, z2 = y_hat, y; + - * / ** and sigmoid, exp, log, tanh",
    )
    gr.add_argument("--M", type=positive, default=3, help="input features")
    gr.add_argument("--H", type=positive, default=4, help="hidden units")
    gr.add_argument("--seed", type=seed, default=0)
    gr.add_argument("--answer", action="store_true", help="also print the chain rule's formula")
    gr.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..teaching.grade import grade

    verdict = grade(args.parameter, args.formula, M=args.M, H=args.H, seed=args.seed)
    report = str(verdict) + (f"\n  the chain rule gives: {verdict.question} = {verdict.answer}" if args.answer else "")
    try:
        print(report, flush=True)
    except BrokenPipeError:  # `| head -1` closed the pipe: the exit status still tells the verdict
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0 if verdict.ok else 1
