"""The workloads, written once against an adapter (see adapters.py).

Plain ops (PlainDemoStep, PlainReferenceGradient, plain_chain): code as a user writes it, with
`Value(...)`, `+ - * / **`, relu/sigmoid/log and `backward()`; a neuron is `sum(w*x for ...) + b`.
Fused (DemoStep, ReferenceGradient, chain): each library's own model code (microgr810's MLP makes
one `linear` node per neuron).
"""

from __future__ import annotations

import random

import numpy as np
from microgr810.reference import ReferenceProblem

from microgr810.core.data import moons

ALPHA = 1e-4  # the L2 weight of micrograd's demo


def random_blocks(sizes, seed=0):
    """[(W, b), ...] with U(-1, 1) entries (micrograd's init), the same numbers for every engine."""
    rng = random.Random(seed)
    return [
        ([[rng.uniform(-1, 1) for _ in range(nin)] for _ in range(nout)], [rng.uniform(-1, 1) for _ in range(nout)])
        for nin, nout in zip(sizes, sizes[1:])
    ]


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


# -- plain ops ---------------------------------------------------------------------------------


def plain_neuron(ws, xs, b):
    """w . x + b written as a user writes it: one product and one addition per input."""
    return sum((w * x for w, x in zip(ws, xs)), b)


class PlainDemoStep:
    """micrograd's demo notebook step in plain ops: MLP 2-16-16-1 relu on 100 moons, inputs wrapped
    in Value(...) each step, SVM max-margin loss relu(1 - y*score) averaged, + 1e-4 * sum(p*p),
    then zero_grad, backward, SGD. Floats: the forward pass only."""

    def __init__(self, E):
        self.E = E
        self.relu = E.plain("relu")
        X, y = moons(100, 0.1)
        self.X = X.tolist()
        self.y = [2.0 * t - 1.0 for t in y.tolist()]  # labels in {-1, +1}
        V = E.plain_value
        self.layers = [
            ([[V(w) for w in row] for row in W], [V(bh) for bh in b]) for W, b in random_blocks([2, 16, 16, 1])
        ]
        self.params = [p for W, b in self.layers for row, bh in zip(W, b) for p in (*row, bh)]
        self.lr = 0.1

    def model(self, x):
        relu, last = self.relu, len(self.layers) - 1
        for l, (W, b) in enumerate(self.layers):
            x = [plain_neuron(ws, x, bh) for ws, bh in zip(W, b)]
            if l < last:
                x = [relu(a) for a in x]
        return x[0]

    def loss(self):
        V, relu = self.E.plain_value, self.relu
        scores = [self.model([V(v) for v in row]) for row in self.X]
        losses = [relu(1.0 + -yi * s) for yi, s in zip(self.y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum(p * p for p in self.params)
        return data_loss + reg_loss

    __call__ = DemoStep.__call__


class PlainReferenceGradient:
    """The reference network in plain ops (M=3, H=4, sigmoid hidden and output, BCE written out as
    -(y*log(yh) + (1-y)*log(1-yh))): forward + backward for each datapoint, inputs wrapped in Value."""

    def __init__(self, E, n=20, M=3, H=4):
        self.E = E
        self.sigmoid, self.log = E.plain("sigmoid"), E.plain("log")  # micrograd: NotImplementedError
        V = E.plain_value
        P = ReferenceProblem.random(M, H, seed=0, batch=n)
        self.W1 = [[V(w) for w in row] for row in P.W1.tolist()]
        self.b1 = [V(b) for b in P.b1.tolist()]
        self.W2 = [V(w) for w in P.W2[0].tolist()]
        self.b2 = V(float(P.b2))
        self.X = P.x.tolist()
        self.y = P.y.tolist()

    def __call__(self):
        E, V, sigmoid, log = self.E, self.E.plain_value, self.sigmoid, self.log
        total = 0.0
        for row, y in zip(self.X, self.y):
            x = [V(v) for v in row]
            h = [sigmoid(plain_neuron(ws, x, b)) for ws, b in zip(self.W1, self.b1)]
            yh = sigmoid(plain_neuron(self.W2, h, self.b2))
            L = -(y * log(yh) + (1.0 - y) * log(1.0 - yh))
            if E.has_backward:
                E.backward(L)
            total += E.data(L)
        return total


def plain_chain(E, n):
    """n recorded ops: n/2 steps of v = v * 1.0 + x (a number times a value, plus a leaf)."""
    V = E.plain_value
    x, v = V(0.5), V(1.0)
    for _ in range(n // 2):
        v = v * 1.0 + x
    return v
