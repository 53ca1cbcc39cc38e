"""microgr810: a tiny scalar autograd engine for learning and teaching backprop.

The folders are the layers, each importing only the ones before it:
    core/      Value and its ops (engine.py), the op table, grad/hessian, nn, losses, optim, datasets
    adapters/  saving models, the PyTorch bridge (beside the core; the core never imports them)
    notation/  node names, text and LaTeX writing, escaping, the one expression reader
    teaching/  trace, explain, derive, grade, quiz, the classic bugs, the reference problem
    pictures/  draw, the circuit, the stepper, the widget, animate, plots
    command/   the `microgr810` command: it parses arguments and calls the layers above

`import microgr810` loads the core only; every other name loads its layer when first used.
"""

from __future__ import annotations

import importlib
import sys
from importlib.machinery import ModuleSpec
from typing import Any

from .adapters import attach
from .core import losses, nn, optim
from .core.autodiff import grad, hessian
from .core.engine import Value, add_n, linear, topological_order
from .core.ops import OPS

attach(nn.MLP)  # MLP.save/load/to_torch/from_torch: adapters beside the core, loaded when called

__version__ = "0.3.0"

# name -> (module, attribute or None for the module itself): loaded on first use (PEP 562)
_LAZY: dict[str, tuple[str, str | None]] = {
    "draw": ("pictures.draw", "draw"),
    "animate": ("pictures.animate", "animate"),
    "stepper": ("pictures.stepper", "stepper"),
    "widget": ("pictures.widget", "widget"),
    "staged_code": ("teaching.staged", "staged_code"),
    "trace_backward": ("teaching.trace", "trace_backward"),
    "explain": ("teaching.explain", "explain"),
    "derive": ("teaching.derive", "derive"),
    "check_formula": ("teaching.grade", "check_formula"),
    "check_gradients": ("teaching.ninja", "check_gradients"),
    "matrices": ("teaching.matrices", "matrices"),
    "closed_form": ("teaching.closed_form", None),
    "misconceptions": ("teaching.misconceptions", None),
    "reference": ("teaching.reference", None),
    "data": ("core.data", None),
}

__all__ = ["Value", "add_n", "linear", "topological_order", "grad", "hessian", "OPS", "nn", "losses", "optim"]
__all__ += list(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _MOVED and name not in _LAZY:  # microgr810.names and the like: the module at its new home
        return importlib.import_module(f"{__name__}.{_MOVED[name]}")
    if name not in _LAZY:
        raise AttributeError(f"module 'microgr810' has no attribute {name!r}")
    module, attribute = _LAZY[name]
    found = importlib.import_module(f"{__name__}.{module}")
    value = found if attribute is None else getattr(found, attribute)
    globals()[name] = value  # the next use is a plain lookup
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


# Import paths from before the layers (`microgr810.engine`, `microgr810.reference`, ...) name the same
# module objects as their new homes, so notebooks and scripts written against them keep working.
# Not aliased: modules named like the function they hold (draw, derive, ...): `microgr810.derive` is the function.
_MOVED = {
    "engine": "core.engine",
    "ops": "core.ops",
    "autodiff": "core.autodiff",
    "nn": "core.nn",
    "losses": "core.losses",
    "optim": "core.optim",
    "data": "core.data",
    "train": "core.train",
    "serialize": "adapters.serialize",
    "torch_bridge": "adapters.torch_bridge",
    "names": "notation.names",
    "formula": "notation.formula",
    "symbolic": "notation.symbolic",
    "trace": "teaching.trace",
    "grade": "teaching.grade",
    "quiz": "teaching.quiz",
    "misconceptions": "teaching.misconceptions",
    "reference": "teaching.reference",
    "closed_form": "teaching.closed_form",
    "gradcheck": "teaching.gradcheck",
    "graphs": "teaching.graphs",
    "staged": "teaching.staged",
    "views": "pictures.views",
    "plots": "pictures.plots",
    "colours": "pictures.colours",
    "circuit": "pictures.circuit",
    "cli": "command.cli",
}


class _MovedModules:
    """Finds `microgr810.<old name>` and hands back the module at its new home (the same object)."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        package, _, old = fullname.rpartition(".")
        if package != __name__ or old not in _MOVED:
            return None
        return ModuleSpec(fullname, self)  # type: ignore[arg-type]  # a loader by its two methods

    def create_module(self, spec: Any) -> Any:
        return importlib.import_module(f"{__name__}.{_MOVED[spec.name.rpartition('.')[2]]}")

    def exec_module(self, module: Any) -> None:
        pass  # already executed at its new home


if not any(isinstance(f, _MovedModules) for f in sys.meta_path):
    sys.meta_path.append(_MovedModules())
