"""One short name for every node, the same in the drawing, the trace, explain, the stepper and derive.

A node's name is its label, else t1, t2, ... in the order computed (unlabelled leaves: v1, v2, ...).
In a batch every datapoint builds its own copy of the network's nodes (three `a2` for three
datapoints); a label that repeats is told apart by the datapoint the node belongs to: `a2[n=1]`.
A datapoint is marked by its loss, labelled `L[n=1]` (as `losses` labels each datapoint's loss),
and a node belongs to datapoint n when every path from it to the root passes through that loss.
`find(root, name)` is the one way back from a name to its node.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..core.engine import Value, topological_order
from ..core.losses import datapoint_label

__all__ = [
    "node_names",
    "datapoint_label",
    "slots",
    "find",
    "DATAPOINT",
    "Name",
    "parse_name",
    "block_name",
    "math_name",
    "partial",
]

DATAPOINT = re.compile(r"\[n=(\d+)\]$")  # a name ending in [n=k]: of datapoint k (a loss labelled so marks it)
_MIXED = -1  # used by more than one datapoint (a weight), or by the batch's own nodes (the mean)


@dataclass(frozen=True)
class Name:
    """A node's name read as the math writes it: W1[0,1] -> stem "W1", index ("0", "1"), datapoint None;
    z1[0][n=2] -> "z1", ("0",), 2; y_hat -> "y_hat", (), None. `stem` is "" for a name that is no
    identifier followed by brackets (a label such as "x1*w1 + x2*w2")."""

    text: str
    stem: str
    index: tuple[str, ...]
    datapoint: int | None

    @property
    def letters(self) -> str:
        """The stem's letters: W1 -> "W", y_hat -> "y_hat"."""
        return split_stem(self.stem)[0]

    @property
    def number(self) -> str:
        """The stem's number (a layer): W1 -> "1", y_hat -> ""."""
        return split_stem(self.stem)[1]

    @property
    def base(self) -> str:
        """The name without its datapoint: z1[0][n=2] -> z1[0]."""
        return self.text[: self.text.rfind("[n=")] if self.datapoint is not None else self.text


_NAME = re.compile(r"([^\W\d]\w*)(?:\[(?!n=\d+\]$)([^\[\]]*)\])?(?:\[n=(\d+)\])?")  # a2[n=1]: no index


def split_stem(stem: str) -> tuple[str, str]:
    """A stem's letters and its trailing number: W1 -> ("W", "1"), t12 -> ("t", "12"), y_hat -> ("y_hat", "")."""
    letters = stem.rstrip("0123456789")
    return letters, stem[len(letters) :]


def parse_name(name: str) -> Name:
    """The one reader of node names (W1[0,1], x[m], z1[0][n=2], a2[n=1], y_hat): every module that
    takes a name apart asks this. Spaces inside the brackets do not count."""
    m = _NAME.fullmatch(_spaceless_indices(name.strip()))
    if m is None:
        return Name(name, "", (), None)
    index = tuple(m[2].split(",")) if m[2] else ()
    return Name(name, m[1], index, int(m[3]) if m[3] else None)


def math_name(name: str) -> str:
    """A name as math text writes it after ∂ or in a product: bracketed when it is no name but an expression
    (a label such as "x1*w1 + x2*w2" -> "(x1*w1 + x2*w2)"), so ∂n/∂(x1*w1 + x2*w2) reads as one derivative."""
    if parse_name(name).stem or (name.startswith("(") and name.endswith(")")):
        return name
    return f"({name})" if any(c in name for c in " +-−*/^·×") else name


def partial(out: str, wrt: str) -> str:
    """∂out/∂wrt as math text, each name bracketed if it needs it (math_name)."""
    return f"∂{math_name(out)}/∂{math_name(wrt)}"


def block_name(names: list[str]) -> str:
    """A block of names as the math writes it: x[0], x[1] -> "x"; W1[1,0], W1[1,1] -> "W1[1,:]" (a row);
    one datapoint's keep its index: z1[0][n=2], z1[1][n=2] -> "z1[n=2]"; anything else -> the names in a row."""
    parsed = [parse_name(n) for n in names]
    ends = {p.datapoint for p in parsed}
    end = f"[n={ends.pop()}]" if len(ends) == 1 and None not in ends else ""
    stems = {p.stem for p in parsed}
    if len(stems) != 1 or "" in stems or not all(p.index for p in parsed):
        return "(" + ", ".join(names) + ")"
    stem = stems.pop()
    rows = {p.index[0] for p in parsed}
    if all(len(p.index) == 2 for p in parsed) and len(rows) == 1:
        return f"{stem}[{rows.pop()},:]{end}"
    return stem + end


def _datapoints(order: list[Value]) -> dict[Value, int]:
    """node -> the datapoint n it belongs to, for the nodes under exactly one loss labelled ...[n=k]."""
    seen: dict[Value, int] = {}  # what the users of each node said so far
    out: dict[Value, int] = {}
    for node in reversed(order):  # every user of a node comes before it
        m = DATAPOINT.search(node.label)
        n = int(m[1]) if m else seen.get(node, _MIXED)
        if n != _MIXED:
            out[node] = n
        for x in node.inputs:
            seen[x] = n if seen.get(x, n) == n else _MIXED
    return out


