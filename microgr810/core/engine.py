"""The scalar autograd engine: a `Value` records each operation and backpropagates.

Design, in a few lines (each choice is what micrograd users asked for, or what made it fast):
- Every op is defined once: its method computes the value and the local derivatives as numbers, and
  its `@entry(...)` decorator (microgr810/ops.py) writes the same op and derivatives with generic arithmetic,
  which trace, draw, explain, derive and `grad` read. Backward is one rule for every op:
  `input.grad += local * out.grad`.
- The graph is public and read-only: `inputs` (the Values the op read), `local_grads` (d self /
  d input for each), `op` (the op's name, "" for a leaf) and `operands` (the inputs with any numbers).
- A number mixed into an op (`2 * x`, `1 - y_hat`, `x ** 3`) is part of that op, not a node: it
  gets no gradient and backward never visits it.
- A node is one object: its first two operands and their local derivatives sit in slots, not in
  tuples, so building an op allocates one object the cyclic GC tracks (speed: benchmarks/NOTES.md).
  Ops with any number of operands (`linear`, `sum`) keep theirs in tuples.
- No closures and no reference cycles: a graph is freed by reference counting the moment you drop it.
- The topological sort is an explicit stack, never recursion: a chain of a million ops works. It
  allocates nothing per node, so no garbage collection starts in the middle of a backward.
- `backward()` is idempotent on interior nodes (they hold exactly this call's gradient) while leaves
  accumulate across calls, as in PyTorch.
- Bad math raises: log of a non-positive value, division by zero, a negative base with a
  fractional exponent. Overflow gives inf and NaN propagates, as in PyTorch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from numbers import Real
from operator import mul
from typing import Any

from .ops import FLOAT_MATH, entry

__all__ = ["Value", "linear", "add_n", "topological_order", "node", "as_float", "VALUE_MATH"]

Number = float | int
# sigma'(a) is floored at the smallest normal float, reached only where sigma has saturated
# (|a| > ~708). The BCE loss divides by this slope and backward multiplies it back (losses.py):
# below the floor 1/slope overflows to inf and inf x 0 gives NaN; at a power of two the round trip
# is exact. The floor moves sigma' by less than 2.3e-308 (a trade for the loss, stated here).
SIGMOID_GRAD_FLOOR = 2.0**-1022


def as_float(x: object, what: str = "data") -> float:
    """A Python float from an int/float/numpy real; anything else is a TypeError."""
    if type(x) is float:
        return x
    if isinstance(x, bool) or not isinstance(x, Real):
        # numpy 0-d arrays and scalars of real dtype are fine; lists, strings, None, complex are not
        item, dtype = getattr(x, "item", None), getattr(x, "dtype", None)
        if item is not None and getattr(x, "shape", None) == () and getattr(dtype, "kind", "") in ("f", "i", "u"):
            return float(item())
        raise TypeError(f"Value {what} must be a real number, got {type(x).__name__}: {x!r:.80}")
    try:
        return float(x)
    except OverflowError:  # an int past the largest float; its digits are not printed (there may be thousands)
        digits = int(abs(int(x)).bit_length() * 0.30103) + 1  # type: ignore[call-overload]
        raise OverflowError(
            f"Value {what} must fit in a float (at most about 1.8e308), got an integer of about {digits} digits"
        ) from None


def _num(x: object) -> float:
    # the common cases first: isinstance(x, Real) costs ~300 ns per number mixed into an op
    t = type(x)
    return x if t is float else float(x) if t is int else as_float(x, "operand")  # type: ignore[return-value,arg-type]


class Value:
    """A scalar node: `data`, its gradient `grad` (d root / d this after backward), and the op that made it."""

    # _a, _b: the first two operands (a Value or a number); _da, _db: d self / d operand (None for a
    # number or a missing operand). An op of any arity keeps the tuple of its operands in _a, of its
    # Value inputs in _b (the same tuple when it has no numbers) and of their locals in _db; _da is None.
    __slots__ = ("data", "grad", "label", "_op", "_a", "_b", "_da", "_db")
    data: float
    grad: float
    label: str
    _op: str
    _a: Any
    _b: Any
    _da: Any
    _db: Any

    def __init__(self, data: Number, label: str = "") -> None:
        self.data = data if type(data) is float else as_float(data)
        if type(label) is not str:
            raise TypeError(f"Value label must be a str, got {type(label).__name__}: {label!r:.80}")
        self.grad = 0.0
        self.label = label
        self._op = ""
        self._a = self._b = self._da = self._db = None

    def __repr__(self) -> str:
        name = f"label={self.label!r}, " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"

    def describe(self) -> str:
        """How error messages name this node: its label, else its op and data."""
        return repr(self.label) if self.label else f"{self._op or 'leaf'} node with data {self.data!r}"

    # -- the public graph (read-only) ---------------------------------------------------------

    @property
    def op(self) -> str:
        """The name of the op that made this node (a key of microgr810.ops.OPS); "" for a leaf."""
        return self._op

    @property
    def operands(self) -> tuple:
        """The op's arguments in order: Values and the numbers mixed in (`x * 2` -> (x, 2.0))."""
        a = self._a
        if type(a) is tuple:
            return a
        if a is None:
            return ()
        return (a,) if self._b is None else (a, self._b)

    @property
    def inputs(self) -> tuple[Value, ...]:
        """The Values the op read, in order (numbers are not nodes: `(x * 2).inputs == (x,)`)."""
        b = self._b
        return b if type(b) is tuple else tuple(x for x in self.operands if type(x) is Value)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d self / d input for each of `inputs`, as floats, in the same order."""
        if type(self._b) is tuple:
            return self._db
        return tuple(g for g in (self._da, self._db) if g is not None)

    def item(self) -> float:
        """The data as a Python float, as torch.Tensor.item()."""
        return self.data

    # -- the ops: forward value and local derivative(s), side by side, each with its entry ----

    @entry("+", arity=2, forward=lambda m, a, b: a + b, d=lambda m, i, a, b, out: 1.0)
    def __add__(self, other: Value | Number) -> Value:
        """d(a+b)/da = 1, d(a+b)/db = 1"""
        if type(other) is Value:  # _node written out: the most common op of all (a call costs ~15 %)
            out = _new(Value)
            out.data = self.data + other.data
            out.grad = 0.0
            out.label = ""
            out._op = "+"
            out._a = self
            out._da = 1.0
            out._b = other
            out._db = 1.0
            return out
        b = other if type(other) is float else _num(other)  # inline fast path: a float is most common
        return _node(self.data + b, "+", self, 1.0, b, None)

    def __radd__(self, other: Number) -> Value:  # other + self
        b = other if type(other) is float else _num(other)  # inline fast path: a float is most common
        return _node(b + self.data, "+", b, None, self, 1.0)

    @entry("-", arity=2, forward=lambda m, a, b: a - b, d=lambda m, i, a, b, out: 1.0 if i == 0 else -1.0)
    def __sub__(self, other: Value | Number) -> Value:
        """d(a-b)/da = 1, d(a-b)/db = -1"""
        if type(other) is Value:
            return _node(self.data - other.data, "-", self, 1.0, other, -1.0)
        b = other if type(other) is float else _num(other)  # inline fast path: a float is most common
        return _node(self.data - b, "-", self, 1.0, b, None)

    def __rsub__(self, other: Number) -> Value:  # other - self
        b = other if type(other) is float else _num(other)  # inline fast path: a float is most common
        return _node(b - self.data, "-", b, None, self, -1.0)

    @entry("*", arity=2, forward=lambda m, a, b: a * b, d=lambda m, i, a, b, out: b if i == 0 else a)
    def __mul__(self, other: Value | Number) -> Value:
        """d(a*b)/da = b, d(a*b)/db = a"""
        if type(other) is Value:  # _node written out: the most common op with + (a call costs ~15 %)
            out = _new(Value)
            out.data = self.data * other.data
            out.grad = 0.0
            out.label = ""
            out._op = "*"
            out._a = self
            out._da = other.data
            out._b = other
            out._db = self.data
            return out
        b = other if type(other) is float else _num(other)  # inline fast path: a float is most common
        return _node(self.data * b, "*", self, b, b, None)

    def __rmul__(self, other: Number) -> Value:  # other * self
        b = other if type(other) is float else _num(other)  # inline fast path: a float is most common
        return _node(b * self.data, "*", b, None, self, b)

    @entry("/", arity=2, forward=lambda m, a, b: a / b, d=lambda m, i, a, b, out: 1 / b if i == 0 else -a / b**2)
    def __truediv__(self, other: Value | Number) -> Value:
        """d(a/b)/da = 1/b, d(a/b)/db = -a/b^2"""
        if type(other) is Value:
            b = other.data
            if b == 0.0:
                raise ZeroDivisionError(f"division by zero: the denominator {other.describe()} is 0")
            inv = 1.0 / b  # -a/b^2 as -a * inv * inv: b * b underflows to 0 for tiny b
            return _node(self.data / b, "/", self, inv, other, -self.data * inv * inv)
        b = other if type(other) is float else _num(other)  # inline fast path: a float is most common
        if b == 0.0:
            raise ZeroDivisionError(f"division by zero: {self.describe()} divided by the number 0")
        return _node(self.data / b, "/", self, 1.0 / b, b, None)

    def __rtruediv__(self, other: Number) -> Value:  # other / self
        a, b = other if type(other) is float else _num(other), self.data
        if b == 0.0:
            raise ZeroDivisionError(f"division by zero: the denominator {self.describe()} is 0")
        inv = 1.0 / b
        return _node(a / b, "/", a, None, self, -a * inv * inv)

    @entry("neg", arity=1, forward=lambda m, a: -a, d=lambda m, i, a, out: -1.0)
    def __neg__(self) -> Value:
        """d(-a)/da = -1"""
        return _node(-self.data, "neg", self, -1.0)

    @entry(
        "**",
        arity=2,
        forward=lambda m, a, b: a**b,
        d=lambda m, i, a, b, out: b * a ** (b - 1) if i == 0 else out * m.log(a),
    )
    def __pow__(self, other: Value | Number) -> Value:
        """d(a^b)/da = b a^(b-1), d(a^b)/db = a^b ln a (a number exponent is part of the op: x ** 3)"""
        a = self.data
        if type(other) is Value:
            if a < 0.0:
                raise ValueError(
                    f"a power with a Value exponent needs a base >= 0 (d/db = a^b ln a), "
                    f"but the base {self.describe()} is {a!r}"
                )
            b = other.data
            out = _power(self, b)
            return _node(out, "**", self, _power_slope(a, b), other, _exponent_slope(self, out))
        b = other if type(other) is float else as_float(other, "exponent")
        return _node(_power(self, b), "**", self, _power_slope(a, b), b, None)

    def pow(self, n: Value | Number) -> Value:
        """self ** n, as torch.Tensor.pow."""
        return self.__pow__(n)

    def __rpow__(self, other: Number) -> Value:  # other ** self
        base = Value(_num(other))
        out = _power(base, self.data)
        return _node(out, "**", base.data, None, self, _exponent_slope(base, out))

    @entry("exp", arity=1, forward=lambda m, a: m.exp(a), d=lambda m, i, a, out: out)
    def exp(self) -> Value:
        """d(e^a)/da = e^a"""
        try:
            e = math.exp(self.data)
        except OverflowError:  # e^a beyond the largest float: inf, as PyTorch
            e = math.inf
        return _node(e, "exp", self, e)

    @entry("log", arity=1, forward=lambda m, a: m.log(a), d=lambda m, i, a, out: 1 / a, symbol="ln", latex=r"\ln")
    def log(self) -> Value:
        """d(ln a)/da = 1/a"""
        a = self.data
        if not a > 0.0:
            if a != a:  # NaN in, NaN out
                return _node(math.nan, "log", self, math.nan)
            raise ValueError(f"log of a non-positive value: {self.describe()} is {a!r}")
        return _node(math.log(a), "log", self, 1.0 / a)

    @entry("tanh", arity=1, forward=lambda m, a: m.tanh(a), d=lambda m, i, a, out: 1 - out**2, activation=True)
    def tanh(self) -> Value:
        """d(tanh a)/da = 1 - tanh(a)^2 = sech(a)^2"""
        a = self.data
        # sech^2 from cosh, not 1 - t^2: that subtraction loses every digit as tanh saturates
        if not -710.0 < a < 710.0:  # cosh overflows: sech^2 is 0 (or NaN in, NaN out)
            return _node(math.tanh(a), "tanh", self, 0.0 if a == a else a)
        c = math.cosh(a)
        return _node(math.tanh(a), "tanh", self, 1.0 / (c * c))

    @entry(
        "sigmoid",
        arity=1,
        forward=lambda m, a: m.sigmoid(a),
        d=lambda m, i, a, out: out * (1 - out),
        symbol="σ",
        latex=r"\sigma",
        activation=True,
    )
    def sigmoid(self) -> Value:
        """d(sigma(a))/da = sigma(a) (1 - sigma(a))"""
        s, d = sigmoid_and_slope(self.data)
        if not d > SIGMOID_GRAD_FLOOR and d == d:
            d = SIGMOID_GRAD_FLOOR
        return _node(s, "sigmoid", self, d)

    @entry("relu", arity=1, forward=lambda m, a: m.relu(a), d=lambda m, i, a, out: m.step(a), activation=True)
    def relu(self) -> Value:
        """d(relu a)/da = 1 if a > 0 else 0 (0 at 0, as PyTorch)"""
        a = self.data
        if a > 0.0:
            return _node(a, "relu", self, 1.0)
        if a != a:  # NaN in, NaN out
            return _node(a, "relu", self, a)
        return _node(0.0, "relu", self, 0.0)

    # -- backprop -------------------------------------------------------------------------

    def backward(self, on_step: Callable[[Value], None] | None = None) -> None:
        """Fill `grad` of every node below this one with d(self)/d(node).

        Interior nodes get exactly this call's gradient; leaves accumulate across calls
        (zero them with `Module.zero_grad()`), as PyTorch does.
        `on_step(node)`, if given, is called just before `node` passes its gradient on (leaves
        included): `microgr810.trace` watches backprop through it.
        """
        # The sort and the walk allocate nothing the cyclic GC tracks (no container per node), so no
        # collection starts in the middle of a walk over a big graph, with no need to pause the GC.
        order: list[Value] = []
        try:
            if on_step is None:  # leaves have nothing to pass on: only a watcher needs to be shown them
                order = _zeroed_order(self)
            else:
                order = _order(self, True)
                for node in order:
                    if node._op:  # interior nodes hold this call's gradient; leaves accumulate
                        node.grad = 0.0
            self.grad += 1.0
            # shaped for speed: the two slots read directly, the n-ary tuple walk only where needed
            for node in reversed(order):
                if on_step is not None:
                    on_step(node)
                g = node.grad
                b = node._b
                if type(b) is tuple:  # an op of any arity: its Value inputs, and their locals
                    for x, d in zip(b, node._db):
                        x.grad += d * g
                    continue
                d = node._da
                if d is not None:
                    node._a.grad += d * g
                d = node._db
                if d is not None:
                    b.grad += d * g
        except BaseException as e:  # interrupted (Ctrl-C): no found-mark may outlive this call
            _clear_marks(order)
            if isinstance(e, TypeError):
                _not_floats(order)  # p.grad = None (a PyTorch habit) or data set to an array: say which node
            raise
        if type(self.data) is not float:  # a node's data was set to something else (e.g. an array) before the forward
            raise TypeError(
                f"backward from {self.describe()}: its data is a {type(self.data).__name__}, not a float; "
                f"a node's data was set to a non-number (data is always a float: p.data = float(...))"
            )


def _not_floats(order: list[Value]) -> None:
    """Raise a TypeError naming the first node (or input: leaves may be left out of `order`) whose grad or
    data is not a float; none found: return."""
    for n in (x for node in order for x in (node, *node.inputs)):
        for attr in ("grad", "data"):
            v = getattr(n, attr)
            if type(v) is not float:
                hint = "zero it with p.grad = 0.0 or zero_grad()" if attr == "grad" else "p.data = float(...)"
                raise TypeError(
                    f"{n.describe()}.{attr} is {type(v).__name__} {v!r:.40}, but {attr} is always a float: {hint}"
                ) from None


_new = object.__new__


def _node(data: float, op: str, a: Any, da: Any, b: Any = None, db: Any = None) -> Value:
    """A new op node. Shaped for speed: slots filled directly, skipping __init__'s checks (~2x faster)."""
    v = _new(Value)
    v.data = data
    v.grad = 0.0
    v.label = ""
    v._op = op
    v._a = a
    v._da = da
    v._b = b
    v._db = db
    return v


