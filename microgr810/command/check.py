"""microgr810 check: every gradient of a network, autograd against the closed form, finite differences and PyTorch."""

from __future__ import annotations

import argparse

from ..core.engine import topological_order
from ..core.ops import activations
from ..teaching.check import check_mlp, check_reference
from ..teaching.reference import ReferenceProblem
from .common import CLIError, duration, positive, seed, size, unit

__all__ = ["add", "run", "layers", "hidden"]

# Past this the finite differences would run for long with nothing to show: check refuses (exit 2) and says
# what to do instead. Measured on a 2-core machine under load (docs), about 20 s.
CHECK_WORK = 10**8  # 2 forward passes per weight of ~0.2 µs × (edges + 40 × new nodes)
SECONDS_PER_WORK = 0.2e-6


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


def within_limit(problem: ReferenceProblem, args: argparse.Namespace) -> None:
    """Refuse a check whose finite differences would take more than about 20 s (CHECK_WORK)."""
    net = problem.network()
    order = topological_order(problem.loss(net))
    weights = len(net.parameters())
    # a forward pass builds its nodes anew (~8 µs each) and multiplies along every edge (~0.2 µs each)
    work = 2 * weights * (sum(len(n.inputs) for n in order) + 40 * (len(order) - weights))
    if work > CHECK_WORK:
        raise CLIError(
            f"{size(args)}: the finite-difference check would run the forward pass {2 * weights:,} times "
            f"(twice per weight), about {duration(work * SECONDS_PER_WORK)} here, past the limit of about "
            f"{duration(CHECK_WORK * SECONDS_PER_WORK)}. Use smaller --M/--H (50 and 50 fit)"
            f"{' or a smaller --batch' if args.batch else ''}; "
            f"`microgr810 explain PARAM` shows one weight's gradient at any size"
        )


def run(args: argparse.Namespace) -> int:
    if args.layers is None and args.activation is None and args.loss is None and args.output_activation is None:
        problem = ReferenceProblem.random(args.M, args.H, seed=args.seed, y=args.y, batch=args.batch)
        within_limit(problem, args)
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
