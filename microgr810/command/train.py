"""microgr810 train: an MLP on a toy dataset, with the loss curve and the decision boundary as PNGs."""

from __future__ import annotations

import argparse

from ..core.data import DATASETS
from .check import hidden
from .common import outdir, positive, rate, seed

__all__ = ["add", "run"]


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
    from ..core.train import train
    from ..pictures.plots import plot_decision_boundary, plot_loss

    folder = outdir(args.out)
    result = train(args.dataset, args.hidden, args.steps, args.lr, args.seed, progress=not args.quiet)
    files = [plot_loss(result, folder / "loss.png"), plot_decision_boundary(result, folder / "decision_boundary.png")]
    print(
        f"{args.dataset}: MLP 2-{'-'.join(map(str, args.hidden))}-1, {args.steps} steps, "
        f"final loss {result.losses[-1]:.4f}, training accuracy {result.accuracies[-1]:.0%}"
    )
    for f in files:
        print(f"  wrote {f}")
    return 0
