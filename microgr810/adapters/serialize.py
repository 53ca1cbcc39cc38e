"""Save an MLP to JSON and load it back: exact floats, atomic writes, strict checks.

The file is plain JSON (never pickle: loading a file must not run code):

    {"format": "microgr810.MLP", "version": 1, "nin": 3, "nouts": [4, 1],
     "activation": "sigmoid", "output_activation": "sigmoid",
     "parameters": {"W1": [[...], ...], "b1": [...], "W2": [[...]], "b2": 0.25}}

Blocks have the shapes of `MLP.shapes()`. Floats are written with repr, the shortest text that
reads back as the same double, so a save/load round trip is bit-exact (-0.0 included). JSON has
no NaN or inf, so a model holding one is refused on save, naming the parameter.

Loading checks everything before it builds anything, and returns a new MLP only when the whole
file is valid: a truncated, corrupted, wrong-shaped or hostile file raises ModelFileError and
leaves nothing half-loaded; it reads in time proportional to the file's size, and refuses a FIFO,
device or any non-regular file at once. Saving goes through core.files.write_atomic: a crash or
Ctrl-C mid-write leaves the old file intact, and a link, FIFO or device is refused, never replaced.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

from ..core.files import write_atomic
from ..core.nn import MLP, activation_names

__all__ = [
    "save",
    "load",
    "atomic_write",
    "ModelFileError",
    "FORMAT",
    "VERSION",
    "MAX_BYTES",
    "MAX_PARAMETERS",
    "MAX_LAYERS",
    "MAX_DEPTH",
]

FORMAT = "microgr810.MLP"
VERSION = 1
# Limits against hostile files: each is far above any network a scalar engine can train.
MAX_BYTES = 16 * 2**20  # ~20 bytes a float; the worst file this size (all escapes) is read in ~2.5 s
MAX_PARAMETERS = 500_000  # every W and b entry together: a forward pass of about a second
MAX_LAYERS = 1_000
MAX_DEPTH = 4  # top object > parameters > W > row
_KEYS = ("format", "version", "nin", "nouts", "activation", "output_activation", "parameters")
# a string, or an unterminated one running to the end: every match start succeeds, so a file of
# lone quotes is read once, not once per quote (linear time)
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.S)


class ModelFileError(ValueError):
    """A model file that cannot be loaded (or a model that cannot be saved); the message says why."""


def _path(path: object, verb: str) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"MLP.{verb}: path must be a str or os.PathLike, got {type(path).__name__}: {path!r:.80}")
    return Path(path)


# -- saving ----------------------------------------------------------------------------------------


def save(net: MLP, path: str | os.PathLike) -> None:
    """Write `net` to `path` as JSON, atomically (temp file in the same folder + os.replace)."""
    path = _path(path, "save")
    if not isinstance(net, MLP):
        raise TypeError(f"MLP.save: expected an MLP, got {type(net).__name__}")
    for p in net.parameters():
        if not math.isfinite(p.data):
            raise ModelFileError(
                f"cannot save to {path}: parameter {p.label} is {p.data!r} (JSON has no NaN or infinity)"
            )
    acts = {n.activation for layer in net.layers[:-1] for n in layer.neurons}
    if len(acts) > 1:
        raise ModelFileError(f"cannot save to {path}: the hidden layers mix activations {sorted(map(str, acts))}")
    header = {
        "format": FORMAT,
        "version": VERSION,
        "nin": net.nin,
        "nouts": [len(layer.neurons) for layer in net.layers],
        "activation": acts.pop() if acts else None,
        "output_activation": net.layers[-1].neurons[0].activation,
    }
    # one block a line keeps the file readable; tolist() gives Python floats, which json writes by repr
    blocks = [f"  {json.dumps(k)}: {json.dumps(v.tolist(), allow_nan=False)}" for k, v in net.arrays().items()]
    text = json.dumps(header)[:-1] + ',\n "parameters": {\n' + ",\n".join(blocks) + "\n}}\n"
    try:
        write_atomic(path, text)
    except ValueError as e:  # a link, FIFO, device or folder: refused, never replaced
        raise ModelFileError(f"cannot save to {path}: {e}") from None


atomic_write = write_atomic  # the one atomic writer (core.files), under the name other modules import here


# -- loading ---------------------------------------------------------------------------------------


def load(path: str | os.PathLike) -> MLP:
    """A new MLP from a file written by `save`; ModelFileError if anything in it is off."""
    path = _path(path, "load")

    def bad(why: str) -> ModelFileError:
        return ModelFileError(f"cannot load {path}: {why}")

    raw = _read_regular(path, bad)
    if len(raw) > MAX_BYTES:
        raise bad(f"the file is larger than {MAX_BYTES} bytes")
    # cheap checks before the parser sees it: json recurses once per bracket level, and a
    # list of ten million entries would cost gigabytes before its shape could be checked
    if raw.count(b",") > MAX_PARAMETERS + 100:
        raise bad(f"too many entries (more than {MAX_PARAMETERS} parameters)")
    depth = _max_depth(raw)
    if depth > MAX_DEPTH:
        raise bad(f"nesting {depth} levels deep, a model file has at most {MAX_DEPTH}")
    try:
        doc = json.loads(
            raw.decode("utf-8"), parse_int=_parse_int, parse_constant=_no_constant, object_pairs_hook=_no_duplicates
        )
    except UnicodeDecodeError as e:
        raise bad(f"not UTF-8 text (byte {e.start})") from None
    except json.JSONDecodeError as e:
        raise bad(f"not valid JSON (truncated or corrupted?): {e.msg} at line {e.lineno} column {e.colno}") from None
    except ValueError as e:  # from the hooks
        raise bad(str(e)) from None
    nin, nouts, activation, output_activation, blocks = _check_header(doc, bad)
    arrays = _check_blocks(blocks, nin, nouts, bad)
    net = MLP(nin, nouts, activation, output_activation)
    return net.set_arrays(arrays)


def _read_regular(path: Path, bad) -> bytes:
    """The file's bytes, at most MAX_BYTES + 1; a FIFO, device or folder is refused without waiting."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO opens at once, and is refused
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise bad("not a regular file (a FIFO, device or folder); a model file is a plain file")
        return f.read(MAX_BYTES + 1)


