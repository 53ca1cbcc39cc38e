"""microgr810 check: every gradient of a network, autograd against the closed form, finite differences and PyTorch."""

from __future__ import annotations

import argparse

from ..core.ops import activations
from ..teaching.check import check_mlp, check_reference, estimate_seconds
from ..teaching.reference import ReferenceProblem
from .common import CLIError, duration, positive, seed, unit

__all__ = ["add", "run", "layers", "hidden"]

# Past this the finite differences would run for long: check refuses (exit 2) before building anything
# and says which flags fit. Under it a progress bar shows once the check has run a second.
CHECK_SECONDS = 20.0


def hidden(text: str) -> tuple[int, ...]:
    """'16,16' -> (16, 16): layer sizes."""
    try:
        sizes = tuple(int(t) for t in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected layer sizes like 16,16, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"layer sizes must be positive integers, got {text!r}")
    return sizes


def layers(text: str) -> tuple[int, ...]:
    """'3,4,4,1' -> (3, 4, 4, 1): sizes from the inputs to the one output."""
    sizes = hidden(text)
    if len(sizes) < 2 or sizes[-1] != 1:
        raise argparse.ArgumentTypeError(f"expected sizes from the inputs to one output, like 3,4,4,1, got {text!r}")
    return sizes


def add(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser("check", help="every gradient of the reference network: autograd vs the hand derivation")
    c.add_argument("--M", type=positive, default=3)
    c.add_argument("--H", type=positive, default=4)
    c.add_argument("--seed", type=seed, default=0)
    c.add_argument("--y", type=unit, default=None, help="the target (default: drawn at random)")
    c.add_argument("--batch", type=positive, default=None, help="use a batch of N datapoints (mean loss)")
    c.add_argument(
        "--layers",
        type=layers,
        default=None,
        metavar="M,...,1",
        help="any MLP instead of the reference one: layer sizes from the inputs to the one output",
    )
    names = [*activations(), "linear"]  # the op table's activations
    c.add_argument("--activation", choices=names, default=None, help="the hidden layers' activation (default sigmoid)")
    c.add_argument("--output-activation", choices=names, default=None, help="default: sigmoid for bce, linear for mse")
    c.add_argument("--loss", choices=["bce", "mse"], default=None, help="default bce")
    c.set_defaults(func=run)


def within_limit(args: argparse.Namespace) -> None:
    """Refuse, from the flags alone, a check whose finite differences would take past CHECK_SECONDS."""
    sizes = args.layers or (args.M, args.H, 1)
    seconds = estimate_seconds(sizes, args.batch or 1)
    if seconds > CHECK_SECONDS:
        weights = sum(n * (m + 1) for m, n in zip(sizes, sizes[1:]))
        shape = f"--layers {','.join(map(str, sizes))}" if args.layers else f"M={args.M}, H={args.H}"
        smaller = "smaller --layers (e.g. 3,16,16,1)" if args.layers else "smaller --M/--H (70 and 70 fit)"
        raise CLIError(
            f"{shape}{f', batch {args.batch}' if args.batch else ''}: the finite-difference check would run the "
            f"forward pass {2 * weights:,} times (twice per weight), about {duration(seconds)} here, past the "
            f"limit of about {duration(CHECK_SECONDS)}. Use {smaller}{' or a smaller --batch' if args.batch else ''}; "
            f"`microgr810 explain PARAM` shows one weight's gradient at any size"
        )


def run(args: argparse.Namespace) -> int:
    within_limit(args)  # every spelling of the network: the reference's flags, --layers, --loss ...
    if args.layers is None and args.activation is None and args.loss is None and args.output_activation is None:
        problem = ReferenceProblem.random(args.M, args.H, seed=args.seed, y=args.y, batch=args.batch)
        table = check_reference(problem)
    else:
        table = check_mlp(
            args.layers or (args.M, args.H, 1),
            args.activation or "sigmoid",
            args.output_activation,
            args.loss or "bce",
            batch=args.batch or 1,
            y=args.y,
            seed=args.seed,
        )
    print(table)
    return 0 if table.ok else 1
