"""The scalar autograd engine: a `Value` records each operation and backpropagates.

Design, in a few lines (each choice is what micrograd users asked for, or what made it fast):
- Every op computes its result and its local derivatives together, side by side, and stores
  them: `_prev` holds the inputs in order (a tuple, so drawings are deterministic) and
  `_local` holds d(out)/d(input) for each. Backward is then one rule for every op:
  `input.grad += local * out.grad`. No closure per node means no reference cycles: a graph
  is freed by reference counting the moment you drop it, and the cyclic GC has nothing to chase.
- `__slots__` keeps a node small (no per-node dict).
- The topological sort is an explicit stack, never recursion: a chain of a million ops works.
- Speed (measured in benchmarks/NOTES.md): backward visits only nodes with inputs, the cyclic GC is
  paused while a graph is walked, constant local-derivative tuples are shared, not rebuilt.
- `backward()` is idempotent on interior nodes (they hold exactly this call's gradient)
  while leaves accumulate across calls, as in PyTorch.
- Numbers mixed into an op become constant leaves (as in micrograd), so the graph shows them.
- Bad math raises: log of a non-positive value, division by zero, a negative base with a
  fractional exponent. Overflow gives inf and NaN propagates, as in PyTorch.
"""

from __future__ import annotations

import gc
import math
from contextlib import contextmanager
from numbers import Real
from operator import mul
from typing import Callable, Iterable, Sequence

__all__ = ["Value", "linear", "add_n", "topological_order"]

Number = float | int
# sigma'(a) is floored at the smallest normal float, reached only where sigma has saturated
# (|a| > ~708). The BCE loss divides by this slope and backward multiplies it back (losses.py):
# below the floor 1/slope overflows to inf and inf x 0 gives NaN; at a power of two the round trip
# is exact. The floor moves sigma' by less than 2.3e-308 (a trade for the loss, stated here).
SIGMOID_GRAD_FLOOR = 2.0**-1022
_ONE, _ZERO, _NAN = (1.0,), (0.0,), (math.nan,)  # shared local-derivative tuples (see relu)


def _to_float(x: object, what: str = "data") -> float:
    """A Python float from an int/float/numpy real; anything else is a TypeError."""
    if isinstance(x, bool) or not isinstance(x, Real):
        # numpy 0-d arrays and scalars of real dtype are fine; lists, strings, None, complex are not
        item = getattr(x, "item", None)
        if item is not None and getattr(x, "shape", None) == () and getattr(x, "dtype", None) is not None \
                and x.dtype.kind in "fiu":
            return float(item())
        raise TypeError(f"Value {what} must be a real number, got {type(x).__name__}: {x!r:.80}")
    return float(x)


