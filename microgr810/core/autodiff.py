"""Gradients as graphs: d output / d input built from the ops' rules, so they can be differentiated again.

`backward()` fills `.grad` with numbers. `grad()` runs the same reverse sweep, but each local derivative
is the op's rule evaluated on Values (`VALUE_MATH`), so every product and sum is itself recorded:
`dfdx, = grad(f, [x]); d2fdx2, = grad(dfdx, [x])`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np


from .engine import VALUE_MATH, Value, add_n, topological_order
from .ops import OPS

__all__ = ["grad", "hessian"]


def grad(output: Value, inputs: Sequence[Value]) -> list[Value]:
    """d output / d x for each x in inputs, as new Values (their .data is what backward() gives).

    No `.grad` is touched. An input the output does not depend on gets Value(0.0).
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad: output must be a Value, got {type(output).__name__}: {output!r:.80}")
    inputs = list(inputs)
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"grad: input {i} must be a Value, got {type(x).__name__}: {x!r:.80}")
    # each node's incoming contributions, summed once all of them are in (its users come first)
    parts: dict[Value, list[Any]] = {output: [1.0]}
    for node in reversed(topological_order(output)):
        adjoint = _total(parts.pop(node, []))
        if node.op:
            rules = OPS[node.op].rule(VALUE_MATH, *node.operands, out=node)
            for operand, local in zip(node.operands, rules):
                if local is not None:
                    parts.setdefault(operand, []).append(adjoint * local)
        parts[node] = [adjoint]  # kept: an input may be an interior node
    return [_as_value(parts[x][0]) if x in parts else Value(0.0) for x in inputs]


def _total(terms: list[Any]) -> Any:
    """The sum of a node's contributions: one node for many terms, a number stays a number."""
    values = [t for t in terms if type(t) is Value]
    number = sum(t for t in terms if type(t) is not Value)
    if not values:
        return number
    if len(values) == 1 and number == 0.0:
        return values[0]
    return add_n(values + ([number] if number != 0.0 else []))


def _as_value(x: Any) -> Value:
    return x if type(x) is Value else Value(float(x))


def hessian(output: Value, inputs: Sequence[Value]) -> np.ndarray:
    """The matrix of second derivatives d2 output / d x_i d x_j, as a numpy array (n x n)."""
    inputs = list(inputs)
    first = grad(output, inputs)
    import numpy as np  # only here: `import microgr810` does not load numpy

    return np.array([[g.data for g in grad(d, inputs)] for d in first], dtype=float).reshape(len(inputs), len(inputs))
