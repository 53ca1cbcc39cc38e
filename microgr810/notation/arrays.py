"""The op table's rules on numpy arrays, elementwise: closed forms and the matrix checker compute with them."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.ops import by_rule

__all__ = ["ARRAY_MATH"]


class _Arrays:
    """The op table's rules on numpy arrays, elementwise (closed_form's backprop uses them too)."""

    @staticmethod
    def sigmoid(a: Any) -> Any:
        a = np.asarray(a, dtype=float)
        z = np.exp(-np.abs(a))  # no overflow for large |a|
        return np.where(a >= 0, 1.0 / (1.0 + z), z / (1.0 + z))

    @staticmethod
    def relu(a: Any) -> Any:
        return np.maximum(a, 0.0)

    @staticmethod
    def step(a: Any) -> Any:
        return (np.asarray(a) > 0).astype(float)

    def __getattr__(self, name: str) -> Any:  # numpy's function of that name, or the op's own rule
        found = getattr(np, name, None)
        return found if found is not None else by_rule(self, name)


ARRAY_MATH = _Arrays()
