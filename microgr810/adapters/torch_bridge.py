"""PyTorch interop: an MLP as a torch.nn.Module and back, and a microgr810 graph as a torch autograd function.

torch is imported only when one of these is called; the rest of microgr810 never needs it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ..core.autodiff import grad
from ..core.engine import Value, add_n
from ..core.nn import MLP

__all__ = ["to_torch", "from_torch", "as_torch_function", "torch_gradients"]

# microgr810's activation names and the torch.nn modules that compute the same function
_MODULES = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid"}


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError("the PyTorch bridge needs PyTorch: pip install 'microgr810[torch]'") from None
    return torch


@functools.cache
def _mlp_module() -> Any:
    """The nn.Module class to_torch builds (made on first use, so importing this file needs no torch)."""
    Module: Any = _torch().nn.Module

    class MLPModule(Module):
        """An MLP's Linear and activation layers; a one-neuron output is squeezed to a scalar, as MLP does."""

        def __init__(self, layers: Any, scalar: bool) -> None:
            super().__init__()
            self.layers = layers
            self.scalar = scalar

        def forward(self, x: Any) -> Any:
            y = self.layers(x)
            return y.squeeze(-1) if self.scalar else y

    return MLPModule


def to_torch(net: MLP, dtype: Any = None) -> Any:
    """`net` as a torch.nn.Module with the same weights and activations (dtype: float64 unless given).

    It maps x of shape (M,) or (N, M) to what net(x) gives: a scalar (or N of them) for a one-neuron
    output layer, else the outputs along the last axis.
    """
    torch = _torch()
    dtype = torch.float64 if dtype is None else dtype
    arrays = net.arrays()
    modules = []
    for layer in net.layers:
        nout, nin = len(layer.neurons), len(layer.neurons[0].w)
        linear = torch.nn.Linear(nin, nout, dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.as_tensor(arrays[f"W{layer.index}"], dtype=dtype))
            linear.bias.copy_(torch.as_tensor(arrays[f"b{layer.index}"].reshape(nout), dtype=dtype))
        modules.append(linear)
        activation = layer.neurons[0].activation
        if activation in _MODULES:
            modules.append(getattr(torch.nn, _MODULES[activation])())
    return _mlp_module()(torch.nn.Sequential(*modules), net.layers[-1].scalar)


def from_torch(module: Any) -> MLP:
    """An MLP with the weights of `module`: what to_torch builds, or an nn.Sequential of Linear layers, each
    followed by at most one ReLU, Tanh, Sigmoid or Identity (the hidden layers all with the same one)."""
    torch = _torch()
    seq = module.layers if isinstance(module, _mlp_module()) else module
    if not isinstance(seq, torch.nn.Sequential):
        raise TypeError(f"from_torch: expected an nn.Sequential or what to_torch builds, got {type(module).__name__}")
    names = {getattr(torch.nn, cls): name for name, cls in _MODULES.items()}
    linears: list[Any] = []
    activations: list[str | None] = []
    for i, m in enumerate(seq):
        if isinstance(m, torch.nn.Linear):
            if m.bias is None:
                raise ValueError(f"from_torch: module {i} (Linear) has no bias; every microgr810 neuron has one")
            if linears and m.in_features != linears[-1].out_features:
                raise ValueError(
                    f"from_torch: module {i} takes {m.in_features} inputs after a layer of {linears[-1].out_features}"
                )
            linears.append(m)
            activations.append(None)
        elif linears and activations[-1] is None and (type(m) in names or isinstance(m, torch.nn.Identity)):
            activations[-1] = names.get(type(m))
        else:
            raise ValueError(
                f"from_torch: module {i} ({type(m).__name__}) is not a Linear layer or one "
                f"activation (ReLU, Tanh, Sigmoid, Identity) after one"
            )
    if not linears:
        raise ValueError("from_torch: the module has no Linear layer")
    hidden = set(activations[:-1])
    if len(hidden) > 1:
        raise ValueError(
            f"from_torch: the hidden layers use different activations {sorted(map(str, hidden))}; "
            f"an MLP has one for all of them"
        )
    net = MLP(
        linears[0].in_features, [m.out_features for m in linears], activations[0] if hidden else "relu", activations[-1]
    )
    net.set_arrays(
        {
            name: block
            for l, m in enumerate(linears, 1)
            for name, block in (
                (f"W{l}", m.weight.detach().cpu().double().numpy()),
                (f"b{l}", m.bias.detach().cpu().double().numpy()),
            )
        }
    )
    return net


