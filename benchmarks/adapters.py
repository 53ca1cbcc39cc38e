"""One thin adapter per engine, so every workload runs the same Python code on each.

Two kinds of workload use them (workloads.py):
- plain ops: the workload's own code, written as a user writes it with `Value(...)`, `+ - * / **`,
  relu/sigmoid/log and `backward()`. An adapter only says what `Value(...)` is (`plain_value`) and
  which function applies a unary op (`plain(name)`: the engine's own unbound method, e.g.
  `microgr810.Value.relu`, `torch.Tensor.sigmoid`), plus zero_grad/SGD on a parameter list.
- fused: each library's own model code. microgr810 uses its MLP (one fused `linear` node per
  neuron: that is the library's design), micrograd its own MLP, torch and floats the generic
  neuron sum(w_i * x_i) + b as scalar ops.
"""

from __future__ import annotations

import math


def _float_relu(v):
    return v if v > 0.0 else 0.0  # noqa: FURB136 (faster than max; as Floats.relu)


def _float_sigmoid(v):
    return 1.0 / (1.0 + math.exp(-v)) if v >= 0.0 else math.exp(v) / (1.0 + math.exp(v))


class Floats:
    """Plain Python floats: the forward pass only, the floor every engine is compared with."""

    name = "floats"
    has_backward = False
    version = "-"
    plain_value = float

    def plain(self, op):
        """The function that applies unary op `op` to a plain-ops value."""
        return {"relu": _float_relu, "sigmoid": _float_sigmoid, "log": math.log}[op]

    def leaf(self, x):
        return float(x)

    def inputs(self, row):
        return [float(v) for v in row]

    def linear(self, w, x, b):
        return sum((wi * xi for wi, xi in zip(w, x)), b)

    def total(self, vs):
        return sum(vs)

    def relu(self, v):
        return v if v > 0.0 else 0.0

    def tanh(self, v):
        return math.tanh(v)

    def sigmoid(self, v):
        return 1.0 / (1.0 + math.exp(-v))

    def bce(self, y_hat, y):
        return -(y * math.log(y_hat) + (1.0 - y) * math.log(1.0 - y_hat))

    def mlp(self, blocks, act, out_act):
        """A forward function over `blocks` = [(W, b), ...] (lists of floats) and its parameters."""
        layers = [([[self.leaf(v) for v in row] for row in W], [self.leaf(v) for v in b]) for W, b in blocks]
        acts = [act] * (len(layers) - 1) + [out_act]

        def forward(x):
            for (W, b), f in zip(layers, acts):
                x = [self.linear(w, x, bh) for w, bh in zip(W, b)]
                if f is not None:
                    x = [getattr(self, f)(v) for v in x]
            return x[0] if len(x) == 1 else x

        return forward, [p for W, b in layers for p in (*(v for row in W for v in row), *b)]

    def data(self, v):
        return v

    def backward(self, loss):
        raise NotImplementedError


class Microgr810(Floats):
    name = "microgr810"
    has_backward = True

    def __init__(self):
        import microgr810
        from microgr810 import add_n, engine, losses, nn

        self.Value, self.add_n, self.nn, self.losses = engine.Value, add_n, nn, losses
        self.version = getattr(microgr810, "__version__", "?")
        self.plain_value = engine.Value

    def plain(self, op):
        return getattr(self.Value, op)  # Value.relu(v) is v.relu()

    def leaf(self, x):
        return self.Value(x)

    def inputs(self, row):
        return [float(v) for v in row]  # the MLP makes the labelled input leaves itself

    def total(self, vs):
        return self.add_n(vs)

    def relu(self, v):
        return v.relu()

    def tanh(self, v):
        return v.tanh()

    def sigmoid(self, v):
        return v.sigmoid()

    def bce(self, y_hat, y):
        return self.losses.bce(y_hat, y)

    def mlp(self, blocks, act, out_act):
        import numpy as np

        net = self.nn.MLP(len(blocks[0][0][0]), [len(W) for W, _ in blocks], act, out_act)
        arrays = {}
        for l, (W, b) in enumerate(blocks, 1):
            arrays[f"W{l}"] = np.array(W, dtype=float)
            arrays[f"b{l}"] = np.array(b, dtype=float).reshape(net.shapes()[f"b{l}"])
        net.set_arrays(arrays)
        return net, net.parameters()

    def data(self, v):
        return v.data

    def backward(self, loss):
        loss.backward()

    def zero_grad(self, params):
        for p in params:
            p.grad = 0.0

    def sgd(self, params, lr):
        for p in params:
            p.data -= lr * p.grad