def node(data: float, op: str, operands: Sequence[Any], local_grads: Sequence[float | None], label: str = "") -> Value:
    """A node of an op defined outside the engine (a loss): operands in order, Values and numbers, and
    d out / d operand for each (None for a number). The op must have its entry in microgr810.ops.OPS."""
    if len(operands) != len(local_grads):
        raise ValueError(f"node {op!r}: {len(operands)} operands but {len(local_grads)} local derivatives")
    if not 1 <= len(operands) <= 2:
        v = _n_ary(as_float(data), op, tuple(operands), tuple(local_grads))
    else:
        v = _node(as_float(data), op, operands[0], local_grads[0], *operands[1:], *local_grads[1:])
    v.label = label
    return v


def _n_ary(data: float, op: str, operands: tuple, local_grads: tuple) -> Value:
    """A node of any arity: its operands (for display), then its Value inputs and their locals (for backward)."""
    if None in local_grads:  # numbers among the operands: they have no local derivative
        inputs = tuple(x for x, d in zip(operands, local_grads) if d is not None)
        local_grads = tuple(d for d in local_grads if d is not None)
    else:
        inputs = operands
    return _node(data, op, operands, None, inputs, local_grads)


def sigmoid_and_slope(a: float) -> tuple[float, float]:
    """sigma(a) and sigma'(a) = sigma(a)(1 - sigma(a)), computed as floats."""
    # through z = e^-|a|, so that no exp overflows and sigma' keeps its digits where sigma rounds to 1
    z = math.exp(-abs(a))
    q = 1.0 + z
    return (1.0 / q if a >= 0.0 else z / q), z / (q * q)


