"""CS231n's staged code for any graph: the forward pass one stage per line, then backward in reverse.

    q = x + y              f = q * z
    df = 1.0
    dq = z * df            # mul swaps
    dx = 1.0 * dq          # add distributes

Every value is a Python variable (its name made an identifier), every gradient `d<name>`; a value that
fans out into several gates gets `+=` for its later shares. The code runs as Python (it imports only
`math`): running it gives the engine's gradients, and each stage's comment says the engine's number.
"""

from __future__ import annotations

import keyword
import re
from typing import Any

from ..core.engine import Value, topological_order
from ..core.ops import is_number
from ..notation.formats import fmt
from ..notation.names import node_names

__all__ = ["staged_code", "StagedCode", "PATTERNS"]

# what each gate does to the gradient flowing back through it, named as CS231n names the patterns
PATTERNS = {
    "+": "add distributes",
    "sum": "add distributes",
    "-": "subtract distributes, negated to the second input",
    "neg": "negate flips the sign",
    "*": "mul swaps",
    "/": "divide: 1/b to the top, -a/b² to the bottom",
    "**": "power rule: n x^(n-1)",
    "exp": "exp passes its own output",
    "log": "log scales by 1/x",
    "tanh": "tanh scales by 1 - out²",
    "sigmoid": "sigmoid scales by out (1 - out)",
    "relu": "max routes",
    "linear": "mul swaps",  # w·x + b: a product per weight; its bias is added, below
}
_HELPERS = {
    "sigmoid": ["def sigmoid(x):", "    return 1 / (1 + exp(-x))"],
    "relu": ["def relu(x):", "    return max(0.0, x)"],
}


class StagedCode(str):
    """The staged code as text; a notebook shows it as code."""

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        return f"```python\n{self}\n```"


def _identifiers(order: list[Value], names: dict[Value, str]) -> dict[Value, str]:
    """Each node's name as a Python identifier: W1[0,1] -> W1_0_1, 'x1*w1 + x2*w2' -> x1_w1_x2_w2 (kept unique)."""
    taken: set[str] = {"exp", "log", "tanh", "sigmoid", "relu", "max"}
    out: dict[Value, str] = {}
    for node in order:
        base = re.sub(r"\W+", "_", names[node]).strip("_") or "v"
        if base[0].isdigit() or keyword.iskeyword(base):
            base = "v_" + base
        name, k = base, 2
        while name in taken or "d" + name in taken:
            name, k = f"{base}_{k}", k + 1
        taken.update((name, "d" + name))
        out[node] = name
    return out


def _forward(node: Value, v: dict[Value, str]) -> str | None:
    """The stage's right-hand side in Python, or None for an op the staged code does not spell out."""
    o = [v[x] if isinstance(x, Value) else repr(float(x)) for x in node.operands]
    op = node.op
    if op in ("+", "-", "*", "/"):
        return f"{o[0]} {op} {o[1]}"
    if op == "**":
        return f"{o[0]} ** {o[1]}"
    if op == "neg":
        return f"-({o[0]})" if o[0].startswith("-") else f"-{o[0]}"
    if op in ("exp", "log", "tanh", "sigmoid", "relu"):
        return f"{op}({o[0]})"
    if op == "sum":
        return " + ".join(o)
    if op == "linear":
        n = len(o) // 2
        return " + ".join([f"{w} * {x}" for w, x in zip(o[:n], o[n : 2 * n])] + [o[-1]])
    return None


