"""Neurons, layers and the MLP, built from `Value` nodes and labelled in the math's notation.

Layer l (1-based) holds W{l}[h,m] and b{l}[h]; its forward pass labels a{l}[h] = W{l}[h]·x + b{l}[h]
and z{l}[h] = activation(a{l}[h]). A one-neuron output layer drops the [h]: a2, z2, b2 (scalars, as in
the derivation; W2[0,h] keeps numpy's 1×H shape). For the reference network
MLP(M, [H, 1], "sigmoid", "sigmoid") that is exactly W1, b1, a1, z1, W2, b2, a2, z2 = y_hat of docs/derivation.md.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np


from .checks import whole_number
from .engine import Number, Value, linear
from .ops import OPS, activations

__all__ = ["Module", "Neuron", "Layer", "MLP", "activation_names"]


def activation_names() -> tuple[str | None, ...]:
    """What a neuron may apply: the op table's activations (relu, tanh, sigmoid, ...), or none ("linear", None)."""
    return (*activations(), "linear", None)


def _check_activation(activation: object) -> None:
    if not (activation is None or isinstance(activation, str)) or activation not in activation_names():
        shown = ", ".join(map(str, activation_names()))
        raise ValueError(f"unknown activation {activation!r}; choose one of {shown}")


class Module:
    """What every model part has: its `parameters()` and `zero_grad()`."""

    def parameters(self) -> list[Value]:
        return []

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    """z = activation(w·x + b): one `linear` node, then the activation's node."""

    def __init__(
        self,
        nin: int,
        activation: str | None = "relu",
        *,
        layer: int = 1,
        index: int | None = None,
        rng: random.Random | None = None,
    ) -> None:
        _check_activation(activation)
        nin = whole_number("nin", nin, where=f"neuron a{layer}{'' if index is None else f'[{index}]'}: ")
        rng = rng or random.Random()
        row = "0" if index is None else str(index)
        sub = "" if index is None else f"[{index}]"
        # fan-in scaled so activations keep their size layer after layer: variance 2/nin for relu
        # (He), 1/nin otherwise (LeCun); U(-c, c) has variance c^2/3
        bound = ((6.0 if activation == "relu" else 3.0) / nin) ** 0.5
        self.w = [Value(rng.uniform(-bound, bound), f"W{layer}[{row},{m}]") for m in range(nin)]
        self.b = Value(0.0, f"b{layer}{sub}")
        self.activation = activation
        self._act = None if activation in ("linear", None) else OPS[activation].apply
        self._a_label = f"a{layer}{sub}"
        self._z_label = f"z{layer}{sub}"

    def __call__(self, x: Sequence[Value | Number]) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"neuron {self._a_label} takes {len(self.w)} inputs, got {len(x)}")
        a = linear(self.w, x, self.b, self._a_label)
        if self._act is None:
            return a
        z = self._act(a)
        z.label = self._z_label
        return z

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)}, {self.activation!r})"


class Layer(Module):
    """nout neurons side by side; always returns a list, even of one."""

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str | None = "relu",
        *,
        layer: int = 1,
        scalar: bool = False,
        rng: random.Random | None = None,
    ) -> None:
        nin = whole_number("nin", nin, where=f"layer {layer}: ")
        nout = whole_number("nout", nout, where=f"layer {layer}: ")
        if scalar and nout != 1:
            raise ValueError(f"layer {layer}: only a one-neuron layer can be scalar, this one has {nout}")
        self.index = layer
        self.scalar = scalar  # a one-neuron output: labels and bias without [h], as b2, a2, z2
        self.neurons = [Neuron(nin, activation, layer=layer, index=None if scalar else h, rng=rng) for h in range(nout)]

    def __call__(self, x: Sequence[Value | Number]) -> list[Value]:
        return [n(x) for n in self.neurons]

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer({len(self.neurons[0].w)}, {len(self.neurons)}, {self.neurons[0].activation!r})"


