"""microgr810 train: an MLP on a toy dataset, with the loss curve and the decision boundary as PNGs."""

from __future__ import annotations

import argparse

from ..core.data import DATASETS
from .check import hidden
from .common import CLIError, duration, outdir, positive, rate, seed


class TrainingDiverged(CLIError):
    """The run's loss became inf or NaN: one line, exit status 1 (the run failed; the flags were fine)."""

    status = 1


__all__ = ["add", "run", "TRAIN_SECONDS", "STEP_EDGES"]

# Past these train refuses (exit 2) before it builds anything; under them a progress bar shows after 1 s.
TRAIN_SECONDS = 300.0  # five minutes of training
STEP_EDGES = 20_000_000  # operand links one step holds in memory at once: about 1-2 GB past this


def add(sub: argparse._SubParsersAction) -> None:
    t = sub.add_parser("train", help="train an MLP on a toy dataset and plot the loss and decision boundary")
    t.add_argument("--dataset", choices=list(DATASETS), default="moons")
    t.add_argument("--hidden", type=hidden, default=(16, 16), help="hidden layer sizes, e.g. 16,16")
    t.add_argument("--steps", type=positive, default=100)
    t.add_argument("--lr", type=rate, default=1.0, help="initial learning rate (decays to a tenth)")
    t.add_argument("--seed", type=seed, default=0)
    t.add_argument("-o", "--out", default="train-output", help="folder for the PNGs")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..core.train import estimate_seconds, step_nodes, train
    from ..pictures.plots import plot_decision_boundary, plot_loss

    shape = f"--hidden {','.join(map(str, args.hidden))}"
    _, edges = step_nodes(args.hidden)
    if edges > STEP_EDGES:
        raise CLIError(
            f"{shape}: one step would hold {edges:,} operand links in memory, past the limit of {STEP_EDGES:,}; "
            f"use smaller --hidden (e.g. 16,16 or 64,64)"
        )
    seconds = estimate_seconds(args.hidden, args.steps)
    if seconds > TRAIN_SECONDS:
        raise CLIError(
            f"{shape}, --steps {args.steps}: training would take about {duration(seconds)} here, past the limit "
            f"of about {duration(TRAIN_SECONDS)}; use fewer --steps or smaller --hidden"
        )
    folder = outdir(args.out)
    result = train(args.dataset, args.hidden, args.steps, args.lr, args.seed, progress=not args.quiet)
    if result.diverged_at is not None:
        raise TrainingDiverged(
            f"the loss diverged (became inf or NaN) at step {result.diverged_at} of {args.steps}, "
            f"with --lr {args.lr:g}; no plots written. Try a smaller --lr "
            f"(e.g. {min(args.lr / 10, 1.0):g})"
        )
    files = [plot_loss(result, folder / "loss.png"), plot_decision_boundary(result, folder / "decision_boundary.png")]
    print(
        f"{args.dataset}: MLP 2-{'-'.join(map(str, args.hidden))}-1, {args.steps} steps, "
        f"final loss {result.losses[-1]:.4f}, training accuracy {result.accuracies[-1]:.0%}"
    )
    for f in files:
        print(f"  wrote {f}")
    return 0
