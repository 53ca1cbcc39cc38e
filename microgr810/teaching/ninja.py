"""Karpathy's "becoming a backprop ninja", checked node by node: the learner writes ∂root/∂n for the nodes
of a graph; each answer is exact, close or wrong, and the first wrong one in backward order is named.

A later node that is wrong only because an earlier answer was: recompute its gradient by the chain rule
from the learner's own answers upstream (∂root/∂n = Σ over n's users u of ∂u/∂n · the learner's ∂root/∂u);
if the learner's answer matches that, the local step was right and the error was inherited.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..core.engine import Value, topological_order
from ..core.ops import OPS
from ..notation.formats import fmt
from ..notation.formula import FormulaError, numeric, parse_formula
from ..notation.names import find, node_names, resolver
from . import misconceptions
from .classroom.batch import join_split_brackets

__all__ = ["check_gradients", "read_answers", "NodeCheck", "GradientReport", "RTOL", "ATOL"]

RTOL, ATOL = 1e-5, 1e-8  # torch.allclose's defaults, as the ninja exercise's cmp() uses


@dataclass
class NodeCheck:
    """One answered node: the learner's value, the true gradient, and what that makes it."""

    name: str
    answer: str  # as the learner wrote it
    value: float  # the answer's number at the graph's values
    truth: float
    status: str  # "exact", "close" or "wrong"
    max_diff: float
    inherits: str = ""  # the first wrong node whose error this one only passed on
    note: str = ""  # for the first wrong node: what went wrong

    @property
    def ok(self) -> bool:
        return self.status != "wrong"


@dataclass
class GradientReport:
    """Every answered node in backward order; `first_wrong` is the first wrong one ("" if none)."""

    root: str
    rows: list[NodeCheck]
    unanswered: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)

    @property
    def first_wrong(self) -> str:
        return next((r.name for r in self.rows if not r.ok), "")

    @property
    def mistakes(self) -> list[NodeCheck]:
        """The wrong answers that are wrong on their own (not inherited)."""
        return [r for r in self.rows if not r.ok and not r.inherits]

    @property
    def diagnosis(self) -> str:
        first = next((r for r in self.rows if not r.ok), None)
        return first.note if first else ""

    def as_dict(self) -> dict:
        return {
            "root": self.root,
            "ok": self.ok,
            "first_wrong": self.first_wrong,
            "diagnosis": self.diagnosis,
            "nodes": [vars(r).copy() for r in self.rows],
            "unanswered": list(self.unanswered),
        }

    def __str__(self) -> str:
        head = ("node", "yours", "gradient", "", "max diff", "")
        rows = [
            (
                r.name,
                fmt(r.value, 6),
                fmt(r.truth, 6),
                r.status,
                f"{r.max_diff:.1e}",
                f"inherits the error from {r.inherits}"
                if r.inherits
                else ("← first wrong" if r.name == self.first_wrong else ""),
            )
            for r in self.rows
        ]
        w = [max(len(str(x[i])) for x in [head, *rows]) for i in range(5)]
        lines = [f"∂{self.root}/∂node, in backward order"]
        lines += [
            "  ".join(str(x[i]).ljust(w[i]) if i in (0, 3) else str(x[i]).rjust(w[i]) for i in range(5)).rstrip()
            + (f"  {x[5]}" if x[5] else "")
            for x in [head, *rows]
        ]
        n_wrong = sum(not r.ok for r in self.rows)
        if not self.rows:
            lines.append("no answers given")
        elif n_wrong == 0:
            lines.append(f"all {len(self.rows)} answers right")
        else:
            own = len(self.mistakes)
            lines.append(
                f"{n_wrong} of {len(self.rows)} wrong; the first wrong node is {self.first_wrong}"
                + (f"; {n_wrong - own} only inherit its error" if n_wrong > own else "")
                + (f"; {own - 1} more wrong on their own" if own > 1 else "")
            )
            if self.diagnosis:
                lines.append(f"{self.first_wrong}: {self.diagnosis}")
        if self.unanswered:
            shown = ", ".join(self.unanswered[:8]) + (", ..." if len(self.unanswered) > 8 else "")
            lines.append(f"not answered: {shown}")
        return "\n".join(lines)


