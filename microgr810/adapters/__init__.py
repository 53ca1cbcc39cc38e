"""Adapters beside the core: model files (serialize) and the PyTorch bridge (torch_bridge).

The core never imports them. `attach(MLP)`, called once by the package, gives `MLP` the convenience
methods `save`, `load`, `to_torch` and `from_torch`, each loading its adapter only when called.
"""

from __future__ import annotations

from typing import Any

__all__ = ["attach"]


def _save(self: Any, path: Any) -> None:
    """Write the network to `path` as JSON (exact floats, atomic replace)."""
    from .serialize import save

    save(self, path)


def _load(cls: Any, path: Any) -> Any:
    """A new network from a JSON file written by `save`; nothing half-loaded on a bad file."""
    from .serialize import load

    return load(path)


def _to_torch(self: Any, dtype: Any = None) -> Any:
    """This network as a torch.nn.Module with the same weights and activations (float64 unless dtype given)."""
    from .torch_bridge import to_torch

    return to_torch(self, dtype)


def _from_torch(cls: Any, module: Any) -> Any:
    """A network with the weights of a torch module: what to_torch builds, or an nn.Sequential of Linear
    layers each followed by at most one activation (ReLU, Tanh, Sigmoid, Identity)."""
    from .torch_bridge import from_torch

    return from_torch(module)


def attach(mlp: type) -> None:
    """Give the MLP class its file and PyTorch methods."""
    mlp.save = _save  # type: ignore[attr-defined]
    mlp.load = classmethod(_load)  # type: ignore[attr-defined]
    mlp.to_torch = _to_torch  # type: ignore[attr-defined]
    mlp.from_torch = classmethod(_from_torch)  # type: ignore[attr-defined]
