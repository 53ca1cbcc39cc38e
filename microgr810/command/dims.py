"""microgr810 dims: part 1, the shape of every parameter and intermediate."""

from __future__ import annotations

import argparse

from ..teaching import closed_form
from .common import CLIError, positive

__all__ = ["add", "run"]


def add(sub: argparse._SubParsersAction) -> None:
    d = sub.add_parser("dims", help="part 1: the shape of every parameter and intermediate")
    d.add_argument("--M", type=positive, default=3, help="input features")
    d.add_argument("--H", type=positive, default=4, help="hidden units")
    d.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.M * args.H > closed_form.MAX_ENTRIES:  # before any array is made
        raise CLIError(
            f"--M {args.M} --H {args.H}: W1 would hold {args.M * args.H:,} entries, past the limit of "
            f"{closed_form.MAX_ENTRIES:,} (80 MB); use --M and --H whose product is at most {closed_form.MAX_ENTRIES:,}"
        )
    table = closed_form.shape_table(args.M, args.H)
    print(table)
    return 0 if table.ok else 1