def _power(base: Value, n: float) -> float:
    """base.data ** n as a float, refusing what has no real value."""
    a = base.data
    if a == 0.0 and n < 0.0:
        raise ZeroDivisionError(f"0 raised to the negative power {n!r}: {base.describe()} is 0")
    if a < 0.0 and not n.is_integer() and n == n:
        raise ValueError(
            f"negative base to a fractional power has no real value: {base.describe()} is {a!r}, exponent {n!r}"
        )
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


def _exponent_slope(base: Value, out: float) -> float:
    """d(a^b)/db = a^b ln a, for a base >= 0 (-> 0 as a -> 0+, so 0 at a = 0)."""
    a = base.data
    if a < 0.0:
        raise ValueError(
            f"a power with a Value exponent needs a base >= 0 (d/db = a^b ln a), "
            f"but the base {base.describe()} is {a!r}"
        )  # 2 ** x with a negative number 2
    return out * math.log(a) if a > 0.0 else math.nan if a != a else 0.0


def _linear_write(m: Any, *operands: Any) -> Any:
    """How a linear node reads: W1[0,:]·x + b1[0], as the derivation writes a row times a vector."""
    n = (len(operands) - 1) // 2
    return m.dot(operands[:n], operands[n : 2 * n]) + operands[-1]