def _close(a: float, b: float) -> bool:
    return math.isfinite(a) and abs(a - b) <= ATOL + RTOL * abs(b)


def _true_gradients(order: list[Value]) -> dict[Value, float]:
    """∂root/∂n for every node, by the engine's rule, without touching any .grad."""
    g = dict.fromkeys(order, 0.0)
    g[order[-1]] = 1.0
    for node in reversed(order):
        for child, local in zip(node.inputs, node.local_grads):
            g[child] += local * g[node]
    return g


def _bug_gradients(name: str, root: Value, order: list[Value]) -> dict[Value, float]:
    """The gradients a classic bug (misconceptions.BUGS[name]) leaves; the graph's .grad restored after."""
    saved = [n.grad for n in order]
    try:
        misconceptions.BUGS[name](root)
        return {n: n.grad for n in order}
    finally:
        for n, g in zip(order, saved):
            n.grad = g


def _evaluator(root: Value, names: dict[Value, str]):
    """answer (number or formula text) -> (its text, its number at the graph's values)."""
    by_name = {name: node.data for node, name in names.items()}
    slot = OPS[root.op].target if root.op else None
    target = root.operands[slot] if slot is not None else None
    if isinstance(target, (int, float)):
        by_name.setdefault("y", float(target))  # the loss's target, as derive names it

    resolve = resolver(by_name)

    def value(node: str, answer: object) -> tuple[str, float]:
        if isinstance(answer, bool) or not isinstance(answer, (int, float, str)):
            raise FormulaError(f"the answer for {node} must be a number or a formula, got {answer!r:.60}")
        if not isinstance(answer, str):
            return repr(answer), float(answer)
        try:
            return answer, float(answer)
        except ValueError:
            pass
        try:
            expr = parse_formula(answer, resolve)
            symbols = sorted(expr.free_symbols, key=lambda s: s.name)
            number = numeric(expr, symbols)(*(by_name[s.name] for s in symbols))
        except FormulaError as e:
            raise FormulaError(f"the answer for {node}, {answer!r:.80}: {e}") from None
        except (ArithmeticError, ValueError, TypeError) as e:
            raise FormulaError(f"the answer for {node}, {answer!r:.80}, has no value here: {e}") from None
        return answer, float(number)

    return value


def check_gradients(root: Value, answers: Mapping[str, object], *, grader=None) -> GradientReport:
    """Check the learner's ∂root/∂n (`answers`: node name -> number or formula) for every answered node,
    in backward order; find the first wrong node and mark the wrong ones after it that only inherit it.

    grader: check_formula(root, node, formula) -> a verdict with .diagnosis, asked for the first wrong
    node when its answer is a formula (default: microgr810's grader).
    """
    if not isinstance(root, Value):
        raise TypeError(f"check_gradients: root must be a Value, got {type(root).__name__}")
    if not isinstance(answers, Mapping):
        raise TypeError(f"check_gradients: answers must map node names to answers, got {type(answers).__name__}")
    names = node_names(root)
    order = topological_order(root)
    evaluate = _evaluator(root, names)
    given: dict[Value, tuple[str, float]] = {}
    for name, answer in answers.items():
        node = find(root, str(name), names=names, where="check_gradients")
        given[node] = evaluate(names[node], answer)
    truth = _true_gradients(order)

    # the chain rule applied to the learner's own upstream answers (where given) : what n "should" be
    # given what the learner believed about its users; and which wrong answers flow into each node
    mine = dict.fromkeys(order, 0.0)
    upstream: dict[Value, tuple[Value, ...]] = dict.fromkeys(order, ())  # wrong answered nodes above n
    users: dict[Value, list[tuple[Value, float]]] = {n: [] for n in order}
    mine[root] = 1.0
    rows: list[NodeCheck] = []
    first: Value | None = None
    for node in reversed(order):
        carried = given[node][1] if node in given else mine[node]
        if node in given:
            text, value = given[node]
            diff = abs(value - truth[node]) if math.isfinite(value) else math.inf
            status = "exact" if value == truth[node] else "close" if _close(value, truth[node]) else "wrong"
            row = NodeCheck(names[node], text, value, truth[node], status, diff)
            if status == "wrong":
                if upstream[node] and _close(value, mine[node]):
                    row.inherits = names[upstream[node][0]]
                elif first is None:
                    first = node
                    row.note = _diagnose(root, order, node, value, truth, users[node], names, text, grader)
            rows.append(row)
        if node not in given or not rows[-1].ok and rows[-1].inherits:
            passes = upstream[node]  # an error passes through a node the learner left alone or only copied on
        else:
            passes = () if rows[-1].ok else (*upstream[node], node)
        for child, local in zip(node.inputs, node.local_grads):
            mine[child] += local * carried
            users[child].append((node, local))
            upstream[child] = tuple(dict.fromkeys(upstream[child] + passes))
    answered = {names[n] for n in given}
    unanswered = [names[n] for n in reversed(order) if names[n] not in answered and n is not root]
    return GradientReport(names[root], rows, unanswered)