class MLP(Module):
    """Layers of sizes nouts after an input of size nin.

    Hidden layers use `activation`, the last one `output_activation` (None: linear).
    Calling it returns a single Value when the last layer has one neuron, else a list.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str | None = "relu",
        output_activation: str | None = None,
        *,
        seed: int | None = None,
    ) -> None:
        nin = whole_number("nin", nin)
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence):
            raise TypeError(f"nouts must be a list of layer sizes, got {type(nouts).__name__}: {nouts!r:.80}")
        _check_activation(activation)
        _check_activation(output_activation)
        if len(nouts) == 0:
            raise ValueError("nouts must name at least one layer size")
        rng = random.Random(seed)
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                activation if i < last else output_activation,
                layer=i + 1,
                scalar=i == last and sizes[i + 1] == 1,
                rng=rng,
            )
            for i in range(len(nouts))
        ]
        self.nin = nin

    def __call__(self, x: Sequence[Value | Number]) -> Value | list[Value]:
        out = self.outputs(x)
        return out[0] if len(out) == 1 else out

    def outputs(self, x: Sequence[Value | Number]) -> list[Value]:
        """The last layer's outputs as a list, even of one: `__call__` without the union type."""
        if len(x) != self.nin:
            raise ValueError(f"the MLP takes {self.nin} inputs, got {len(x)}")
        # raw numbers become labelled input leaves, so drawings and traces can name x[m]
        out: list[Value] = [xi if isinstance(xi, Value) else Value(xi, f"x[{m}]") for m, xi in enumerate(x)]
        for layer in self.layers:
            out = layer(out)
        return out

    def scalar(self, x: Sequence[Value | Number]) -> Value:
        """The output of a network whose last layer has one neuron, typed as a Value."""
        out = self.outputs(x)
        if len(out) != 1:
            raise ValueError(f"scalar() needs a one-neuron output layer; this MLP has {len(out)} outputs")
        return out[0]

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(map(repr, self.layers))}]"

    # -- numpy interop: W{l} is nout×nin, b{l} is nout (a scalar for a one-neuron layer) ---------

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """The array shape of every parameter block, by name: W1, b1, W2, b2, ..."""
        out: dict[str, tuple[int, ...]] = {}
        for layer in self.layers:
            nout, nin = len(layer.neurons), len(layer.neurons[0].w)
            out[f"W{layer.index}"] = (nout, nin)
            out[f"b{layer.index}"] = () if layer.scalar else (nout,)
        return out

    def _blocks(self, attr: str) -> dict[str, np.ndarray]:
        import numpy as np  # only when arrays are asked for: `import microgr810` stays light

        out = {}
        for layer in self.layers:
            W = np.array([[getattr(w, attr) for w in n.w] for n in layer.neurons], dtype=float)
            b = np.array([getattr(n.b, attr) for n in layer.neurons], dtype=float)
            out[f"W{layer.index}"] = W
            out[f"b{layer.index}"] = b.reshape(()) if layer.scalar else b
        return out

    def arrays(self) -> dict[str, np.ndarray]:
        """The weights as numpy arrays, by name (W1, b1, W2, b2, ...)."""
        return self._blocks("data")

    def grad_arrays(self) -> dict[str, np.ndarray]:
        """The gradients as numpy arrays, with the weights' names and shapes."""
        return self._blocks("grad")

    def set_arrays(self, arrays: Mapping[str, Any] | None = None, **named: Any) -> MLP:
        """Load weights from numpy arrays by name: set_arrays(W1=..., b1=..., W2=..., b2=...).

        Every block must be given, with its exact shape (the scalar output bias may also be
        shape (1,)). Nothing changes unless every block fits.
        """
        import numpy as np

        given = {**(arrays or {}), **named}
        shapes = self.shapes()
        unknown = sorted(set(given) - set(shapes))
        missing = [k for k in shapes if k not in given]
        if unknown or missing:
            raise ValueError(f"set_arrays: expected exactly {list(shapes)}; missing {missing}, unknown {unknown}")
        checked = {}
        for name, shape in shapes.items():
            arr = np.asarray(given[name])
            if arr.dtype.kind not in "fiu":
                raise TypeError(f"set_arrays: {name} must hold real numbers, got dtype {arr.dtype}")
            if arr.shape != shape and not (shape == () and arr.shape == (1,)):
                raise ValueError(f"set_arrays: {name} must have shape {shape}, got {arr.shape}")
            checked[name] = arr.astype(float).reshape(shape)
        for layer in self.layers:
            W, b = checked[f"W{layer.index}"], checked[f"b{layer.index}"].reshape(-1)
            for h, n in enumerate(layer.neurons):
                for m, w in enumerate(n.w):
                    w.data = float(W[h, m])
                n.b.data = float(b[h])
        return self

    @classmethod
    def reference(cls, W1: Any, b1: Any, W2: Any, b2: Any) -> MLP:
        """The network of the reference derivation, y_hat = sigma(W2 sigma(W1 x + b1) + b2), from arrays."""
        import numpy as np

        W1 = np.asarray(W1)
        if W1.ndim != 2:
            raise ValueError(f"W1 must be a 2-D H×M array, got shape {W1.shape}")
        H, M = W1.shape
        return cls(M, [H, 1], "sigmoid", "sigmoid").set_arrays(W1=W1, b1=b1, W2=W2, b2=b2)

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """(label, parameter) pairs in `parameters()` order."""
        for p in self.parameters():
            yield p.label, p
