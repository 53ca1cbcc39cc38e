"""The workloads, written once against an adapter (see adapters.py)."""

from __future__ import annotations

import random

import numpy as np

from microgr810.data import moons
from microgr810.reference import ReferenceProblem

ALPHA = 1e-4  # the L2 weight of micrograd's demo


def random_blocks(sizes, seed=0):
    """[(W, b), ...] with U(-1, 1) entries (micrograd's init), the same numbers for every engine."""
    rng = random.Random(seed)
    return [([[rng.uniform(-1, 1) for _ in range(nin)] for _ in range(nout)], [rng.uniform(-1, 1) for _ in range(nout)])
            for nin, nout in zip(sizes, sizes[1:])]


class DemoStep:
    """micrograd's demo: MLP 2-16-16-1 relu on 100 moons, hinge loss + L2, forward + backward + SGD."""

    def __init__(self, E):
        self.E = E
        X, y = moons(100, 0.1)
        self.X = [E.inputs(row) for row in X.tolist()]
        self.y = [2.0 * t - 1.0 for t in y.tolist()]  # labels in {-1, +1}
        self.model, self.params = E.mlp(random_blocks([2, 16, 16, 1]), "relu", None)
        self.lr = 0.1

    def loss(self):
        E = self.E
        scores = [self.model(x) for x in self.X]
        losses = [E.relu(1.0 - yi * s) for yi, s in zip(self.y, scores)]
        data_loss = E.total(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * E.total([p * p for p in self.params])
        return data_loss + reg_loss

    def __call__(self):
        E = self.E
        total = self.loss()
        if E.has_backward:
            E.zero_grad(self.params)
            E.backward(total)
            E.sgd(self.params, self.lr)
        return E.data(total)


class ReferenceGradient:
    """The reference network (sigmoid MLP, M=8, H=32, BCE): forward + backward for each datapoint."""

    def __init__(self, E, n=20):
        self.E = E
        P = ReferenceProblem.random(8, 32, seed=0, batch=n)
        blocks = [(P.W1.tolist(), P.b1.tolist()), (P.W2.tolist(), np.atleast_1d(P.b2).tolist())]
        self.model, self.params = E.mlp(blocks, "sigmoid", "sigmoid")
        self.X = [E.inputs(row) for row in P.x.tolist()]
        self.y = P.y.tolist()

    def __call__(self):
        E = self.E
        total = 0.0
        for x, y in zip(self.X, self.y):
            L = E.bce(self.model(x), y)
            if E.has_backward:
                E.backward(L)
            total += E.data(L)
        return total


def chain(E, n):
    """n dependent ops, n/3 neuron-like steps x = relu(x * w + b) (ops every engine has), then backward."""
    w, b = E.leaf(0.9), E.leaf(0.1)  # fixed point x = 1: values stay finite however long the chain
    x = E.leaf(1.0)
    for _ in range(n // 3):
        x = E.relu(x * w + b)
    if E.has_backward:
        E.backward(x)
    return E.data(x)
