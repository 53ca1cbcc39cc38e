"""What every command shares: one-line errors, checked argument types, the reference network from its flags,
and the output files and folders a command names."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from ..core.engine import Value
from ..core.files import check_output, output_folder, write_atomic
from ..core.nn import MLP
from ..teaching.reference import ReferenceProblem

__all__ = ["CLIError", "Parser", "checked", "positive", "unit", "rate", "seed", "reference_args", "reference_loss"]


class CLIError(Exception):
    """A bad argument: one line on stderr and exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line (the usage stays behind --help)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def checked(convert: Callable[[str], Any], ok: Callable[[Any], bool], expected: str) -> Callable[[str], Any]:
    """An argparse type: convert the text, check the value, else say what was expected."""

    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {value}")
        return value

    return parse


positive = checked(int, lambda n: n >= 1, "a positive integer")
unit = checked(float, lambda y: 0.0 <= y <= 1.0, "a number in [0, 1]")
rate = checked(float, lambda lr: 0 < lr < math.inf, "a positive finite number")
seed = checked(int, lambda n: n >= 0, "a non-negative integer")


def reference_args(sp: argparse.ArgumentParser, M: int = 2, H: int = 2) -> None:
    """The flags that choose a reference network: --M, --H, --seed, --y, --batch."""
    sp.add_argument("--M", type=positive, default=M, help="input features")
    sp.add_argument("--H", type=positive, default=H, help="hidden units")
    sp.add_argument("--seed", type=seed, default=0)
    sp.add_argument("--y", type=unit, default=1.0, help="the target")
    sp.add_argument("--batch", type=positive, default=None, help="a batch of N datapoints (mean loss)")


def reference_loss(args: argparse.Namespace, backward: bool = True) -> tuple[MLP, Value]:
    """The reference network and its loss graph (after one backward pass unless told otherwise)."""
    problem = ReferenceProblem.random(args.M, args.H, seed=args.seed, y=args.y, batch=args.batch)
    if backward:
        return problem.autograd()
    net = problem.network()
    return net, problem.loss(net)


def size(args: argparse.Namespace) -> str:
    """The network's size as the flags gave it."""
    return f"M={args.M}, H={args.H}" + (f", batch {args.batch}" if args.batch else "")


def duration(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds > 3.6e7:
        return "over 10,000 h"
    return f"{seconds / 60:.0f} min" if seconds < 7200 else f"{seconds / 3600:,.0f} h"


def outdir(path: str) -> Path:
    """The output folder a command was given, made if missing (inside the current directory only) and tried
    with a freshly, exclusively created file; one CLI error line if it cannot be written."""
    try:
        return output_folder(path)
    except OSError as e:
        raise CLIError(f"cannot write to the output folder {path}: {e.strerror}") from None


def write_file(path: Path, content: str | bytes) -> Path | None:
    """Write a file the user named, atomically (core.files); "-" writes to standard output (None returned).
    A failure is one CLI error line naming the user's path."""
    if str(path) == "-":
        sys.stdout.buffer.write(content.encode("utf-8") if isinstance(content, str) else content)
        sys.stdout.flush()
        return None
    try:
        return write_atomic(path, content)
    except OSError as e:
        raise CLIError(f"cannot write {path}: {e.strerror or e}") from None


def target(text: str, example: str) -> Path:
    """The file a command will write, checked before the work (a link, FIFO, device or a missing folder
    outside the current directory is refused); "-" is standard output. `example`: a file name to suggest."""
    path = Path(text)
    if path.is_dir() and not path.is_symlink():
        raise CLIError(f"{path} is a folder; name the file to write, e.g. {path / example}")
    if text != "-":
        check_output(path)
    return path


def wrote(path: Path | None, note: str = "") -> None:
    """Say which file was written (on stderr when the content itself went to standard output)."""
    if path is not None:
        print(f"wrote {path}{note}")


def too_costly(args: argparse.Namespace, what: str, seconds: float, limit: float, advice: str) -> CLIError:
    """A refusal before the work: what it would take, the limit, and the command's own flags that fit."""
    return CLIError(
        f"{size(args)}: {what}, about {duration(seconds)} here, past the limit of about {duration(limit)}; {advice}"
    )


def no_graphviz(e: Exception) -> CLIError:
    """graphviz's ExecutableNotFound as one line (it says how to install `dot`)."""
    return CLIError(" ".join(str(e).split()))


# Building the reference graph and its backward pass (GraphSize.build_seconds), `passes` times over for
# what a command does with it (explain walks every path, draw --focus lays it out): past this a command
# would wait with nothing to show, so it refuses from the flags alone.
GRAPH_SECONDS = 5.0


def within_build_limit(args: argparse.Namespace, command: str, passes: float) -> None:
    """Refuse, from --M/--H/--batch alone, a command whose graph work would take past GRAPH_SECONDS."""
    from ..teaching.reference import graph_size

    g = graph_size(args.M, args.H, args.batch)
    seconds = passes * g.build_seconds()
    if seconds > GRAPH_SECONDS:
        raise too_costly(
            args,
            f"{command} on a graph of {g.nodes:,} nodes and {g.edges:,} edges",
            seconds,
            GRAPH_SECONDS,
            f"use smaller --M/--H (e.g. 300 and 300){' or a smaller --batch' if args.batch else ''}",
        )


def within_view_limits(args: argparse.Namespace, command: str) -> None:
    """Refuse, from the flags alone, a stepper page or animation past its steps or its boxes (a box per
    neuron where a box per node is too many): both are a frame per backward step."""
    from ..pictures.draw import MAX_NEURON_BOXES, MAX_NODES
    from ..pictures.stepper import MAX_STEPS
    from ..teaching.reference import graph_size

    g = graph_size(args.M, args.H, args.batch)
    batch = " or a smaller --batch" if args.batch else ""
    if g.steps > MAX_STEPS:
        raise CLIError(
            f"{size(args)}: backward takes {g.steps:,} steps, a frame each, past the {MAX_STEPS} a {command} "
            f"shows; use a smaller --H (the steps are 2H + 3 a datapoint){batch}; `microgr810 trace` prints them all"
        )
    if g.nodes > MAX_NODES and g.neuron_boxes > MAX_NEURON_BOXES:
        raise CLIError(
            f"{size(args)}: {g.neuron_boxes:,} boxes even with a box per neuron (M + H + 2 a datapoint), past the "
            f"{MAX_NEURON_BOXES} that stay legible; use smaller --M/--H (M + H up to {MAX_NEURON_BOXES - 2}){batch}"
        )