class Value:
    """A scalar node: `data`, its gradient `grad` (dL/d this), and the op that made it."""

    __slots__ = ("data", "grad", "label", "_prev", "_local", "_op")

    def __init__(self, data: Number, label: str = "", _prev: tuple = (), _local: tuple = (),
                 _op: str = "") -> None:
        self.data = data if type(data) is float else _to_float(data)
        if label != "" and type(label) is not str:
            raise TypeError(f"Value label must be a str, got {type(label).__name__}: {label!r:.80}")
        self.grad = 0.0
        self.label = label
        self._prev = _prev      # the inputs of the op that made this node, in order
        self._local = _local    # d(self)/d(input) for each input, same order
        self._op = _op          # "" for a leaf, "const" for a number wrapped by an op

    def __repr__(self) -> str:
        name = f"label={self.label!r}, " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"

    def _name(self) -> str:
        """How error messages name this node."""
        return repr(self.label) if self.label else f"{self._op or 'leaf'} node with data {self.data!r}"

    # -- the ops: forward value and local derivative(s), side by side ----------------------

    def __add__(self, other: Value | Number) -> Value:
        """d(a+b)/da = 1, d(a+b)/db = 1"""
        other = other if type(other) is Value else _const(other)
        return Value(self.data + other.data, "", (self, other), (1.0, 1.0), "+")

    def __mul__(self, other: Value | Number) -> Value:
        """d(a*b)/da = b, d(a*b)/db = a"""
        other = other if type(other) is Value else _const(other)
        return Value(self.data * other.data, "", (self, other), (other.data, self.data), "*")

    def __sub__(self, other: Value | Number) -> Value:
        """d(a-b)/da = 1, d(a-b)/db = -1"""
        other = other if type(other) is Value else _const(other)
        return Value(self.data - other.data, "", (self, other), (1.0, -1.0), "-")

    def __truediv__(self, other: Value | Number) -> Value:
        """d(a/b)/da = 1/b, d(a/b)/db = -a/b^2"""
        other = other if type(other) is Value else _const(other)
        if other.data == 0.0:
            raise ZeroDivisionError(f"division by zero: the denominator {other._name()} is 0")
        inv = 1.0 / other.data
        return Value(self.data / other.data, "", (self, other), (inv, -self.data * inv * inv), "/")

    def __neg__(self) -> Value:
        """d(-a)/da = -1"""
        return Value(-self.data, "", (self,), (-1.0,), "neg")

    def __pow__(self, other: Value | Number) -> Value:
        """d(a^n)/da = n a^(n-1); with a Value exponent b also d(a^b)/db = a^b ln a"""
        a = self.data
        if isinstance(other, Value):
            b = other.data
            if a < 0.0:
                raise ValueError(f"power with a Value exponent needs a base >= 0 (d/db = a^b ln a), "
                                 f"but the base {self._name()} is {a!r}")
            out = _power(self, b)
            # a^b ln a -> 0 as a -> 0+ (for b > 0), so the exponent's local derivative is 0 there
            d_b = out * math.log(a) if a > 0.0 else math.nan if a != a else 0.0
            return Value(out, "", (self, other), (_power_slope(a, b), d_b), "**")
        n = _to_float(other, "exponent")
        return Value(_power(self, n), "", (self,), (_power_slope(a, n),), f"**{n:g}")

    def exp(self) -> Value:
        """d(e^a)/da = e^a"""
        try:
            e = math.exp(self.data)
        except OverflowError:  # e^a beyond the largest float: inf, as PyTorch
            e = math.inf
        return Value(e, "", (self,), (e,), "exp")

    def log(self) -> Value:
        """d(ln a)/da = 1/a"""
        if not self.data > 0.0:
            if self.data != self.data:  # NaN in, NaN out
                return Value(math.nan, "", (self,), (math.nan,), "log")
            raise ValueError(f"log of a non-positive value: {self._name()} is {self.data!r}")
        return Value(math.log(self.data), "", (self,), (1.0 / self.data,), "log")

    def tanh(self) -> Value:
        """d(tanh a)/da = 1 - tanh(a)^2"""
        t = math.tanh(self.data)
        return Value(t, "", (self,), (1.0 - t * t,), "tanh")

    def sigmoid(self) -> Value:
        """d(sigma(a))/da = sigma(a) (1 - sigma(a))"""
        s, d = sigmoid_and_slope(self.data)
        return Value(s, "", (self,), (d if d > SIGMOID_GRAD_FLOOR or d != d else SIGMOID_GRAD_FLOOR,),
                     "sigmoid")

    def relu(self) -> Value:
        """d(relu a)/da = 1 if a > 0 else 0 (0 at 0, as PyTorch)"""
        a = self.data
        out = a if a > 0.0 or a != a else 0.0  # a != a: NaN in, NaN out
        # the two possible local tuples are shared, not built per node: 48 bytes less per relu
        return Value(out, "", (self,), _ONE if a > 0.0 else _ZERO if a == a else _NAN, "relu")

    # -- numbers on the other side --------------------------------------------------------

    def __radd__(self, other: Number) -> Value:  # other + self
        return _const(other) + self

    def __rmul__(self, other: Number) -> Value:  # other * self
        return _const(other) * self

    def __rsub__(self, other: Number) -> Value:  # other - self
        return _const(other) - self

    def __rtruediv__(self, other: Number) -> Value:  # other / self
        return _const(other) / self

    def __rpow__(self, other: Number) -> Value:  # other ** self
        return _const(other) ** self

    # -- backprop -------------------------------------------------------------------------

    def backward(self, on_step: Callable[[Value], None] | None = None) -> None:
        """Fill `grad` of every node below this one with d(self)/d(node).

        Interior nodes get exactly this call's gradient; leaves accumulate across calls
        (zero them with `Module.zero_grad()`), as PyTorch does.
        `on_step(node)`, if given, is called just before `node` passes its gradient on:
        `microgr810.trace` watches backprop through it.
        """
        # leaves have nothing to pass on: only a watcher needs to be shown them
        order = topological_order(self, leaves=on_step is not None)
        with _cyclic_gc_paused():
            for node in order:
                if node._prev:
                    node.grad = 0.0
            self.grad += 1.0
            for node in reversed(order):
                if on_step is not None:
                    on_step(node)
                g = node.grad
                for child, local in zip(node._prev, node._local):
                    child.grad += local * g


