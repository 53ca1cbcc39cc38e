"""microgr810: a tiny scalar autograd engine for learning and teaching backprop."""

from .engine import Value, add_n, linear, topological_order
from .draw import draw  # noqa: F401

__all__ = ["Value", "add_n", "linear", "topological_order"]
__version__ = "0.1.0"