class Micrograd(Microgr810):
    name = "micrograd"

    def __init__(self):
        import importlib.metadata

        from micrograd import engine, nn

        self.Value, self.nn = engine.Value, nn
        self.version = importlib.metadata.version("micrograd")
        self.plain_value = engine.Value

    def plain(self, op):
        if not hasattr(self.Value, op):
            raise NotImplementedError(f"micrograd 0.1.0 has no {op}")
        return getattr(self.Value, op)

    def inputs(self, row):
        return [self.Value(float(v)) for v in row]  # as micrograd's demo notebook does

    def total(self, vs):
        return sum(vs)

    def linear(self, w, x, b):
        return Floats.linear(self, w, x, b)

    def tanh(self, v):
        raise NotImplementedError("micrograd 0.1.0 has no tanh")

    sigmoid = bce = tanh

    def mlp(self, blocks, act, out_act):
        if act != "relu" or out_act is not None:
            raise NotImplementedError("micrograd 0.1.0's MLP is relu with a linear output only")
        net = self.nn.MLP(len(blocks[0][0][0]), [len(W) for W, _ in blocks])
        for layer, (W, b) in zip(net.layers, blocks):
            for n, row, bh in zip(layer.neurons, W, b):
                for p, v in zip(n.w, row):
                    p.data = float(v)
                n.b.data = float(bh)
        return net, net.parameters()


class Torch(Microgr810):
    """PyTorch autograd on 0-d float64 tensors, one thread: the same scalar graph, op by op."""

    name = "torch"

    def __init__(self):
        import torch

        torch.set_num_threads(1)
        self.torch = torch
        self.version = torch.__version__
        f64 = torch.float64

        def plain_value(x):  # one 0-d float64 leaf per scalar, as a user would write it
            return torch.tensor(x, dtype=f64, requires_grad=True)

        self.plain_value = plain_value

    def plain(self, op):
        return getattr(self.torch.Tensor, op)  # Tensor.relu(t) is t.relu()

    def leaf(self, x):
        return self.torch.tensor(float(x), dtype=self.torch.float64, requires_grad=True)

    def total(self, vs):
        return sum(vs)

    def linear(self, w, x, b):
        return Floats.linear(self, w, x, b)

    def relu(self, v):
        return self.torch.relu(v)

    def tanh(self, v):
        return self.torch.tanh(v)

    def sigmoid(self, v):
        return self.torch.sigmoid(v)

    def bce(self, y_hat, y):
        return self.torch.nn.functional.binary_cross_entropy(
            y_hat, self.torch.tensor(float(y), dtype=self.torch.float64)
        )

    def mlp(self, blocks, act, out_act):
        return Floats.mlp(self, blocks, act, out_act)

    def data(self, v):
        return v.item()

    def zero_grad(self, params):
        for p in params:
            p.grad = None

    def sgd(self, params, lr):
        with self.torch.no_grad():
            for p in params:
                p -= lr * p.grad


ENGINES = {"microgr810": Microgr810, "micrograd": Micrograd, "torch": Torch, "floats": Floats}


def load(name):
    """The adapter for `name`, or None when its package is not installed."""
    try:
        return ENGINES[name]()
    except ImportError:
        return None
