"""`microgr810 ninja ANSWERS`: the backprop-ninja exercise checked node by node.

Exit 0 all right, 1 some wrong, 2 malformed input."""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

from .common import CLIError, positive, seed, unit
from .quiz import values


def read_answers(path: str) -> dict[str, object]:
    """Node name -> answer from a JSON object ({"z2": -1.89, "a2": "z2 - y"}), a JSON list of
    [name, answer] pairs, or a CSV of rows `node,answer` (a header row `node,answer` is optional)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise CLIError(f"cannot read {path}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise CLIError(f"{path} is not a UTF-8 text file") from None
    if path.endswith(".json") or text.lstrip()[:1] in "{[":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise CLIError(f"{path}: not valid JSON (line {e.lineno}: {e.msg})") from None
        if isinstance(data, dict):
            return data
        if isinstance(data, list) and all(isinstance(r, list) and len(r) == 2 for r in data):
            return {str(k): v for k, v in data}
        raise CLIError(f'{path}: expected an object {{"node": answer, ...}} or a list of [node, answer] pairs')
    out: dict[str, object] = {}
    for i, row in enumerate(csv.reader(text.splitlines()), 1):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        if i == 1 and [c.strip().lower() for c in row[:2]] == ["node", "answer"]:
            continue
        if len(row) != 2:
            raise CLIError(f"{path}, line {i}: expected two columns node,answer, got {len(row)}")
        out[row[0].strip()] = row[1].strip()
    return out


def run(args: argparse.Namespace) -> int:
    from ..teaching import graphs
    from ..teaching.ninja import check_gradients
    from ..teaching.reference import ReferenceProblem

    answers = read_answers(args.answers)
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
