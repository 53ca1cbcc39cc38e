"""microgr810 animate: an animated GIF of backward on the reference network, one frame per step."""

from __future__ import annotations

import argparse

from .common import CLIError, no_graphviz, positive, reference_args, reference_loss, within_view_limits

__all__ = ["add", "run"]


def add(sub: argparse._SubParsersAction) -> None:
    an = sub.add_parser("animate", help="an animated GIF of backward, one frame per step, for slides")
    an.add_argument("-o", "--output", default="backprop.gif", help="the GIF to write")
    an.add_argument("--frames", default=None, metavar="DIR", help="also write every frame as a PNG there")
    an.add_argument("--width", type=positive, default=1280, metavar="PX", help="the frames' width in pixels")
    reference_args(an)
    an.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import graphviz

    from ..pictures.animate import animate

    if not args.output.lower().endswith(".gif"):
        raise CLIError(f"animate writes a GIF: name the file *.gif, not {args.output!r:.80} (PNG frames: --frames DIR)")
    within_view_limits(args, "GIF")
    net, L = reference_loss(args, backward=False)
    try:
        path = animate(L, args.output, args.frames, width=args.width, progress=True, parameters=net.parameters())
    except graphviz.ExecutableNotFound as e:  # frames are drawn with `dot`
        raise no_graphviz(e) from None
    except OSError as e:  # named with the user's path (core.files)
        raise CLIError(f"cannot write {e.filename or args.output}: {e.strerror or e}") from None
    print(f"wrote {path}" + (f" and its frames in {args.frames}" if args.frames else ""))
    return 0
