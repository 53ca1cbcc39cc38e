"""microgr810: a tiny scalar autograd engine for learning and teaching backprop."""

from .autodiff import grad, hessian
from .draw import draw
from .engine import Value, add_n, linear, topological_order
from .explain import explain
from .ops import OPS
from .stepper import stepper
from .trace import trace_backward

__all__ = ["Value", "add_n", "linear", "topological_order", "grad", "hessian", "OPS", "draw", "trace_backward",
           "explain", "stepper"]
__version__ = "0.2.0"