def _linear_forward(m: Any, *o: Any) -> Any:
    n = len(o) // 2  # operands (w_0..w_n-1, x_0..x_n-1, b)
    return sum((w * x for w, x in zip(o[:n], o[n : 2 * n])), o[-1])


def _linear_d(m: Any, i: int, *o: Any, out: Any) -> Any:
    n = len(o) // 2  # d/dw_i = x_i, d/dx_i = w_i, d/db = 1
    return 1.0 if i == 2 * n else o[i + n] if i < n else o[i - n]


@entry("linear", arity=None, forward=_linear_forward, d=_linear_d, write=_linear_write)
def linear(w: Sequence[Value], x: Sequence[Value | Number], b: Value | Number, label: str = "") -> Value:
    """a = sum_i w_i x_i + b as one node: da/dw_i = x_i, da/dx_i = w_i, da/db = 1."""
    if len(w) != len(x):
        raise ValueError(f"linear: {len(w)} weights but {len(x)} inputs")
    try:  # shaped for speed: the hot path of every neuron, where weights, inputs and bias are all Values
        wd = [wi.data for wi in w]
        xd = [xi.data for xi in x]  # type: ignore[union-attr]
        data = sum(map(mul, wd, xd), b.data)  # type: ignore[union-attr]
    except (AttributeError, TypeError):  # a number among them (a numpy scalar's .data is a buffer)
        data = None
    if type(data) is float:
        operands = (*w, *x, b)
        out = _node(data, "linear", operands, None, operands, (*xd, *wd, 1.0))
    else:
        out = _linear_with_numbers(w, x, b)
    out.label = label
    return out