def sigmoid_and_slope(a: float) -> tuple[float, float]:
    """sigma(a) and sigma'(a) = sigma(a)(1 - sigma(a)), computed as floats."""
    # through z = e^-|a|, so that no exp overflows and sigma' keeps its digits where sigma rounds to 1
    z = math.exp(-abs(a))
    return (1.0 / (1.0 + z) if a >= 0.0 else z / (1.0 + z)), z / ((1.0 + z) * (1.0 + z))


def _const(x: object) -> Value:
    """A number mixed into an op becomes a constant leaf, so the graph shows it."""
    if isinstance(x, Value):
        return x
    return Value(_to_float(x, "operand"), "", (), (), "const")


def _power(base: Value, n: float) -> float:
    """base.data ** n as a float, refusing what has no real value."""
    a = base.data
    if a == 0.0 and n < 0.0:
        raise ZeroDivisionError(f"0 raised to the negative power {n!r}: {base._name()} is 0")
    if a < 0.0 and not n.is_integer() and n == n:
        raise ValueError(f"negative base to a fractional power has no real value: "
                         f"{base._name()} is {a!r}, exponent {n!r}")
    try:
        return a**n
    except OverflowError:  # beyond the largest float: +-inf, as PyTorch
        return -math.inf if a < 0.0 and n % 2 == 1.0 else math.inf


def _power_slope(a: float, n: float) -> float:
    """d(a^n)/da = n a^(n-1), which is infinite at a = 0 for 0 < n < 1 (the slope of sqrt at 0)."""
    if n == 0.0:
        return 0.0
    if a == 0.0 and n < 1.0:
        return math.copysign(math.inf, n)
    try:
        return n * a ** (n - 1.0)
    except OverflowError:  # |n a^(n-1)| beyond the largest float; n is an integer when a < 0
        negative = a < 0.0 and (n - 1.0) % 2.0 == 1.0  # a negative base to an odd power
        return math.copysign(math.inf, -n if negative else n)


def linear(w: Sequence[Value], x: Sequence[Value | Number], b: Value | Number, label: str = "") -> Value:
    """a = sum_i w_i x_i + b as one node: da/dw_i = x_i, da/dx_i = w_i, da/db = 1."""
    if len(w) != len(x):
        raise ValueError(f"linear: {len(w)} weights but {len(x)} inputs")
    x = [xi if type(xi) is Value else _const(xi) for xi in x]
    b = b if type(b) is Value else _const(b)
    try:
        wd = [wi.data for wi in w]
    except AttributeError:  # checked only on failure: this is the hot path of every neuron
        i, wi = next((i, wi) for i, wi in enumerate(w) if not isinstance(wi, Value))
        raise TypeError(f"linear: weight {i} must be a Value, got {type(wi).__name__}: {wi!r:.80}") from None
    xd = [xi.data for xi in x]
    return Value(sum(map(mul, wd, xd), b.data), label, (*w, *x, b), (*xd, *wd, 1.0), "linear")


def add_n(values: Iterable[Value | Number], label: str = "") -> Value:
    """s = sum_i v_i as one node: ds/dv_i = 1."""
    vs = tuple(v if type(v) is Value else _const(v) for v in values)
    if not vs:
        raise ValueError("add_n needs at least one value")
    return Value(math.fsum(v.data for v in vs), label, vs, (1.0,) * len(vs), "sum")


@contextmanager
def _cyclic_gc_paused():
    """Pause the cyclic garbage collector while a graph is walked.

    The walk allocates a container per node (stack entries, iterators, zips) and creates no cycles,
    yet those allocations keep triggering collections that scan every live node of every graph:
    on a 10^5-op chain that was 3/4 of the sort's time. Reference counting still frees everything.
    """
    if not gc.isenabled():  # already paused (nested walk) or off by the user's choice
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def topological_order(root: Value, leaves: bool = True) -> list[Value]:
    """Every node reachable from root, each after all of its inputs (an explicit-stack DFS).

    `leaves=False` leaves out the nodes without inputs (backward has nothing to pass on there).
    """
    if not isinstance(root, Value):
        raise TypeError(f"topological_order: root must be a Value, got {type(root).__name__}: {root!r:.80}")
    if not root._prev:
        return [root] if leaves else []
    with _cyclic_gc_paused():
        order: list[Value] = []
        seen = {root}
        stack = [(root, iter(root._prev))]
        while stack:
            node, inputs = stack[-1]
            for child in inputs:
                if child not in seen:
                    seen.add(child)
                    if child._prev:
                        stack.append((child, iter(child._prev)))
                        break
                    if leaves:  # a leaf is placed the moment it is found: it has no inputs to wait for
                        order.append(child)
            else:  # every input is placed: the node can follow them
                stack.pop()
                order.append(node)
        return order
