"""microgr810 stepper: an HTML page that steps through backward on the reference network."""

from __future__ import annotations

import argparse

from .common import no_graphviz, reference_args, reference_loss, target, within_view_limits, write_file, wrote

__all__ = ["add", "run"]


def add(sub: argparse._SubParsersAction) -> None:
    st = sub.add_parser("stepper", help="an HTML page that steps through backward, frame by frame")
    st.add_argument("-o", "--output", default="backprop.html", help="file to write (- for standard output)")
    st.add_argument(
        "--predict", action="store_true", help="predict mode: type each step's gradients before the page shows them"
    )
    reference_args(st)
    st.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import graphviz

    from ..pictures.stepper import stepper

    output = target(args.output, "backprop.html")
    within_view_limits(args, "stepper")
    _, L = reference_loss(args, backward=False)
    try:
        page = stepper(L, predict=args.predict).html()
    except graphviz.ExecutableNotFound as e:  # frames are drawn with `dot`
        raise no_graphviz(e) from None
    wrote(write_file(output, page), " (open it in a browser: Prev/Next or the arrow keys step through backward)")
    return 0