def _linear_with_numbers(w: Sequence[Value], x: Sequence[Value | Number], b: Value | Number) -> Value:
    """linear() where numbers are mixed in: they are part of the op, with no derivative of their own."""
    for i, wi in enumerate(w):
        if type(wi) is not Value:
            raise TypeError(f"linear: weight {i} must be a Value, got {type(wi).__name__}: {wi!r:.80}")
    x = [xi if type(xi) is Value else _num(xi) for xi in x]
    xd = [xi.data if type(xi) is Value else xi for xi in x]
    dx = [wi.data if type(xi) is Value else None for wi, xi in zip(w, x)]
    bd, db = (b.data, 1.0) if type(b) is Value else (_num(b), None)
    data = sum(map(mul, (wi.data for wi in w), xd), bd)
    if type(data) is not float:  # a node's data was set to an array or the like: name it
        _not_floats([*w, *(xi for xi in x if type(xi) is Value), *([b] if type(b) is Value else [])])
    return _n_ary(data, "linear", (*w, *x, b if db else bd), (*xd, *dx, db))


@entry(
    "sum",
    arity=None,
    forward=lambda m, *o: sum(o[1:], o[0]),
    d=lambda m, i, *o, out: 1.0,
    write=lambda m, *o: m.of(" + ".join(map(str, o))),
)
def add_n(values: Iterable[Value | Number], label: str = "") -> Value:
    """s = sum_i v_i as one node: ds/dv_i = 1."""
    vs: tuple[Any, ...] = tuple(v if type(v) is Value else _num(v) for v in values)
    if not vs:
        raise ValueError("add_n needs at least one value")
    data = math.fsum(v.data if type(v) is Value else v for v in vs)
    out = _n_ary(data, "sum", vs, tuple(1.0 if type(v) is Value else None for v in vs))
    out.label = label
    return out


