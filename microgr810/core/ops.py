"""The op table: what every op is, defined once, beside the code that computes it (core/engine.py).

An entry is made by the `entry(...)` decorator on the method (or function) that computes the op's value
and its local derivatives as numbers. The entry holds the same op written with generic arithmetic:
- `forward(m, *operands)`: the op's value;
- `d(m, i, *operands, out=...)`: d out / d operand i.
`m` is a namespace of functions (exp, log, tanh, sigmoid, relu, step, ...) for one algebra, so one rule
builds floats (`FLOAT_MATH`), Values (`engine.VALUE_MATH`, for gradients of gradients), sympy expressions
(`notation.symbolic`) and text (`notation.text`, for trace, draw and explain).

Operands are the op's arguments in order, numbers included: `x * 2` has operands (x, 2.0); a number
is part of its op, not a node (it gets no gradient and backward never visits it).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

__all__ = ["Op", "OPS", "entry", "FLOAT_MATH", "activations", "calls", "is_number", "by_rule"]

OPS: dict[str, Op] = {}


class Op(NamedTuple):
    """One op: its name, how many operands (None: any number), its forward and its local-derivative rule."""

    name: str
    arity: int | None
    forward: Callable[..., Any]
    d: Callable[..., Any]
    target: int | None = None  # the operand that is a data target (a loss's y): derivations name it y
    write: Callable[..., Any] | None = None  # how the op reads, where `forward` would read badly (linear)
    symbol: str | None = None  # how a call to it is written in text (sigmoid: σ, log: ln); default: the name
    latex: str | None = None  # ... and in LaTeX (sigmoid: \sigma); default \name or \operatorname{name}
    activation: bool = False  # a unary op a neuron may apply (nn, the command's --activation, closed forms)
    apply: Callable[..., Any] | None = None  # the function the entry decorates: it builds the op's node

    def rule(self, m: Any, *operands: Any, out: Any, slots: Any = None) -> tuple:
        """d out / d operand for each operand, in `m`'s algebra; None where the operand is a number
        (or, given `slots`, where its index is not in slots: in the float algebra everything is a number)."""
        return tuple(
            self.d(m, i, *operands, out=out) if (i in slots if slots is not None else not is_number(x)) else None
            for i, x in enumerate(operands)
        )


def entry(
    name: str,
    *,
    arity: int | None,
    forward: Callable[..., Any],
    d: Callable[..., Any],
    target: int | None = None,
    write: Callable[..., Any] | None = None,
    symbol: str | None = None,
    latex: str | None = None,
    activation: bool = False,
) -> Callable:
    """Register an op in OPS; the decorated function is returned unchanged (no cost per call)."""
    if name in OPS:
        raise ValueError(f"op {name!r} is defined twice")
    OPS[name] = Op(name, arity, forward, d, target, write, symbol, latex, activation)

    def register(f: Callable) -> Callable:
        OPS[name] = OPS[name]._replace(apply=f)
        return f

    return register


def is_number(x: object) -> bool:
    """A plain number (not a bool): part of an op, never a node."""
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def activations() -> tuple[str, ...]:
    """The names of the ops a neuron may apply: the unary ops marked `activation=True`."""
    return tuple(name for name, op in OPS.items() if op.activation)


def calls() -> tuple[str, ...]:
    """The functions a formula or an expression may call: every unary op of the table."""
    return tuple(name for name, op in OPS.items() if op.arity == 1 and name.isidentifier())


class _Floats:
    """Rules on floats: to check the engine's numeric local derivatives against them."""

    exp, log, tanh = staticmethod(math.exp), staticmethod(math.log), staticmethod(math.tanh)

    @staticmethod
    def sigmoid(a: float) -> float:
        return 1.0 / (1.0 + math.exp(-a)) if a >= 0 else math.exp(a) / (1.0 + math.exp(a))

    @staticmethod
    def relu(a: float) -> float:
        return max(a, 0.0)

    @staticmethod
    def step(a: float) -> float:
        return 1.0 if a > 0 else 0.0

    def __getattr__(self, name: str) -> Any:  # an op added later: math's function of that name, or its own rule
        found = getattr(math, name, None)
        return found if found is not None else by_rule(self, name)


def by_rule(m: Any, name: str) -> Callable[[Any], Any]:
    """The unary op `name` in the algebra m when m has no function of that name: its own forward rule."""
    op = OPS.get(name)
    if op is None or op.arity != 1:
        raise AttributeError(f"no function {name!r}: not a unary op of the op table")
    return lambda a: op.forward(m, a)


FLOAT_MATH = _Floats()