def _max_depth(raw: bytes) -> int:
    """How deeply [ and { nest in JSON text, strings skipped (numpy: no loop per byte)."""
    import numpy as np

    text = _STRING.sub(b'""', raw)
    b = np.frombuffer(text, dtype=np.uint8)
    step = (b == ord("[")).astype(np.int64) + (b == ord("{")) - (b == ord("]")) - (b == ord("}"))
    return int(np.cumsum(step).max(initial=0))


def _parse_int(text: str) -> int:
    if len(text) > 18:  # beyond any layer size, and int() of a huge string is slow
        raise ValueError(f"the integer {text[:20]}... is too large")
    return int(text)


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed (JSON has no NaN or infinity)")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise ValueError(f"the key {dup!r:.60} appears twice in one object")
    return out


def _is_int(v: object) -> bool:
    return type(v) is int


def _check_header(doc: object, bad) -> tuple:
    if not isinstance(doc, dict):
        raise bad(f"expected a JSON object at the top, got {type(doc).__name__}")
    if doc.get("format") != FORMAT:
        raise bad(f"not a microgr810 model file (format is {doc.get('format')!r:.60}, expected {FORMAT!r})")
    if doc.get("version") != VERSION or not _is_int(doc.get("version")):
        raise bad(f"unsupported version {doc.get('version')!r:.60} (this microgr810 reads version {VERSION})")
    missing = [k for k in _KEYS if k not in doc]
    unknown = sorted(k for k in doc if k not in _KEYS)
    if missing or unknown:
        raise bad(f"expected the keys {list(_KEYS)}; missing {missing}, unknown {[f'{k:.40}' for k in unknown]}")
    nin, nouts = doc["nin"], doc["nouts"]
    if not _is_int(nin) or nin < 1:
        raise bad(f"nin must be a positive integer, got {nin!r:.60}")
    if not isinstance(nouts, list) or not 1 <= len(nouts) <= MAX_LAYERS:
        raise bad(f"nouts must be a list of 1 to {MAX_LAYERS} layer sizes, got {nouts!r:.60}")
    for i, n in enumerate(nouts):
        if not _is_int(n) or n < 1:
            raise bad(f"nouts[{i}] must be a positive integer, got {n!r:.60}")
    sizes = [nin, *nouts]
    total = sum(sizes[i + 1] * (sizes[i] + 1) for i in range(len(nouts)))
    if total > MAX_PARAMETERS:
        raise bad(f"the shape {sizes} has {total} parameters, more than the limit {MAX_PARAMETERS}")
    for key in ("activation", "output_activation"):
        if not (doc[key] is None or isinstance(doc[key], str)) or doc[key] not in activation_names():
            raise bad(f"{key} must be one of relu, tanh, sigmoid, linear or null, got {doc[key]!r:.60}")
    if not isinstance(doc["parameters"], dict):
        raise bad(f"parameters must be an object, got {type(doc['parameters']).__name__}")
    return nin, nouts, doc["activation"], doc["output_activation"], doc["parameters"]


def _check_blocks(blocks: dict, nin: int, nouts: list[int], bad) -> dict[str, np.ndarray]:
    import numpy as np

    """Every W{l} (nout×nin rows of numbers) and b{l} (nout numbers, one bare number for a scalar output)."""
    sizes = [nin, *nouts]
    want: dict[str, tuple[int, ...]] = {}
    for l in range(1, len(nouts) + 1):
        want[f"W{l}"] = (sizes[l], sizes[l - 1])
        want[f"b{l}"] = () if l == len(nouts) and sizes[l] == 1 else (sizes[l],)
    missing = [k for k in want if k not in blocks]
    unknown = sorted(k for k in blocks if k not in want)
    if missing or unknown:
        raise bad(
            f"parameters must hold exactly {list(want)}; missing {missing}, unknown {[f'{k:.40}' for k in unknown]}"
        )
    out = {}
    for name, shape in want.items():
        value = blocks[name]
        rows = [value] if len(shape) < 2 else value
        if len(shape) == 2 and (not isinstance(value, list) or len(value) != shape[0]):
            raise bad(f"{name} must be a list of {shape[0]} rows, got {_describe(value)}")
        flat: list[float] = []
        for h, row in enumerate(rows):
            where = f"{name}[{h}]" if len(shape) == 2 else name
            if shape == ():
                row = [row]
            elif not isinstance(row, list) or len(row) != shape[-1]:
                raise bad(f"{where} must be a list of {shape[-1]} numbers, got {_describe(row)}")
            for m, v in enumerate(row):
                what = name if shape == () else f"{where}[{m}]"
                if type(v) is not float and type(v) is not int:  # bool, str, list, None
                    raise bad(f"{what} must be a number, got {_describe(v)}")
                f = float(v)
                if not math.isfinite(f):  # 1e999 parses to inf
                    raise bad(f"{what} is {v!r}, not a finite number")
                flat.append(f)
        out[name] = np.array(flat, dtype=float).reshape(shape)
    return out


def _describe(v: object) -> str:
    if isinstance(v, list):
        return f"a list of {len(v)}"
    if isinstance(v, dict):
        return "an object"
    return f"{type(v).__name__} {v!r:.40}"
