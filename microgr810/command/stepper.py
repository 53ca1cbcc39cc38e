"""microgr810 stepper: an HTML page that steps through backward on the reference network."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import no_graphviz, reference_args, reference_loss, write_file

__all__ = ["add", "run"]


def add(sub: argparse._SubParsersAction) -> None:
    st = sub.add_parser("stepper", help="an HTML page that steps through backward, frame by frame")
    st.add_argument("-o", "--output", default="backprop.html", help="file to write")
    st.add_argument(
        "--predict", action="store_true", help="predict mode: type each step's gradients before the page shows them"
    )
    reference_args(st)
    st.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import graphviz

    from ..pictures.stepper import stepper

    _, L = reference_loss(args, backward=False)
    try:
        page = stepper(L, predict=args.predict).html()
    except graphviz.ExecutableNotFound as e:  # frames are drawn with `dot`
        raise no_graphviz(e) from None
    path = write_file(Path(args.output), page)
    print(f"wrote {path} (open it in a browser: Prev/Next or the arrow keys step through backward)")
    return 0
