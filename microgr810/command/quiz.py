"""microgr810 quiz: predict each backward step's gradients before they are shown."""

from __future__ import annotations

import argparse

from ..core.engine import topological_order
from ..teaching.reference import graph_size
from .common import CLIError, reference_args, reference_loss, size

__all__ = ["add", "run", "MAX_QUESTIONS"]

MAX_QUESTIONS = 500  # one answer per input of every backward step: past this no one finishes the quiz


def add(sub: argparse._SubParsersAction) -> None:
    q = sub.add_parser(
        "quiz",
        help="predict the gradient: type dL/d(input) before each backward step is shown",
        description="Before each backward step is shown, type dL/d(input) for its inputs, one answer "
        "a line (0.25, -1.5e-3, 1/3; h a hint, q or end of input to stop). Answers within "
        "1% count. Pipe them in to script it: printf '0.5\\n' | microgr810 quiz "
        "--graph neuron. --M, --H, --y and --batch shape the reference network.",
    )
    q.add_argument(
        "--graph",
        choices=["random", "reference", "neuron"],
        default="random",
        help="a small random expression (by --seed), the reference network, or micrograd's neuron",
    )
    q.add_argument("--expr", default=None, metavar="TEXT", help='your own expression instead, e.g. "tanh(a*b + c)"')
    q.add_argument(
        "--at", default=None, metavar="VALUES", help="its leaves' data, e.g. a=2,b=-3 (else drawn from --seed)"
    )
    reference_args(q)
    q.set_defaults(func=run)


def values(text: str | None) -> dict[str, float]:
    """'a=2,b=-3' -> {'a': 2.0, 'b': -3.0}."""
    out: dict[str, float] = {}
    for part in filter(None, (text or "").split(",")):
        name, eq, number = part.partition("=")
        try:
            out[name.strip()] = float(number)
        except ValueError:
            raise CLIError(f"--at: expected name=number pairs like a=2,b=-3, got {part!r}") from None
        if not eq or not name.strip():
            raise CLIError(f"--at: expected name=number pairs like a=2,b=-3, got {part!r}")
    return out


def run(args: argparse.Namespace) -> int:
    from ..teaching import graphs
    from ..teaching.quiz import run as ask

    if args.expr is not None:
        root = graphs.parse_expression(args.expr, values(args.at), seed=args.seed)
    elif args.graph == "reference":
        g = graph_size(args.M, args.H, args.batch)  # counted from the flags, before anything is built
        if g.edges > MAX_QUESTIONS:
            raise CLIError(
                f"{size(args)}: the quiz would ask {g.edges:,} questions (one per input of each backward step), "
                f"past the limit of {MAX_QUESTIONS}; use smaller --M/--H (e.g. --M 4 --H 4)"
                f"{' or a smaller --batch' if args.batch else ''}"
            )
        _, root = reference_loss(args, backward=False)
    elif args.graph == "neuron":
        root = graphs.neuron()
    else:
        root = graphs.random_graph(args.seed)
    questions = sum(len(n.inputs) for n in topological_order(root))
    if questions > MAX_QUESTIONS:  # an --expr (its text is at most graphs.MAX_LENGTH characters)
        raise CLIError(
            f"the expression asks {questions:,} questions, past the limit of {MAX_QUESTIONS}; write a shorter --expr"
        )
    ask(root)  # stopping early (q, EOF) is a normal way to end it; main() handles a closed pipe
    return 0
