"""microgr810 grade PARAM FORMULA: is FORMULA the gradient of the reference loss for PARAM? If not, why not."""

from __future__ import annotations

import argparse
import os
import sys

from .batch import add_batch_args, grade_class
from .common import CLIError, Parser, checked, seed

__all__ = ["add", "run"]

DESCRIPTION = """\
Is FORMULA dL/dPARAM for the reference network (docs/derivation.md), for every unit PARAM stands for?

Exit status: 0 correct, 1 wrong (with the mistake named), 2 malformed or refused (one line on
stderr naming the problem), 3 could not decide in time (the numbers agree, the proof ran out of its
budget). Every verdict comes within 5 s.

Notation: Python (W2[h]*x[m]*z1[h]*(1-z1[h])*(y_hat-y)), math (σ, σ'(a1[h]), sigmoid'(a),
ŷ, ·, ×, −, ², ³, ^, implicit products 2x[m], z1[h](1-z1[h])) or LaTeX
(W_2^h x^m z_1^h (1 - z_1^h)(\\hat{y} - y), \\sigma(a_2), \\frac{..}{..}, \\cdot, \\left( \\right)).
Names: x[m], W1[h,m], b1[h], a1[h], z1[h], W2[h], b2, a2, z2 = y_hat = ŷ, y. Functions: the op
table's (sigmoid/σ, tanh, exp, log/ln, relu, ...) and their derivatives f'(a). The verdict says
how the formula was read ("read as: ...").

Matrix form: PARAM without an index (W1, b1, W2; b2 with --batch) grades the whole matrix written
in matrix notation (@, .T, elementwise * / + -, sigmoid/σ, sum(..., axis=1); x, W1, b1, a1, z1,
W2, b2, a2, z2 = y_hat, y; X and Y for a batch, one column per datapoint), shapes first
(docs/matrices.md).

Soundness: a formula is "correct" only if it equals the gradient at fresh random networks (new
weights, inputs and a target y drawn from (0, 1) on every call) to 40 digits at several units, AND
sympy proves the difference zero. A wrong formula differs from the gradient at almost every point,
so it passes the numbers with probability 0 (barring a difference below 1e-25 relative, which the
proof then catches). A formula that starts with - needs -- before it."""

_size = checked(int, lambda n: 1 <= n <= 64, "a whole number from 1 to 64 (the grader's limit)")


def _batch(text: str) -> int | str:
    """--batch N (a whole number: the matrix form's batch size) or --batch ANSWERS (a class's answers file)."""
    return _size(text) if text.strip().isdigit() else text


class _Intermixed(Parser):
    """grade's parser: options anywhere among PARAM and FORMULA (`grade b2 --batch 4 -- FORMULA`), though
    both are optional (`grade --batch answers.csv`): argparse's intermixed parsing, for this command only."""

    _inner = False

    def parse_known_args(self, args=None, namespace=None):
        if self._inner:  # the intermixed parse's own two passes
            return super().parse_known_args(args, namespace)
        self._inner = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._inner = False


def add(sub: argparse._SubParsersAction) -> None:
    gr = sub.add_parser(
        "grade",
        help="is FORMULA the gradient of the reference loss for PARAM? if not, which mistake",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    gr.add_argument(
        "parameter",
        metavar="PARAM",
        nargs="?",
        help='W1[h,m], b1[h], W2[h], b2, or one element, e.g. "W1[0,2]"; W1, b1, W2 (no index, or b2 with '
        "--batch): the whole matrix, in matrix notation (@, .T, sum(..., axis=1))",
    )
    gr.add_argument(
        "formula",
        metavar="FORMULA",
        nargs="?",
        help='e.g. "W2[h]*x[m]*z1[h]*(1-z1[h])*(y_hat-y)" or "W_2^h x^m z_1^h (1 - z_1^h)(\\hat{y} - y)"',
    )
    gr.add_argument("--M", type=_size, default=3, help="input features (1 to 64)")
    gr.add_argument("--H", type=_size, default=4, help="hidden units (1 to 64)")
    gr.add_argument("--seed", type=seed, default=None, help="fix the random networks (default: fresh ones each call)")
    gr.add_argument("--activation", choices=["sigmoid", "tanh"], default="sigmoid", help="the hidden layer's")
    gr.add_argument("--loss", choices=["bce", "mse"], default="bce", help="binary cross-entropy or (ŷ − y)²")
    gr.add_argument(
        "--batch",
        type=_batch,
        default=None,
        metavar="N|ANSWERS",
        help="a whole number N: matrix form, a batch of N datapoints (X is M×N); else a class's answers file "
        "(CSV or JSON; columns student, parameter, formula) graded into --out (a file named like a number: ./7)",
    )
    gr.add_argument("--answer", action="store_true", help="also print the chain rule's formula")
    add_batch_args(gr)
    gr.__class__ = _Intermixed  # add_parser makes a Parser; this one reads its options intermixed
    gr.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..teaching.grade import grade
    from ..teaching.grade_matrix import is_matrix_question

    if isinstance(args.batch, str):
        return grade_class(args)
    if args.parameter is None or args.formula is None:
        raise CLIError("give PARAM and FORMULA, or --batch ANSWERS --out DIR for a whole class")
    if is_matrix_question(args.parameter, args.batch):
        return run_matrix(args)
    verdict = grade(
        args.parameter, args.formula, M=args.M, H=args.H, seed=args.seed, activation=args.activation, loss=args.loss
    )
    if verdict.verdict == "malformed":
        print(f"microgr810 grade: error: {verdict.diagnosis}", file=sys.stderr)
        return 2
    report = str(verdict) + (f"\n  the chain rule gives: {verdict.question} = {verdict.answer}" if args.answer else "")
    try:
        print(report, flush=True)
    except BrokenPipeError:  # `| head -1` closed the pipe: the exit status still tells the verdict
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return verdict.exit_code


def run_matrix(args: argparse.Namespace) -> int:
    """grade W1 -- FORMULA: the whole matrix in matrix notation (exit 0 correct, 1 wrong, 2 not read, 3 undecided)."""
    from ..teaching.grade_matrix import grade_matrix

    verdict = grade_matrix(args.parameter, args.formula, M=args.M, H=args.H, batch=args.batch, seed=args.seed)
    try:
        if verdict.verdict != "malformed":
            print(verdict, flush=True)
        else:  # one error line, as the other commands refuse
            print(f"microgr810 grade: error: {verdict.diagnosis}", file=sys.stderr, flush=True)
    except BrokenPipeError:  # `| head -1` closed the pipe: the exit status still tells the verdict
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return verdict.exit_code
