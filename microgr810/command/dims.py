"""microgr810 dims: part 1, the shape of every parameter and intermediate, from the matrix view."""

from __future__ import annotations

import argparse

from .common import positive, within_build_limit

__all__ = ["add", "run"]


def add(sub: argparse._SubParsersAction) -> None:
    d = sub.add_parser("dims", help="part 1: the shape of every parameter and intermediate")
    d.add_argument("--M", type=positive, default=3, help="input features")
    d.add_argument("--H", type=positive, default=4, help="hidden units")
    d.add_argument("--batch", type=positive, default=None, metavar="N", help="a batch of N datapoints (X is M×N)")
    d.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..teaching.matrices import shape_table

    args.batch = getattr(args, "batch", None)  # the demo calls this with --M and --H only
    within_build_limit(args, "dims", passes=2)  # the matrices are read off the reference graph, built once
    table = shape_table(args.M, args.H, args.batch)
    print(table)
    return 0 if table.ok else 1
