"""What every command shares: one-line errors, checked argument types, the reference network from its flags,
and the output files and folders a command names."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from ..core.engine import Value
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
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 7200 else f"{seconds / 3600:.0f} h"


def outdir(path: str) -> Path:
    """The output folder a command was given, made if missing; one CLI error line if it cannot be written."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise CLIError(f"the output folder {folder} is a file; name a folder (it is made if missing)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".microgr810-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as e:
        raise CLIError(f"cannot write to the output folder {folder}: {e.strerror}") from None
    return folder


def write_file(path: Path, content: str | bytes) -> Path:
    """Write a file the user named, making its folder if needed; a failure is one CLI error line."""
    if path.is_dir():
        raise CLIError(f"{path} is a folder; name the file to write, e.g. {path / 'graph.svg'}")
    try:
        if not path.parent.exists():
            path.parent.mkdir(parents=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    except OSError as e:
        raise CLIError(f"cannot write {path}: {e.strerror or e}") from None
    return path


def no_graphviz(e: Exception) -> CLIError:
    """graphviz's ExecutableNotFound as one line (it says how to install `dot`)."""
    return CLIError(" ".join(str(e).split()))
