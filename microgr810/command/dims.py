"""microgr810 dims: part 1, the shape of every parameter and intermediate."""

from __future__ import annotations

import argparse

from ..teaching import closed_form
from .common import positive

__all__ = ["add", "run"]


def add(sub: argparse._SubParsersAction) -> None:
    d = sub.add_parser("dims", help="part 1: the shape of every parameter and intermediate")
    d.add_argument("--M", type=positive, default=3, help="input features")
    d.add_argument("--H", type=positive, default=4, help="hidden units")
    d.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    table = closed_form.shape_table(args.M, args.H)
    print(table)
    return 0 if table.ok else 1
