"""microgr810 draw: the reference network's computation graph, as SVG, PNG, PDF or DOT."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..core.engine import Value
from ..notation.names import find
from ..teaching.reference import graph_size
from .common import (
    CLIError,
    no_graphviz,
    reference_args,
    reference_loss,
    size,
    target,
    within_build_limit,
    write_file,
    wrote,
)

__all__ = ["add", "run", "write_drawing"]


def add(sub: argparse._SubParsersAction) -> None:
    g = sub.add_parser("draw", help="draw the reference network's computation graph")
    g.add_argument("-o", "--output", default="graph.svg", help="file to write (- for standard output)")
    g.add_argument(
        "--format", choices=["svg", "png", "pdf", "dot"], default=None, help="default: from the file name's ending"
    )
    g.add_argument(
        "--style",
        choices=["graph", "circuit"],
        default="graph",
        help="graph: boxes and ops; circuit: CS231n's gates and wires, value above and gradient below each wire",
    )
    g.add_argument("--highlight", default=None, metavar="NODE", help='a node\'s name, e.g. "W1[0,1]" or "z1[0]"')
    g.add_argument(
        "--collapse",
        action="store_true",
        help="a box per neuron (w·x + b and its activation); the default where a box per node is too big",
    )
    g.add_argument(
        "--focus",
        default=None,
        metavar="NODE",
        help="only the chain-rule paths from the loss to NODE, and a box counting the rest",
    )
    reference_args(g)
    g.set_defaults(func=run)


def write_drawing(L: Value, path: Path, fmt: str, **view: Any) -> Path | None:
    """Draw L (with local derivatives on the edges) into `path` ("-": standard output); `view` goes to draw
    (highlight, collapse, focus, parameters)."""
    import graphviz

    from ..pictures.draw import draw

    g = draw(L, **view) if view.get("style") == "circuit" else draw(L, show_local=True, **view)
    if fmt == "dot":
        return write_file(path, g.source)
    try:
        picture = g.svg().encode() if fmt == "svg" else g.pipe(format=fmt)  # an SVG fits the window it opens in
    except graphviz.ExecutableNotFound as e:
        raise no_graphviz(e) from None
    return write_file(path, picture)


def run(args: argparse.Namespace) -> int:
    from ..pictures.circuit import MAX_WIRES
    from ..pictures.draw import MAX_NEURON_BOXES, MAX_NODES, TooBig

    output = target(args.output, "graph.svg")
    fmt = args.format or (Path(args.output).suffix.lstrip(".") or "svg")
    if fmt not in ("svg", "png", "pdf", "dot"):
        raise CLIError(f"unknown format {fmt!r}; use svg, png, pdf or dot")
    g = graph_size(args.M, args.H, args.batch)  # the view's size from the flags, before anything is built
    circuit_too_big = (
        f"{size(args)}: {g.nodes} wires, past the {MAX_WIRES} a circuit keeps legible; a smaller network "
        "(--M, --H) draws as a circuit, or --style graph --collapse a box per neuron"
    )
    if args.style == "circuit":
        if args.highlight is not None or args.focus is not None or args.collapse:
            raise CLIError("--style circuit draws every wire: it takes no --highlight, --focus or --collapse")
        if g.nodes > MAX_WIRES:
            raise CLIError(circuit_too_big)
    elif args.focus is None and (args.collapse or g.nodes > MAX_NODES) and g.neuron_boxes > MAX_NEURON_BOXES:
        raise CLIError(too_big(args, TooBig("", g.neuron_boxes, MAX_NEURON_BOXES, "neurons")))
    within_build_limit(args, "draw --focus", passes=3)  # measured 3.1 at 650×650
    net, L = reference_loss(args)
    if args.style == "circuit":
        try:
            wrote(write_drawing(L, output, fmt, style="circuit"))
        except TooBig:
            raise CLIError(circuit_too_big) from None
        return 0
    highlight = find(L, args.highlight, where="--highlight") if args.highlight else None
    focus = find(L, args.focus, where="--focus") if args.focus else None
    nodes = g.nodes
    # asked for no view, a learner wants a picture: past a box per node's limit the next smaller view
    # draws it (as the stepper does), and a note says which
    fallback = not args.collapse and focus is None and nodes > MAX_NODES
    try:
        path = write_drawing(
            L,
            output,
            fmt,
            highlight=highlight,
            focus=focus,
            collapse=args.collapse or fallback,
            parameters=net.parameters(),
        )
    except TooBig as e:
        raise CLIError(too_big(args, e)) from None
    if fallback:
        print(
            f"microgr810 draw: note: {size(args)}: {nodes} value nodes are too many for a box per node (legible "
            f"up to {MAX_NODES}), so this is a box per neuron (--collapse); --focus NODE draws one node's paths",
            file=sys.stderr,
        )
    wrote(path)
    return 0


def too_big(args: argparse.Namespace, e: Any) -> str:
    """draw's refusal (a pictures.draw.TooBig) as the command's options say it."""
    if e.view == "focus":
        smaller = "add --collapse (a box per neuron)" if not args.collapse else "focus on a node nearer the loss"
        return (
            f"{size(args)}: the chain-rule paths to {args.focus} pass through {e.count} boxes, past the "
            f"{e.limit} that stay legible; {smaller}"
        )
    return (
        f"{size(args)}: {e.count} boxes even with a box per neuron, past the {e.limit} that stay legible; "
        f'--focus NODE draws only one node\'s chain-rule paths (e.g. --focus "W1[0,0]")'
    )
