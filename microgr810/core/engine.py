"""The engine: a `Value` is a scalar that remembers the op that made it, and backpropagates.

Each op computes its value and its local derivatives (d out / d operand) side by side; its `@entry` is the same
rule in generic arithmetic, for the op table (core/ops.py) that trace, draw, derive and `grad` read.
A number mixed into an op (`2 * x`) is part of the op, not a node: it gets no gradient.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from numbers import Real
from operator import mul
from typing import Any

from .ops import FLOAT_MATH, OPS, entry

__all__ = ["Value", "linear", "add_n", "topological_order", "node", "as_float", "VALUE_MATH", "Number"]

Number = float | int


class Value:
    """A scalar node: `data`, `grad` (d root / d this, after root.backward()) and the op that made it."""

    # The first two operands and their local derivatives sit in slots (_a, _da, _b, _db), so a node is one
    # object for the garbage collector to track; a number operand has no derivative (None). An op with any
    # number of operands (linear, sum) keeps tuples: its operands in _a, its Value inputs in _b, their
    # local derivatives in _db. Speed and memory of this layout: benchmarks/NOTES.md.
    __slots__ = ("data", "grad", "label", "_op", "_a", "_da", "_b", "_db", "_seen")
    data: float
    grad: float
    label: str
    _op: str
    _a: Any
    _da: Any
    _b: Any
    _db: Any
    _seen: object  # the last sort that reached this node (each sort is a new object: no mark outlives it)

    def __init__(self, data: Number, label: str = "") -> None:
        self.data = data if type(data) is float else as_float(data)
        if type(label) is not str:
            raise TypeError(f"Value label must be a str, got {type(label).__name__}: {label!r:.80}")
        self.grad = 0.0
        self.label = label
        self._op = ""
        self._a = self._da = self._b = self._db = self._seen = None

    # -- the ops: value, then d out / d each operand ------------------------------------------------------

    @entry("+", arity=2, forward=lambda m, a, b: a + b, d=lambda m, i, a, b, out: 1.0)
    def __add__(self, other: Value | Number) -> Value:
        if type(other) is Value:  # two Values, the commonest op: the node built here, no call (NOTES.md)
            out = _new(Value)
            out.data = self.data + other.data
            out.grad = 0.0
            out.label = ""
            out._op = "+"
            out._a = self
            out._da = 1.0
            out._b = other
            out._db = 1.0
            out._seen = None
            return out
        return _node(self.data + _num(other), "+", self, 1.0, other, 1.0)

    @entry("-", arity=2, forward=lambda m, a, b: a - b, d=lambda m, i, a, b, out: 1.0 if i == 0 else -1.0)
    def __sub__(self, other: Value | Number) -> Value:
        return _node(_data(self) - _data(other), "-", self, 1.0, other, -1.0)

    @entry("*", arity=2, forward=lambda m, a, b: a * b, d=lambda m, i, a, b, out: b if i == 0 else a)
    def __mul__(self, other: Value | Number) -> Value:
        if type(other) is Value:  # two Values, the commonest op: the node built here, no call (NOTES.md)
            out = _new(Value)
            out.data = self.data * other.data
            out.grad = 0.0
            out.label = ""
            out._op = "*"
            out._a = self
            out._da = other.data
            out._b = other
            out._db = self.data
            out._seen = None
            return out
        b = _num(other)
        return _node(self.data * b, "*", self, b, other, self.data)

    @entry("/", arity=2, forward=lambda m, a, b: a / b, d=lambda m, i, a, b, out: 1 / b if i == 0 else -a / b**2)
    def __truediv__(self, other: Value | Number) -> Value:
        a, b = _data(self), _data(other)
        if b == 0.0:
            what = f"the denominator {other.describe()} is 0" if type(other) is Value else ""
            raise ZeroDivisionError(f"division by zero: {what or _describe(self) + ' divided by the number 0'}")
        inv = 1.0 / b  # -a/b² as -a·inv·inv: b·b underflows to 0 for tiny b
        return _node(a / b, "/", self, inv, other, -a * inv * inv)

    @entry(
        "**",
        arity=2,
        forward=lambda m, a, b: a**b,
        d=lambda m, i, a, b, out: b * a ** (b - 1) if i == 0 else out * m.log(a),
    )
    def __pow__(self, other: Value | Number) -> Value:
        a, b = _data(self), other.data if type(other) is Value else as_float(other, "exponent")
        if type(other) is Value and a < 0.0:
            raise ValueError(
                f"a power with a Value exponent needs a base >= 0 (d/db = a^b ln a), "
                f"but the base {_describe(self)} is {a!r}"
            )
        out = _power(a, b, self)
        ln_a = math.log(a) if a > 0.0 else 0.0 if a == 0.0 else math.nan  # a^b ln a -> 0 as a -> 0+
        return _node(out, "**", self, _power_slope(a, b), other, out * ln_a)

    @entry("neg", arity=1, forward=lambda m, a: -a, d=lambda m, i, a, out: -1.0, write=lambda m, a: -a)
    def __neg__(self) -> Value:
        return _node(-self.data, "neg", self, -1.0)

    @entry("exp", arity=1, forward=lambda m, a: m.exp(a), d=lambda m, i, a, out: out)
    def exp(self) -> Value:
        try:
            e = math.exp(self.data)
        except OverflowError:  # beyond the largest float: inf, as PyTorch
            e = math.inf
        return _node(e, "exp", self, e)

    @entry("log", arity=1, forward=lambda m, a: m.log(a), d=lambda m, i, a, out: 1 / a, symbol="ln", latex=r"\ln")
    def log(self) -> Value:
        a = self.data
        if not a > 0.0 and a == a:  # NaN in, NaN out
            raise ValueError(f"log of a non-positive value: {self.describe()} is {a!r}")
        return _node(math.log(a), "log", self, 1.0 / a)

    @entry("tanh", arity=1, forward=lambda m, a: m.tanh(a), d=lambda m, i, a, out: 1 - out**2, activation=True)
    def tanh(self) -> Value:
        a = self.data
        # 1 - t² as 1/cosh²(a): the subtraction loses every digit as tanh saturates; past cosh's range it is 0
        c = math.cosh(a) if abs(a) < 710.0 else math.inf if a == a else a
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
        s, slope = sigmoid_and_slope(self.data)
        return _node(s, "sigmoid", self, slope)

    @entry("relu", arity=1, forward=lambda m, a: m.relu(a), d=lambda m, i, a, out: m.step(a), activation=True)
    def relu(self) -> Value:
        a = self.data
        if a > 0.0 or a != a:  # NaN in, NaN out
            return _node(a, "relu", self, 1.0 if a > 0.0 else a)
        return _node(0.0, "relu", self, 0.0)  # the slope at 0 is 0, as PyTorch

    @entry("sin", arity=1, forward=lambda m, a: m.sin(a), d=lambda m, i, a, out: m.cos(a))
    def sin(self) -> Value:
        return _node(math.sin(self.data), "sin", self, math.cos(self.data))

    @entry("cos", arity=1, forward=lambda m, a: m.cos(a), d=lambda m, i, a, out: -m.sin(a))
    def cos(self) -> Value:
        return _node(math.cos(self.data), "cos", self, -math.sin(self.data))

    # a number on the left (2 * x, 1 - y): the same ops, with the operands in the order written
    def __radd__(self, other: Number) -> Value:
        return _number_first(self + other)  # + commutes: the same node, the number written first

    def __rsub__(self, other: Number) -> Value:
        return Value.__sub__(other, self)

    def __rmul__(self, other: Number) -> Value:
        return _number_first(self * other)  # * commutes: the same node, the number written first

    def __rtruediv__(self, other: Number) -> Value:
        return Value.__truediv__(other, self)

    def __rpow__(self, other: Number) -> Value:
        return Value.__pow__(other, self)

    def pow(self, n: Value | Number) -> Value:
        """self ** n, as torch.Tensor.pow."""
        return self.__pow__(n)

    # -- backprop: the chain rule, once -----------------------------------------------------------------------

    def backward(self, on_step: Callable[[Value], None] | None = None) -> None:
        """Fill `grad` of every node below this one with d(self)/d(node).

        Interior nodes get exactly this call's gradient; leaves accumulate across calls (zero them with
        `Module.zero_grad()`), as in PyTorch. `on_step(node)`, if given, is called just before `node` passes
        its gradient on (leaves included): `teaching.trace` watches backprop through it.
        """
        # leaves pass nothing on: only a watcher wants them; interior nodes hold this call's gradient only
        order = _order(self, leaves=on_step is not None, zero=True)
        try:
            self.grad += 1.0
            for node in reversed(order):
                if on_step is not None:
                    on_step(node)
                # input.grad += local · node.grad for each input; shaped for speed: the slots read directly
                g, b = node.grad, node._b
                if type(b) is tuple:  # an op of any arity: its Value inputs and their local derivatives
                    for x, local in zip(b, node._db):
                        x.grad += local * g
                    continue
                if node._da is not None:
                    node._a.grad += node._da * g
                if node._db is not None:
                    b.grad += node._db * g
        except TypeError:  # p.grad = None (a PyTorch habit) or data set to an array: say which node
            _not_floats([self, *order])
            raise
        if type(self.data) is not float:  # a node's data was set to something else (an array) before the forward
            raise TypeError(
                f"backward from {self.describe()}: its data is a {type(self.data).__name__}, not a float; "
                f"a node's data was set to a non-number (data is always a float: p.data = float(...))"
            )

    # -- the graph, public and read-only ----------------------------------------------------------------------

    @property
    def op(self) -> str:
        """The name of the op that made this node (a key of microgr810.OPS); "" for a leaf."""
        return self._op

    @property
    def operands(self) -> tuple:
        """The op's arguments in order: Values and the numbers mixed in (`x * 2` -> (x, 2.0))."""
        a = self._a
        if type(a) is tuple:
            return a
        return () if a is None else (a,) if self._b is None else (a, self._b)

    @property
    def inputs(self) -> tuple[Value, ...]:
        """The Values the op read, in order (numbers are not nodes: `(x * 2).inputs == (x,)`)."""
        b = self._b
        if type(b) is tuple:
            return b
        if self._da is None:
            return (b,) if self._db is not None else ()
        return (self._a,) if self._db is None else (self._a, b)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d self / d input for each of `inputs`, as floats, in the same order."""
        if type(self._b) is tuple:
            return self._db
        da, db = self._da, self._db
        return (da,) if db is None else (db,) if da is None else (da, db)

    def item(self) -> float:
        """The data as a Python float, as torch.Tensor.item()."""
        return self.data

    def describe(self) -> str:
        """How error messages name this node: its label, else its op and data."""
        return repr(self.label) if self.label else f"{self._op or 'leaf'} node with data {self.data!r}"

    def __repr__(self) -> str:
        name = f"label={self.label!r}, " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"


# -- ops of any number of operands ------------------------------------------------------------------------------


def _linear_write(m: Any, *operands: Any) -> Any:
    """How a linear node reads: W1[0,:]·x + b1[0], a row times a vector, as the derivation writes it."""
    n = (len(operands) - 1) // 2
    return m.dot(operands[:n], operands[n : 2 * n]) + operands[-1]


@entry(
    "linear",
    arity=None,
    forward=lambda m, *o: sum((w * x for w, x in zip(o[: len(o) // 2], o[len(o) // 2 : -1])), o[-1]),
    d=lambda m, i, *o, out: 1.0 if i == len(o) - 1 else o[i + len(o) // 2] if i < len(o) // 2 else o[i - len(o) // 2],
    write=_linear_write,
)
def linear(w: Sequence[Value], x: Sequence[Value | Number], b: Value | Number, label: str = "") -> Value:
    """a = Σ_i w_i x_i + b as one node: da/dw_i = x_i, da/dx_i = w_i, da/db = 1."""
    if len(w) != len(x):
        raise ValueError(f"linear: {len(w)} weights but {len(x)} inputs")
    for i, wi in enumerate(w):
        if type(wi) is not Value:
            raise TypeError(f"linear: weight {i} must be a Value, got {type(wi).__name__}: {wi!r:.80}")
    xd = [_data(xi) for xi in x]
    wd = [wi.data for wi in w]
    data = sum(map(mul, wd, xd), _data(b))
    if type(data) is not float:  # a node's data was set to an array or the like: name it
        _not_floats([*w, *(xi for xi in x if type(xi) is Value), *([b] if type(b) is Value else [])])
    return _n_ary(data, "linear", (*w, *x, b), (*xd, *wd, 1.0), label)


@entry("sum", arity=None, forward=lambda m, *o: sum(o[1:], o[0]), d=lambda m, i, *o, out: 1.0)
def add_n(values: Iterable[Value | Number], label: str = "") -> Value:
    """s = Σ_i v_i as one node: ds/dv_i = 1."""
    vs = tuple(values)
    if not vs:
        raise ValueError("add_n needs at least one value")
    return _n_ary(math.fsum(map(_data, vs)), "sum", vs, (1.0,) * len(vs), label)


def node(data: float, op: str, operands: Sequence[Any], local_grads: Sequence[float | None], label: str = "") -> Value:
    """A node of an op defined outside the engine (a loss): its operands in order, Values and numbers, and
    d out / d operand for each (None for a number). The op must have its entry in the op table."""
    if len(operands) != len(local_grads):
        raise ValueError(f"node {op!r}: {len(operands)} operands but {len(local_grads)} local derivatives")
    if len(operands) == 2 or len(operands) == 1 and type(operands[0]) is Value:
        out = _node(as_float(data), op, *(t for pair in zip(operands, local_grads) for t in pair))
        out.label = label
        return out
    return _n_ary(as_float(data), op, tuple(operands), tuple(local_grads), label)


# -- how a node is made --------------------------------------------------------------------------------------------


def _node(data: float, op: str, a: Any, da: Any, b: Any = None, db: Any = None) -> Value:
    """A new node of op: a unary op's operand a is a Value; a binary op's a, b may be numbers (no derivative)."""
    v = _new(Value)  # shaped for speed: no __init__ checks, the slots filled directly
    v.data = data
    v.grad = 0.0
    v.label = ""
    v._op = op
    v._seen = None
    if b is None:  # a unary op, called on the Value a
        v._a = a
        v._da = da
        v._b = v._db = None
        return v
    if type(a) is Value:
        v._a = a
        v._da = da
    else:
        v._a = a if type(a) is float else _num(a)
        v._da = None
    if type(b) is Value:
        v._b = b
        v._db = db
    else:
        v._b = b if type(b) is float else _num(b)
        v._db = None
    return v


_new = object.__new__


def _number_first(out: Value) -> Value:
    """`out` = value op number, of an op that commutes, with its operands as `number op value` was written."""
    out._a, out._da, out._b, out._db = out._b, out._db, out._a, out._da
    return out


def _n_ary(data: float, op: str, operands: tuple, local_grads: tuple, label: str) -> Value:
    """A node of any arity: its operands as written, then its Value inputs and their local derivatives."""
    v = _new(Value)
    v.data, v.grad, v.label, v._op, v._da, v._seen = data, 0.0, label, op, None, None
    if all(type(x) is Value for x in operands):
        v._a = v._b = operands
        v._db = local_grads
    else:  # numbers among the operands: part of the op, with no derivative of their own
        v._a = tuple(x if type(x) is Value else _num(x) for x in operands)
        v._b = tuple(x for x in operands if type(x) is Value)
        v._db = tuple(d for x, d in zip(operands, local_grads) if type(x) is Value)
    return v


def as_float(x: object, what: str = "data") -> float:
    """A Python float from an int, float or numpy real; anything else is a TypeError."""
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


def _not_floats(nodes: list[Value]) -> None:
    """Raise a TypeError naming the first node (or input of one: leaves may be left out of a backward order)
    whose grad or data is not a float; none found: return."""
    for n in (x for node in nodes for x in (node, *node.inputs)):
        for attr in ("grad", "data"):
            v = getattr(n, attr)
            if type(v) is not float:
                hint = "zero it with p.grad = 0.0 or zero_grad()" if attr == "grad" else "p.data = float(...)"
                raise TypeError(
                    f"{n.describe()}.{attr} is {type(v).__name__} {v!r:.40}, but {attr} is always a float: {hint}"
                ) from None


def _num(x: object) -> float:
    return x if type(x) is float else as_float(x, "operand")


def _data(x: Any) -> float:
    """An operand's value: a Value's data, or the number itself."""
    return x.data if type(x) is Value else _num(x)


def _describe(x: Any) -> str:
    return x.describe() if type(x) is Value else f"the number {x!r}"


def sigmoid_and_slope(a: float) -> tuple[float, float]:
    """σ(a) and σ'(a) = σ(a)(1 − σ(a)), as floats, through z = e^-|a| so that no exp overflows.

    σ' is floored at the smallest normal float 2^-1022 (reached only where σ has saturated, |a| > ~708):
    the BCE loss divides by it and backward multiplies it back, exactly at a power of two (core/losses.py).
    """
    z = math.exp(-abs(a))
    q = 1.0 + z
    slope = z / (q * q)
    return (1.0 / q if a >= 0.0 else z / q), (slope if slope > 2.0**-1022 or a != a else 2.0**-1022)


SIGMOID_GRAD_FLOOR = 2.0**-1022


def _power(a: float, n: float, base: Any) -> float:
    """a ** n as a float, refusing what has no real value (base names a in the message)."""
    if a == 0.0 and n < 0.0:
        raise ZeroDivisionError(f"0 raised to the negative power {n!r}: {_describe(base)} is 0")
    if a < 0.0 and not n.is_integer() and n == n:
        raise ValueError(
            f"negative base to a fractional power has no real value: {_describe(base)} is {a!r}, exponent {n!r}"
        )
    try:
        return a**n
    except OverflowError:  # beyond the largest float: ±inf, as PyTorch
        return -math.inf if a < 0.0 and n % 2 == 1.0 else math.inf


def _power_slope(a: float, n: float) -> float:
    """d(a^n)/da = n a^(n-1): infinite at a = 0 for 0 < n < 1 (the slope of sqrt at 0)."""
    if n == 0.0:
        return 0.0
    if a == 0.0 and n < 1.0:
        return math.copysign(math.inf, n)
    try:
        return n * a ** (n - 1.0)
    except OverflowError:  # beyond the largest float; n is an integer when a < 0
        negative = a < 0.0 and (n - 1.0) % 2.0 == 1.0
        return math.copysign(math.inf, -n if negative else n)


# -- the graph in order ------------------------------------------------------------------------------------------


def topological_order(root: Value, leaves: bool = True) -> list[Value]:
    """Every node reachable from root, each after all of its inputs; `leaves=False` leaves out the leaves."""
    if not isinstance(root, Value):
        raise TypeError(f"topological_order: root must be a Value, got {type(root).__name__}: {root!r:.80}")
    return _order(root, leaves)


def _order(root: Value, leaves: bool, zero: bool = False) -> list[Value]:
    # A depth-first post-order on an explicit stack, never recursion (a chain of a million ops works). A node
    # waits on the stack above a None marker until its inputs are placed. No container per node, so no
    # garbage collection starts mid-walk. A node found is stamped with this sort's own object: nothing is
    # written into .grad but gradients, and a stamp an interrupted sort leaves means nothing to the next.
    # zero: backward's sort, which starts each interior node's gradient at 0 as it finds it.
    # Shaped for speed (NOTES.md): the slots are read directly, and the walk goes straight down to a node's
    # first input instead of through the stack.
    if not root._op:
        return [root] if leaves else []
    order: list[Value] = []
    stack: list[Any] = []  # nodes waiting for their inputs (each above a None), and inputs to expand
    push, pop, place = stack.append, stack.pop, order.append
    seen = object()  # this sort's stamp: a node is seen when its _seen is this object
    node: Any = root
    root._seen = seen
    while True:
        if not node._op:  # a leaf (reached only when leaves are wanted)
            place(node)
        else:
            if zero:
                node.grad = 0.0
            b = node._b
            if type(b) is tuple:  # an op of any arity: its Value inputs, the first expanded first
                push(node)
                push(None)
                for x in reversed(b):
                    if x._seen is not seen and (leaves or x._op):
                        push(x)
            else:
                a = node._a
                wait_b = node._db is not None and b._seen is not seen and (leaves or b._op)
                if node._da is not None and a._seen is not seen and (leaves or a._op):
                    push(node)
                    push(None)
                    if wait_b:
                        push(b)
                    node = a
                    a._seen = seen
                    continue
                if wait_b:
                    push(node)
                    push(None)
                    node = b
                    b._seen = seen
                    continue
                place(node)  # its inputs are leaves, numbers or placed already
        while stack:  # the next node to expand; a node whose inputs are all placed follows them
            node = pop()
            if node is None:
                place(pop())
            elif node._seen is not seen:
                node._seen = seen
                break
        else:
            return order


class _ValueMath:
    """The op rules on Values (gradients of gradients): each function is the op of that name; a number operand
    gets the float function. `step` is a number, not a node: its derivative is 0 wherever it is defined."""

    @staticmethod
    def step(a: Any) -> float:
        return 1.0 if _data(a) > 0.0 else 0.0

    def __getattr__(self, name: str) -> Callable[[Any], Any]:
        op = OPS.get(name)
        method = op.apply if op is not None and op.arity == 1 else None  # the function the op's entry decorates
        if method is None:  # a new op's rule that calls a function Value has no op for (CONTRIBUTING.md)
            raise AttributeError(
                f"an op's derivative rule calls m.{name}, but Value has no {name!r} op to build it from: "
                f"gradients of gradients through that op need a {name!r} op too"
            )
        number = getattr(FLOAT_MATH, name)
        return lambda a: method(a) if type(a) is Value else number(a)


VALUE_MATH = _ValueMath()
