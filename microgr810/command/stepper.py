"""microgr810 stepper: an HTML page that steps through backward on the reference network."""

from __future__ import annotations

import argparse

from .common import (
    CLIError,
    no_graphviz,
    reference_args,
    reference_loss,
    target,
    within_build_limit,
    within_view_limits,
    write_file,
    wrote,
)

__all__ = ["add", "run"]


def add(sub: argparse._SubParsersAction) -> None:
    st = sub.add_parser("stepper", help="an HTML page that steps through backward, frame by frame")
    st.add_argument("-o", "--output", default="backprop.html", help="file to write (- for standard output)")
    st.add_argument(
        "--predict", action="store_true", help="predict mode: type each step's gradients before the page shows them"
    )
    st.add_argument(
        "--matrices", action="store_true", help="one step per matrix op, with its vectorised backward lines and shapes"
    )
    reference_args(st)
    st.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import graphviz

    from ..pictures.stepper import stepper

    output = target(args.output, "backprop.html")
    matrices = getattr(args, "matrices", False)  # the demo calls this with the flags it needs
    if matrices:  # a step per matrix op: only the scalar graph it is built from is big
        within_build_limit(args, "stepper --matrices", passes=2)
    else:
        within_view_limits(args, "stepper")
    net, L = reference_loss(args, backward=False)
    try:
        if matrices and args.predict:
            raise CLIError("--matrices and --predict do not go together: the matrix stepper shows every line")
        if matrices:
            page = stepper(L, matrices=True).html()
        else:
            page = stepper(L, predict=args.predict, parameters=net.parameters()).html()
    except graphviz.ExecutableNotFound as e:  # frames are drawn with `dot`
        raise no_graphviz(e) from None
    wrote(write_file(output, page), " (open it in a browser: Prev/Next or the arrow keys step through backward)")
    return 0