def as_torch_function(f: Callable[..., Value]) -> Callable[..., Any]:
    """A torch function of scalar tensors that builds and runs f's microgr810 graph.

    `f(*values) -> Value` takes one Value per argument. The returned function takes one single-element
    tensor per argument and returns a 0-d tensor; its gradient is microgr810's (`microgr810.grad`),
    and that gradient is differentiable once more (a Hessian-vector product, again by `grad`), so
    torch.autograd.gradcheck and gradgradcheck both apply.
    """
    torch = _torch()
    _Forward, _ = _functions()

    def call(*xs: Any) -> Any:
        for i, x in enumerate(xs):
            if not isinstance(x, torch.Tensor) or x.numel() != 1:
                shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
                name = getattr(f, "__name__", "f")
                raise TypeError(f"{name}: argument {i} must be a one-element tensor, got {shape}")
        return _Forward.apply(f, *xs)

    return call


def _run(f: Callable[..., Value], xs: tuple[Any, ...]) -> tuple[list[Value], Value]:
    """Leaves holding the tensors' numbers, and f's output built on them."""
    leaves = [Value(float(x.detach().reshape(()).item())) for x in xs]
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"{getattr(f, '__name__', 'f')} must return a Value, got {type(out).__name__}")
    return leaves, out


@functools.cache
def _functions() -> tuple[Any, Any]:
    """The two autograd Functions: f itself, and its gradient (whose own backward is a Hessian-vector product)."""
    torch = _torch()
    Function: Any = torch.autograd.Function

    def tensor(x: float, like: tuple[Any, ...]) -> Any:
        return torch.tensor(x, dtype=like[0].dtype if like else torch.float64)

    class _Forward(Function):
        @staticmethod
        def forward(ctx: Any, f: Callable[..., Value], *xs: Any) -> Any:
            ctx.f = f
            ctx.save_for_backward(*xs)
            return tensor(_run(f, xs)[1].data, xs)

        @staticmethod
        def backward(ctx: Any, g_out: Any) -> Any:
            # d f / d x_i as tensors that torch can differentiate again (through _Gradient's backward)
            grads = _Gradient.apply(ctx.f, *ctx.saved_tensors)
            return (None, *(g_out * g.reshape(x.shape) for g, x in zip(grads, ctx.saved_tensors)))

    class _Gradient(Function):
        @staticmethod
        def forward(ctx: Any, f: Callable[..., Value], *xs: Any) -> Any:
            ctx.f = f
            ctx.save_for_backward(*xs)
            leaves, out = _run(f, xs)
            return tuple(tensor(g.data, xs) for g in grad(out, leaves))

        @staticmethod
        @torch.autograd.function.once_differentiable
        def backward(ctx: Any, *v: Any) -> Any:
            # d/dx_j of sum_i v_i df/dx_i = (H v)_j: the gradient of a graph built by grad, by grad again
            leaves, out = _run(ctx.f, ctx.saved_tensors)
            dots = [d * float(vi) for d, vi in zip(grad(out, leaves), v) if float(vi) != 0.0]
            if not dots:
                return (None, *(torch.zeros_like(x) for x in ctx.saved_tensors))
            hv = grad(add_n(dots), leaves)
            return (None, *(tensor(h.data, ctx.saved_tensors).reshape(x.shape) for h, x in zip(hv, ctx.saved_tensors)))

    return _Forward, _Gradient


def torch_gradients(net: MLP, X: Any, y: Any, loss: str = "bce") -> dict[str, Any] | None:
    """∂L/∂(each weight block) by PyTorch for the mean loss of `net` over the rows of X (None without torch).

    The network is the one `to_torch` builds; loss "bce" (of a probability output) or "mse".
    """
    try:
        torch = _torch()
    except ImportError:
        return None
    import numpy as np

    module = to_torch(net)
    out = module(torch.as_tensor(np.asarray(X, dtype=float), dtype=torch.float64))
    target = torch.as_tensor(np.asarray(y, dtype=float).reshape(out.shape), dtype=torch.float64)
    if loss == "bce":
        value = torch.nn.functional.binary_cross_entropy(out, target)
    else:
        value = ((out - target) ** 2).mean()
    value.backward()
    grads = {}
    for l, linear in enumerate((m for m in module.layers if isinstance(m, torch.nn.Linear)), 1):
        grads[f"W{l}"] = linear.weight.grad.numpy()
        grads[f"b{l}"] = linear.bias.grad.numpy().reshape(np.shape(net.arrays()[f"b{l}"]))
    return grads
