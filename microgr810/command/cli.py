"""The `microgr810` command: one module per command beside this file, each with `add(sub)` and `run(args)`.

A command parses its arguments and calls the library; errors the library raises are one line and exit 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .. import __version__
from . import animate, assignment, check, demo, dims, draw, explain, export, grade, ninja, quiz, stepper, trace, train
from .common import CLIError, Parser

__all__ = ["main", "build_parser", "COMMANDS"]

# in the order `microgr810 --help` lists them
COMMANDS = [dims, check, draw, trace, explain, stepper, grade, ninja, assignment, export, animate, train, demo, quiz]


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="microgr810", description="A tiny scalar autograd engine for learning backprop.")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        try:
            status = int(args.func(args))
        except (CLIError, ValueError) as e:  # ValueError: what the library refuses (e.g. a graph too big to draw)
            print(f"microgr810 {args.command}: error: {e}", file=sys.stderr)
            status = getattr(e, "status", 2)
        except BrokenPipeError:
            raise
        except OSError as e:  # a file that could not be written or read: named as the user gave it
            where = f"{e.filename}: " if e.filename else ""
            print(f"microgr810 {args.command}: error: {where}{e.strerror or e}", file=sys.stderr)
            status = 2
        sys.stdout.flush()  # a closed pipe shows here, where it is caught, not at the interpreter's exit
        return status
    except BrokenPipeError:  # `microgr810 trace | head`: the reader left, which is not an error to report
        # point stdout at /dev/null so that the interpreter's last flush cannot fail again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + 13  # as a shell reports a process ended by SIGPIPE
    except KeyboardInterrupt:  # Ctrl-C: stop quietly, as a shell reports SIGINT
        return 128 + 2
