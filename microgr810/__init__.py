"""microgr810: a tiny scalar autograd engine for learning and teaching backprop."""

from .animate import animate
from .autodiff import grad, hessian
from .draw import draw
from .engine import Value, add_n, linear, topological_order
from .explain import explain
from .ops import OPS
from .stepper import stepper
from .trace import trace_backward

__all__ = [
    "Value",
    "add_n",
    "linear",
    "topological_order",
    "grad",
    "hessian",
    "OPS",
    "draw",
    "animate",
    "trace_backward",
    "explain",
    "stepper",
    "check_formula",
]
__version__ = "0.2.0"


def __getattr__(name: str):
    # the symbolic tools import sympy (slow to load): only when first used, e.g. microgr810.check_formula
    if name == "check_formula":
        from .grade import check_formula

        return check_formula
    raise AttributeError(f"module 'microgr810' has no attribute {name!r}")
