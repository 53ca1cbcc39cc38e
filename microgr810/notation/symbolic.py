"""The op table's rules in sympy: each op's forward and local derivatives as exact expressions.

Imported only when symbolic work is asked for (derive, the formula checker, the op-table tests), so
`import microgr810` stays light.
"""

from __future__ import annotations

from typing import Any

import sympy

from ..core.ops import by_rule

__all__ = ["SYMPY_MATH"]


class _SympyMath:
    """Rules on sympy expressions; an op added later (sin, cos) is found in sympy by its name."""

    @staticmethod
    def sigmoid(a: Any) -> Any:
        return 1 / (1 + sympy.exp(-a))

    @staticmethod
    def relu(a: Any) -> Any:
        return sympy.Max(0, a)

    @staticmethod
    def step(a: Any) -> Any:
        return sympy.Heaviside(a, 0)  # 0 at 0, as the engine's relu

    def __getattr__(self, name: str) -> Any:  # sympy's function of that name, or the op's own rule
        found = getattr(sympy, name, None)
        return found if found is not None else by_rule(self, name)


SYMPY_MATH = _SympyMath()
