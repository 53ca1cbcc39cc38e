"""The floor of the fused demo step for any scalar engine, against micrograd's own MLP in the same run.

    python3 benchmarks/fused_floor.py

A scalar engine that records a neuron as one node, with an edge per weight and per input, has to do
this much Python work per step at least: for each neuron and datapoint, read the weights' and
inputs' data, take the dot product, fill the two tuples of the node (its inputs and their local
derivatives) and, going back, update one gradient per edge. This script does only that (no
topological sort, no loss or L2 nodes, no SGD, no labels or checks) on micrograd's demo MLP
(2-16-16-1, relu, 100 moons), and times it alternating with micrograd's full demo step as run.py
does (GC on, each call followed by gc.collect(), the libraries' objects frozen). The ratio is the
most any scalar engine could show on the fused target; issue 10 asks for 70x. The rotation is
run.py's fused-demo row (microgr810, micrograd, torch, floats) with the floor added, so that every
engine runs in the conditions of RESULTS.md: micrograd's time depends on them (its cyclic garbage is
freed by full collections, whose cost depends on what else the process holds).
"""

from __future__ import annotations

import gc
import statistics
import sys
from operator import mul
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import adapters  # noqa: E402
import workloads  # noqa: E402
from run import alternate, ensure_micrograd  # noqa: E402

from microgr810.core.data import moons  # noqa: E402


class Node:
    """The least a node can hold: its value, its gradient, its inputs and their local derivatives."""

    __slots__ = ("data", "grad", "inputs", "locals")

    def __init__(self, data):
        self.data, self.grad, self.inputs, self.locals = data, 0.0, (), ()


class FloorStep:
    """One demo step's forward and backward, reduced to the per-edge work (see the module's docstring)."""

    def __init__(self):
        blocks = workloads.random_blocks([2, 16, 16, 1])
        self.layers = [([[Node(w) for w in row] for row in W], [Node(b) for b in bs]) for W, bs in blocks]
        self.X = moons(100, 0.1)[0].tolist()

    def __call__(self):
        nodes, outs, last = [], [], len(self.layers) - 1
        for row in self.X:
            x = [Node(v) for v in row]
            for l, (W, B) in enumerate(self.layers):
                out = []
                for ws, b in zip(W, B):
                    wd = [w.data for w in ws]
                    xd = [xi.data for xi in x]
                    a = Node(sum(map(mul, wd, xd), b.data))
                    a.inputs, a.locals = (*ws, *x, b), (*xd, *wd, 1.0)
                    nodes.append(a)
                    if l < last:  # relu: one more node, one edge
                        z = Node(a.data if a.data > 0.0 else 0.0)
                        z.inputs, z.locals = (a,), (1.0 if a.data > 0.0 else 0.0,)
                        nodes.append(z)
                        a = z
                    out.append(a)
                x = out
            outs.append(x[0])
        for o in outs:
            o.grad = 1.0
        for n in reversed(nodes):  # creation order reversed is a topological order here: no sort
            g = n.grad
            for x, d in zip(n.inputs, n.locals):
                x.grad += d * g
        return outs[0].data


def main():
    ensure_micrograd()
    engines = {name: adapters.load(name) for name in adapters.ENGINES}  # as run.py: the same objects to freeze
    gc.collect()
    gc.freeze()
    fns = {name: workloads.DemoStep(E) for name, E in engines.items() if E is not None}
    fns["floor"] = FloorStep()
    res = alternate(fns, 9)
    times = {name: r["times"] for name, r in res.items()}

    def ratio(name):
        rounds = sorted(m / t for t, m in zip(times[name], times["micrograd"]))
        return f"{statistics.median(rounds):.1f}x (rounds {rounds[0]:.1f}-{rounds[-1]:.1f}x)"

    print(f"micrograd's demo step with its own MLP: {statistics.median(times['micrograd']) * 1e3:.0f} ms")
    for name, what in (("floor", "per-edge floor of a scalar engine"), ("microgr810", "microgr810's MLP")):
        print(f"{what + ':':39} {statistics.median(times[name]) * 1e3:.1f} ms, {ratio(name)}")


if __name__ == "__main__":
    main()