class _ValueMath:
    """Rules on Values (for gradients of gradients): each function is the op of that name; a number
    operand gets the float function. `step` is a number, not a node: its derivative is 0 wherever defined."""

    @staticmethod
    def step(a: Any) -> float:
        return 1.0 if (a.data if type(a) is Value else a) > 0.0 else 0.0

    def __getattr__(self, name: str) -> Callable[[Any], Any]:
        method = getattr(Value, name, None)
        if method is None:  # a new op's rule that calls a function Value has no op for (CONTRIBUTING.md)
            raise AttributeError(
                f"an op's derivative rule calls m.{name}, but Value has no {name!r} op to build it from: "
                f"gradients of gradients through that op need a {name!r} op too"
            )
        number = getattr(FLOAT_MATH, name)
        return lambda a: method(a) if type(a) is Value else number(a)


VALUE_MATH = _ValueMath()


def topological_order(root: Value, leaves: bool = True) -> list[Value]:
    """Every node reachable from root, each after all of its inputs (an explicit-stack DFS).

    `leaves=False` leaves out the nodes without inputs (backward has nothing to pass on there).
    """
    if not isinstance(root, Value):
        raise TypeError(f"topological_order: root must be a Value, got {type(root).__name__}: {root!r:.80}")
    return _order(root, leaves)


