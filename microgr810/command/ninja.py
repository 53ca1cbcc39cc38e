"""`microgr810 ninja ANSWERS`: the backprop-ninja exercise checked node by node.

Exit 0 all right, 1 some wrong, 2 malformed input."""

from __future__ import annotations

import argparse
import json

from .common import positive, seed, unit
from .quiz import values


def run(args: argparse.Namespace) -> int:
    from ..teaching import graphs
    from ..teaching.ninja import check_gradients, read_answers
    from ..teaching.reference import ReferenceProblem

    answers = read_answers(args.answers)  # a file it cannot read: ValueError, one line and exit 2
    if args.expr is not None:
        root = graphs.parse_expression(args.expr, values(args.at), seed=args.seed)
    elif args.graph == "random":
        root = graphs.random_graph(args.seed)
    else:
        problem = ReferenceProblem.random(args.M, args.H, seed=args.seed, y=args.y)
        root = problem.loss(problem.network())
    report = check_gradients(root, answers)
    print(json.dumps(report.as_dict(), indent=1, ensure_ascii=False) if args.json else report)
    return 0 if report.ok else 1


def add(sub: argparse._SubParsersAction) -> None:
    n = sub.add_parser(
        "ninja",
        help="check every gradient you computed by hand; name the first wrong node",
        description='Reads your ∂L/∂node for the nodes of a graph (JSON {"node": answer} or CSV '
        "node,answer; an answer is a number or a formula in the graph's names) and says for each: exact, "
        "close or wrong, the first wrong node in backward order, what went wrong there, and which later "
        "nodes only inherit its error. Exit 0 all right, 1 some wrong, 2 malformed input.",
    )
    n.add_argument("answers", metavar="ANSWERS", help="a .json or .csv file of node names and your gradients")
    n.add_argument(
        "--graph", choices=["reference", "random"], default="reference", help="the reference network or a random graph"
    )
    n.add_argument("--expr", default=None, metavar="TEXT", help='your own expression instead, e.g. "tanh(a*b + c)"')
    n.add_argument("--at", default=None, metavar="VALUES", help="its leaves' data, e.g. a=2,b=-3")
    n.add_argument("--M", type=positive, default=2, help="input features")
    n.add_argument("--H", type=positive, default=2, help="hidden units")
    n.add_argument("--seed", type=seed, default=0)
    n.add_argument("--y", type=unit, default=1.0, help="the target")
    n.add_argument("--json", action="store_true", help="print the result as JSON")
    n.set_defaults(func=run)
