"""microgr810 demo: the main job, from dimensions to training, with its files in one folder."""

from __future__ import annotations

import argparse

from . import dims, explain, stepper, train
from .common import CLIError, outdir, reference_loss
from .draw import write_drawing

__all__ = ["add", "run"]


def add(sub: argparse._SubParsersAction) -> None:
    m = sub.add_parser("demo", help="the main job: dimensions, gradient check, drawings, training")
    m.add_argument("-o", "--out", default="demo-output", help="folder for the files it makes")
    m.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..notation.names import find
    from ..teaching.check import check_reference
    from ..teaching.reference import ReferenceProblem

    folder = outdir(args.out)
    print("== Part 1: dimensions ==")
    dims.run(argparse.Namespace(M=3, H=4))
    print("\n== Part 2: every gradient, four ways ==")
    table = check_reference(ReferenceProblem.random(3, 4, seed=0, y=1.0))
    print(table)
    small = argparse.Namespace(M=2, H=2, seed=0, y=1.0, batch=None)
    print("\n== One gradient explained: the chain rule for W1[0,1] ==")
    explain.run(argparse.Namespace(**vars(small), node="W1[0,1]"))
    print("\n== The graph, with W1[0,1]'s chain-rule path highlighted ==")
    net, L = reference_loss(small)
    w, params = find(L, "W1[0,1]"), net.parameters()
    try:
        print(f"wrote {write_drawing(L, folder / 'reference-graph.svg', 'svg', highlight=w, parameters=params)}")
        print("\n== Backprop step by step, in a page ==")
        stepper.run(argparse.Namespace(**vars(small), output=str(folder / "backprop.html"), predict=False))
    except CLIError as e:  # most likely no Graphviz: keep the DOT text and go on with the demo
        dot = write_drawing(L, folder / "reference-graph.dot", "dot", highlight=w, parameters=params)
        print(f"skipped the pictures: {e}\nwrote {dot} (its DOT text)")
    print("\n== Training on moons (micrograd's demo) ==")
    train.run(
        argparse.Namespace(dataset="moons", hidden=(16, 16), steps=100, lr=1.0, seed=0, quiet=True, out=str(folder))
    )
    return 0 if table.ok else 1