class _Zero(float):
    """The 0.0 that backward's sort writes into the grad of each interior node it finds: the mark that
    the node is found. It is a type of its own, which no gradient is, so no set of found nodes is
    kept; the walk's first `grad += ...` makes the grad a plain float again."""

    __slots__ = ()


_ZERO = _Zero()


def _zeroed_order(root: Value) -> list[Value]:
    """_order(root, leaves=False), each node's grad set to 0.0: backward's own sort, the hot path.

    Shaped for speed (the sort was a third of a plain-ops training step): the same post-order as
    _order, but a node's grad is its found mark instead of a set, a node whose inputs are all leaves or
    placed is placed at once, and the walk goes straight down to the first input, not via the stack.
    """
    if not root._op:
        return []
    order: list[Value] = []
    stack: list[Any] = []  # nodes waiting for their inputs (each under a None), and inputs to expand
    push, pop, place = stack.append, stack.pop, order.append
    node: Any = root
    try:
        while True:
            node.grad = _ZERO
            b = node._b
            if type(b) is tuple:
                push(node)
                push(None)
                for x in reversed(b):  # reversed: the first input is expanded first
                    if x._op and type(x.grad) is not _Zero:
                        push(x)
            else:
                a = node._a
                wait_b = node._db is not None and b._op and type(b.grad) is not _Zero
                if node._da is not None and a._op and type(a.grad) is not _Zero:
                    push(node)
                    push(None)
                    if wait_b:
                        push(b)
                    node = a
                    continue
                if wait_b:
                    push(node)
                    push(None)
                    node = b
                    continue
                place(node)  # its inputs are leaves, numbers or placed already
            while stack:  # the next node to expand; those whose inputs are all placed follow them
                node = pop()
                if node is None:
                    place(pop())
                elif type(node.grad) is not _Zero:
                    break
            else:
                return order
    except BaseException:
        _clear_marks(order + stack + [node])
        raise


def _clear_marks(nodes: list[Any]) -> None:
    """Turn found-marks left by an interrupted backward back into plain 0.0 (a node's gradient was lost anyway)."""
    for node in nodes:
        if node is not None and type(node.grad) is _Zero:
            node.grad = 0.0


def _order(root: Value, leaves: bool) -> list[Value]:
    # No container is allocated per node (so no garbage collection starts during a walk of a big graph):
    # a node is pushed once to be expanded, then again under a None marker, to be placed once every
    # input above it on the stack is placed. The order is that of the recursive post-order DFS.
    if not root._op:
        return [root] if leaves else []
    order: list[Value] = []
    seen: set[Value] = set()
    stack: list[Any] = [root]
    push, pop, add, place = stack.append, stack.pop, seen.add, order.append
    while stack:
        node = pop()
        if node is None:  # its inputs are placed: the node follows them
            place(pop())
            continue
        if node in seen:  # reached twice before it was expanded
            continue
        add(node)
        if not node._op:  # a leaf (pushed only when leaves are wanted): it has no inputs to wait for
            place(node)
            continue
        push(node)
        push(None)
        b = node._b
        if type(b) is tuple:
            for x in reversed(b):  # reversed: the first input is expanded first
                if (leaves or x._op) and x not in seen:
                    push(x)
            continue
        # a local derivative means the operand is a Value, not a number
        if node._db is not None and (leaves or b._op) and b not in seen:
            push(b)
        a = node._a
        if node._da is not None and (leaves or a._op) and a not in seen:
            push(a)
    return order
