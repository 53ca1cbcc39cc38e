"""microgr810 trace: every backward step of the reference network, as a table."""

from __future__ import annotations

import argparse

from ..teaching.reference import graph_size
from .common import CLIError, reference_args, reference_loss, size

__all__ = ["add", "run"]

TRACE_ROWS = 15_000  # printed rows: a header per step, a row per input; ~30 µs each, under 1 s at the limit


def add(sub: argparse._SubParsersAction) -> None:
    tr = sub.add_parser("trace", help="every backward step of the reference network, as a table")
    reference_args(tr)
    tr.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..teaching.trace import trace_backward

    g = graph_size(args.M, args.H, args.batch)  # counted from the flags: nothing is built past the limit
    rows = g.edges + g.steps + 1
    if rows > TRACE_ROWS:
        raise CLIError(
            f"{size(args)}: the trace would print {rows:,} rows, past the limit of {TRACE_ROWS:,} "
            f"(about 1 s; no one reads more). Use smaller --M/--H (85 and 85 fit)"
            f"{' or a smaller --batch' if args.batch else ''}; "
            f"`microgr810 explain PARAM` shows one weight's chain rule at any size"
        )
    _, L = reference_loss(args, backward=False)  # a fresh graph: every gradient starts at 0
    print(trace_backward(L))
    return 0
