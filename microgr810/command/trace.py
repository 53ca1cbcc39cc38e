"""microgr810 trace: every backward step of the reference network, as a table."""

from __future__ import annotations

import argparse

from ..core.engine import topological_order
from .common import CLIError, reference_args, reference_loss, size

__all__ = ["add", "run"]

TRACE_ROWS = 25_000  # printed rows at ~45 µs each: 100×100 (20,607 rows) prints in 1 s


def add(sub: argparse._SubParsersAction) -> None:
    tr = sub.add_parser("trace", help="every backward step of the reference network, as a table")
    reference_args(tr)
    tr.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..teaching.trace import trace_backward

    _, L = reference_loss(args, backward=False)  # a fresh graph: every gradient starts at 0
    rows = sum(len(n.inputs) + 1 for n in topological_order(L) if n.op) + 1  # a header per step, a row per input
    if rows > TRACE_ROWS:
        raise CLIError(
            f"{size(args)}: the trace would print {rows:,} rows, past the limit of {TRACE_ROWS:,} "
            f"(about 1 s; no one reads more). Use smaller --M/--H (100 and 100 fit)"
            f"{' or a smaller --batch' if args.batch else ''}; "
            f"`microgr810 explain PARAM` shows one weight's chain rule at any size"
        )
    print(trace_backward(L))
    return 0