def _diagnose(root, order, node, value, truth, users, names, text, grader) -> str:
    """What went wrong at the first wrong node: the classic bugs, a local factor, a sign, the grader's word."""
    want = truth[node]
    shares: dict[Value, float] = {}  # each user's share of the gradient (a user reading node twice: both slots)
    for u, local in users:
        shares[u] = shares.get(u, 0.0) + local * truth[u]
    if len(users) > 1:
        for u, share in shares.items():
            if _close(value, share):
                return (
                    f"{names[node]} is used {len(users)} times ({', '.join(names[u] for u, _ in users)}); "
                    f"your value is only the share through {names[u]}: `=` where `+=` belongs at a fork "
                    f"({misconceptions.WHAT['overwrite']})"
                )
    if _close(value, -want):
        return "only the sign is wrong: your value is −1 times the gradient"
    for u, local in users:
        if local not in (0.0, 1.0) and _close(value * local, want) and len(users) == 1:
            return (
                f"missing the local factor ∂{names[u]}/∂{names[node]} = {fmt(local, 6)}: "
                f"∂{names[root]}/∂{names[node]} is ∂{names[root]}/∂{names[u]} times it"
            )
        if local not in (0.0, 1.0) and _close(value, want * local) and len(users) == 1:
            return f"an extra factor ∂{names[u]}/∂{names[node]} = {fmt(local, 6)}"
    for bug in ("overwrite", "order"):
        if _close(value, _bug_gradients(bug, root, order)[node]):
            return f"this is the value of a classic bug: {misconceptions.WHAT[bug]}"
    if isinstance(text, str) and not _is_number(text):
        verdict = _grade(root, names[node], text, grader)
        if verdict:
            return verdict
    return ""


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _grade(root: Value, node: str, formula: str, grader) -> str:
    """The grader's diagnosis of a wrong formula ("" if it has none or refuses the formula)."""
    if grader is None:
        from .grade import check_formula as grader
    try:
        verdict = grader(root, node, formula)
    except (ValueError, TypeError):  # the older grader raises FormulaError for what it cannot read
        return ""
    return str(getattr(verdict, "diagnosis", "") or "")


def read_answers(path: str | Path) -> dict[str, object]:
    """Node name -> answer from a JSON object ({"z2": -1.89, "a2": "z2 - y"}), a JSON list of
    [name, answer] pairs, or a CSV of rows `node,answer` (a header row `node,answer` is optional)."""
    path = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise ValueError(f"cannot read {path}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a UTF-8 text file") from None
    if path.endswith(".json") or text.lstrip()[:1] in "{[":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}: not valid JSON (line {e.lineno}: {e.msg})") from None
        if isinstance(data, dict):
            return data
        if isinstance(data, list) and all(isinstance(r, list) and len(r) == 2 for r in data):
            return {str(k): v for k, v in data}
        raise ValueError(f'{path}: expected an object {{"node": answer, ...}} or a list of [node, answer] pairs')
    out: dict[str, object] = {}
    for i, cells in enumerate(csv.reader(text.splitlines()), 1):
        row = join_split_brackets(cells)  # W1[0,1] written without quotes is one cell
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        if i == 1 and [c.strip().lower() for c in row[:2]] == ["node", "answer"]:
            continue
        if len(row) != 2:
            raise ValueError(f"{path}, line {i}: expected two columns node,answer, got {len(row)}")
        out[row[0].strip()] = row[1].strip()
    return out