def _locals(node: Value, v: dict[Value, str]) -> list[str | None]:
    """d(node)/d(operand) in Python for each operand (None for a number), from the node's own variables."""
    o = [v[x] if isinstance(x, Value) else repr(float(x)) for x in node.operands]
    is_value = [isinstance(x, Value) for x in node.operands]
    out, op = v[node], node.op
    rules: list[str | None]
    if op in ("+", "sum"):
        rules = ["1.0"] * len(o)
    elif op == "-":
        rules = ["1.0", "-1.0"]
    elif op == "neg":
        rules = ["-1.0"]
    elif op == "*":
        rules = [o[1], o[0]]
    elif op == "/":
        rules = [f"1 / {o[1]}", f"-({o[0]}) / {o[1]} ** 2" if o[0].startswith("-") else f"-{o[0]} / {o[1]} ** 2"]
    elif op == "**":
        rules = [f"{o[1]} * {o[0]} ** ({o[1]} - 1)", f"{out} * log({o[0]})"]
    elif op == "exp":
        rules = [out]
    elif op == "log":
        rules = [f"1 / {o[0]}"]
    elif op == "tanh":
        rules = [f"(1 - {out} ** 2)"]
    elif op == "sigmoid":
        rules = [f"{out} * (1 - {out})"]
    elif op == "relu":
        rules = [f"({o[0]} > 0)"]
    elif op == "linear":
        n = len(o) // 2
        rules = [*o[n : 2 * n], *o[:n], "1.0"]
    else:  # an op without a rule written here: the engine's number for each input
        grads = iter(node.local_grads)
        return [repr(next(grads)) if isv else None for isv in is_value]
    return [r if isv else None for r, isv in zip(rules, is_value)]


def staged_code(root: Value) -> StagedCode:
    """The forward stages of the graph below `root`, then the backward lines in reverse, as runnable Python.
    The numbers are the engine's: each leaf's data, and each stage's value in its comment."""
    if not isinstance(root, Value):
        raise TypeError(f"staged_code needs a Value, got {type(root).__name__}")
    order = topological_order(root)
    v = _identifiers(order, node_names(root))
    uses: dict[Value, int] = {}
    for node in order:
        for child in node.inputs:
            uses[child] = uses.get(child, 0) + 1
    width = 44
    ops = {node.op for node in order}
    imports = sorted(
        {"exp", "log", "tanh"} & ops | ({"exp"} if "sigmoid" in ops else set()) | ({"log"} if "**" in ops else set())
    )
    lines = [f"from math import {', '.join(imports)}", ""] if imports else []
    for op in sorted(ops & set(_HELPERS)):
        lines += ["", *_HELPERS[op], ""]
    lines += ["# forward pass: one stage per line"]
    for node in order:
        rhs = repr(node.data) if not node.inputs else _forward(node, v)
        note = f"# = {fmt(node.data)}" if node.inputs else ""
        if rhs is None:  # an op the staged code does not spell out (a loss): its value, said as what it is
            rhs, note = repr(node.data), f"# {node.op} of {', '.join(_operand_text(node, v))}, from the engine"
        lines.append(f"{v[node]} = {rhs}".ljust(width) + note if note else f"{v[node]} = {rhs}")
    lines += ["", "# backward pass: the stages in reverse, d<name> = d(output)/d(name)", f"d{v[root]} = 1.0"]
    written: set[Value] = set()
    for node in reversed(order):
        if not node.inputs:
            continue
        pattern = PATTERNS.get(node.op, f"{node.op}: the engine's local derivative")
        lines.append(f"# {v[node]} = {_forward(node, v) or node.op}")
        for k, (child, local) in enumerate(zip(node.operands, _locals(node, v))):
            if not isinstance(child, Value) or local is None:
                continue
            assign = "+=" if child in written else "="
            note = pattern
            if node.op == "linear" and k == len(node.operands) - 1:
                note = PATTERNS["+"]  # w·x + b: the bias is added
            elif node.op == "**" and k == 1:
                note = "exponent: out ln(base)"  # a Value exponent: d(a^b)/db = a^b ln a
            if uses[child] > 1 and assign == "+=":
                note += f"; {v[child]} fans out into {uses[child]} gates: their gradients add"
            lines.append(f"d{v[child]} {assign} {local} * d{v[node]}".ljust(width) + f"# {note}")
            written.add(child)
    return StagedCode("\n".join(lines) + "\n")


def _operand_text(node: Value, v: dict[Value, str]) -> list[Any]:
    return [v[x] if isinstance(x, Value) else repr(x) for x in node.operands if isinstance(x, Value) or is_number(x)]
