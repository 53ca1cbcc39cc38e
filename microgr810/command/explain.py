"""microgr810 explain NODE: the chain rule for one node of the reference network."""

from __future__ import annotations

import argparse

from ..notation.names import find
from .common import reference_args, reference_loss, within_build_limit

__all__ = ["add", "run"]


def add(sub: argparse._SubParsersAction) -> None:
    ex = sub.add_parser("explain", help="the chain rule for one node: every path, its product, the sum")
    ex.add_argument(
        "node",
        help='any node as trace names it: "W1[0,1]", "b1[0]", "x[0]", "a1[0]", "z2", '
        '"a2[n=1]" (with --batch); spaces inside brackets do not count',
    )
    reference_args(ex)
    ex.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..teaching.reference import explain_reference

    within_build_limit(args, "explain", passes=4)  # measured 3.9 at 650×650
    _, L = reference_loss(args)
    print(explain_reference(L, find(L, args.node), y=args.y))
    return 0