def node_names(root: Value) -> dict[Value, str]:
    """Every node under root by name: its label (with [n=k] where a batch repeats it), else t1, t2, ...
    in the order computed; unlabelled leaves v1, v2, ...; a label still repeated gets #2, #3, ..."""
    order = topological_order(root)
    repeated = {label for label, count in Counter(n.label for n in order if n.label).items() if count > 1}
    datapoint = _datapoints(order) if repeated else {}
    taken = {n.label for n in order if n.label}  # an automatic name never copies a label
    names: dict[Value, str] = {}
    counters: Counter[str] = Counter()  # "t", "v" and each repeated name: how many so far

    def fresh(stem: str, sep: str = "") -> str:
        while True:
            counters[stem] += 1
            name = f"{stem}{sep}{counters[stem]}"
            if name not in taken:
                taken.add(name)
                return name

    for node in order:
        if node.label not in repeated:
            names[node] = node.label or fresh("t" if node.op else "v")
        elif node in datapoint:
            names[node] = datapoint_label(node.label, datapoint[node])
        else:
            names[node] = node.label
    # what is still repeated (one label used twice within a datapoint, or outside any): a#1, a#2, ...;
    # the root keeps its name (a mean of single-datapoint losses, each labelled L, is still L)
    twice = {name for name, count in Counter(names.values()).items() if count > 1}
    for node in order:
        if names[node] in twice and node is not root:
            names[node] = fresh(names[node], "#")
    return names


def find(root: Value, name: Value | str, *, names: dict[Value, str] | None = None, where: str = "") -> Value:
    """The node under root that `name` stands for: a Value of the graph, a name as `node_names` writes it
    (its label, else t3; a2[n=1] where a batch repeats a2; spaces inside brackets do not count).

    names: root's `node_names`, when the caller has them already. where: what the error messages start
    with (e.g. "explain"). Raises ValueError naming the node and some of the graph's names.
    """
    say = f"{where}: " if where else ""
    if not isinstance(root, Value):
        raise TypeError(f"{say}root must be a Value, got {type(root).__name__}: {root!r:.80}")
    names = node_names(root) if names is None else names
    if isinstance(name, Value):
        if name not in names:
            raise ValueError(f"{say}{name.describe()} is not in the graph under {names[root]!r}")
        return name
    if not isinstance(name, str):
        raise TypeError(f"{say}node must be a Value or a node's name, got {type(name).__name__}: {name!r:.80}")
    wanted = _spaceless_indices(name.strip())  # "W1[0, 1]" is W1[0,1]
    for node, n in names.items():
        if n == name or _spaceless_indices(n) == wanted:
            return node
    # a label held by one node is its name; one held by several was renamed (a2[n=1], a#2)
    labelled = [names[n] for n in names if n.label and _spaceless_indices(n.label) == wanted]
    if labelled:  # a label a batch repeats: the names that tell its nodes apart
        shown = ", ".join(labelled[:4]) + (", ..." if len(labelled) > 4 else "")
        raise ValueError(f"{say}{len(labelled)} nodes are labelled {name!r} under {names[root]!r}: name one ({shown})")
    every = list(names.values())
    # a typo's nearest names first (W9[0,0] -> W1[0,0], W2[0,0]), then the rest in the order computed
    near = difflib.get_close_matches(wanted, every, n=4, cutoff=0.7)
    listed = list(dict.fromkeys([*near, *every]))[:8]
    rest = f", ... ({len(every)} names)" if len(every) > len(listed) else ""
    raise ValueError(f"{say}no node named {name!r:.80} under {names[root]!r}; its nodes are {', '.join(listed)}{rest}")


def _spaceless_indices(name: str) -> str:
    return re.sub(r"\[[^\]]*\]", lambda m: re.sub(r"\s+", "", m[0]), name)


def slots(node: Value) -> list[str]:
    """For each input of node: "" if it is there once, else which of its slots this is ("1st", "2nd", ...),
    so the paths through t1 = a·a can be told apart: ∂t1/∂a (1st), ∂t1/∂a (2nd)."""
    inputs = node.inputs
    times = Counter(inputs)
    seen: Counter[Value] = Counter()
    out = []
    for x in inputs:
        seen[x] += 1
        out.append(_ordinal(seen[x]) if times[x] > 1 else "")
    return out


def _ordinal(k: int) -> str:
    return f"{k}{'th' if 10 <= k % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(k % 10, 'th')}"


def resolver(known: Iterable[str]) -> Callable[[str, tuple], str]:
    """For a formula reader: (stem, indices) -> the node name it means, if `known` has it; else a ValueError
    listing some of the known names (W1, (0, 1) -> "W1[0,1]")."""
    names = list(dict.fromkeys(known))

    def resolve(stem: str, indices: tuple) -> str:
        name = f"{stem}[{','.join(map(str, indices))}]" if indices else stem
        if name not in names:
            shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
            raise ValueError(f"no node named {name!r} in this graph; its names are {shown}")
        return name

    return resolve
