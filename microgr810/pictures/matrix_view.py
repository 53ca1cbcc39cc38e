"""The matrix-level drawing of an MLP's graph, and its stepper: one box per matrix (x, W1, a1, z1, ...).

Each box shows the matrix's shape, its forward op (a1 = W1 @ x + b1), its values and gradient, and the
scalar nodes it collapses (W1[0,0] … W1[3,2]); each edge carries the shape that flows along it. The
stepper walks backward one matrix op at a time with the vectorised lines (dW1 = dA1 @ x.T) and shapes.
"""

from __future__ import annotations

import html
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from ..core.engine import Value, topological_order
from ..notation.expr import names
from ..notation.formats import fmt
from ..notation.matrix_formula import evaluate, read, size
from ..teaching.matrices import MatrixStep, MatrixView, backward_steps, gradient_name, matrices
from .colours import PHASE_COLOURS, ROLE_COLOURS
from .draw import Drawing
from .graphviz_html import html_text, table

__all__ = ["draw_matrices", "matrix_stepper", "MatrixStepper", "MAX_SHOWN"]

MAX_SHOWN = 5  # rows and columns of numbers a box shows; more are elided with …
_FILL = {**ROLE_COLOURS, "target": ROLE_COLOURS["constant"]}


def draw_matrices(root: Value, *, step: int | None = None, precision: int = 3, fontsize: int = 12) -> Drawing:
    """The graph under root (a loss built by nn.MLP) at the matrix level, after root.backward().

    step: as the matrix stepper's step k (0 = the loss's op): that op's boxes are outlined and only the
    gradients computed by steps 0..k are shown."""
    view = matrices(root)
    steps = backward_steps(view)
    known = _known_gradients(steps, step)
    current = steps[step] if step is not None and 0 <= step < len(steps) else None
    forward = {s.output: s.forward for s in steps}
    g = Drawing("matrices", graph_attr={"rankdir": "LR", "fontsize": str(fontsize)})
    g.attr("node", shape="box", fontname="Helvetica", fontsize=str(fontsize))
    g.attr("edge", fontname="Helvetica", fontsize=str(fontsize - 1))
    lit = set(current.inputs) | {current.output} if current else set()
    for name, m in view.items():
        show = known is None or name in known
        cells: list[str | tuple[str, str]] = [f"<B>{html_text(name, 20)}</B>  {size(m.shape)}"]
        if name in forward:
            cells.append(html_text(forward[name], 60))
        cells.append(("data " + _grid(m.values, precision), ""))
        if m.kind != "target":
            grads = _grid(m.grads, precision) if show else "?"
            cells.append((f"grad {grads}", ""))
        cells.append(html_text(_scalars(m.names, "target" if m.kind == "target" else "scalar node"), 60))
        g.node(name, table(cells, stacked=True), **_box(_FILL[m.kind], name in lit))
    L = f"L = {fmt(root.data, precision + 1)}"
    g.node("L", table(["<B>L</B>  1×1", html_text(L, 40)], stacked=True), **_box(ROLE_COLOURS["output"], "L" in lit))
    for s in steps:
        for source in s.inputs:
            if source in view:
                g.edge(source, s.output, label=size(view[source].shape))
    return g


def _known_gradients(steps: list[MatrixStep], step: int | None) -> set[str] | None:
    """The matrices whose gradients steps 0..step computed (None: all, as after backward)."""
    if step is None:
        return None
    named = {gradient_name(n): n for s in steps for n in [s.output, *s.inputs]}
    return {named[target] for s in steps[: step + 1] for target, _ in s.lines if target in named}


def _box(fill: str, lit: bool) -> dict[str, str]:
    colour = PHASE_COLOURS["current"] if lit else "#666666"
    return {"style": "filled", "fillcolor": fill, "color": colour, "penwidth": "3" if lit else "1", "margin": "0"}


def _grid(values: np.ndarray, precision: int) -> str:
    """A matrix's numbers row by row as label markup, at most MAX_SHOWN rows and columns."""
    rows, cols = values.shape
    r_idx = list(range(min(rows, MAX_SHOWN)))
    c_idx = list(range(min(cols, MAX_SHOWN)))
    lines = []
    for r in r_idx:
        row = "  ".join(f"{fmt(values[r, c], precision):>7s}" for c in c_idx) + ("  …" if cols > MAX_SHOWN else "")
        lines.append(html.escape(row))
    if rows > MAX_SHOWN:
        lines.append("⋮")
    body = '<BR ALIGN="LEFT"/>'.join(["", *lines]) + '<BR ALIGN="LEFT"/>'
    return f'<FONT FACE="DejaVu Sans Mono,Courier New,monospace">{body}</FONT>'


def _scalars(names: np.ndarray, what: str) -> str:
    flat = [str(n) for n in names.flat]
    if len(flat) == 1:
        return f"{what} {flat[0]}"
    return f"{len(flat)} {what}s {flat[0]} … {flat[-1]}"


# -- the stepper: one page, one frame per matrix op ----------------------------------------------------


class MatrixStepper:
    """An HTML page stepping backward one matrix op at a time; each frame shows the op, its vectorised
    backward lines with shapes, and the drawing. Without JavaScript every frame shows, one under another."""

    def __init__(self, root: Value) -> None:
        view = matrices(root)
        self.steps = backward_steps(view)
        env = _gradient_env(view)
        self.frames = []
        for k, s in enumerate(self.steps):
            svg = draw_matrices(root, step=k).pipe(format="svg").decode("utf-8")
            svg = _legible(svg[svg.find("<svg") :])
            self.frames.append((s, [_line(target, formula, env) for target, formula in s.lines], svg))

    def html(self) -> str:
        parts = []
        for k, (s, lines, svg) in enumerate(self.frames):
            shown = "".join(f"<li><code>{html.escape(line)}</code></li>" for line in lines)
            parts.append(
                f'<section class="frame" id="frame{k}"><h2>Step {k + 1} of {len(self.frames)}: '
                f"<code>{html.escape(s.forward)}</code></h2><p>backward through it:</p><ul>{shown}</ul>"
                f'<div class="graph">{svg}</div></section>'
            )
        return _PAGE.replace("{frames}", "\n".join(parts)).replace("{count}", str(len(self.frames)))

    def _repr_html_(self) -> str:
        return self.html()

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        _write_atomically(path, self.html())
        return path

    def __repr__(self) -> str:
        return f"MatrixStepper({len(self.frames)} steps)"


def matrix_stepper(root: Value, path: str | Path | None = None) -> MatrixStepper:
    """Run backward from root (a loss built by nn.MLP) and build the matrix stepper; write it to `path` if given.
    The leaves' gradients are zeroed first: the page shows this one backward's gradients."""
    for node in topological_order(root):
        if not node.inputs:
            node.grad = 0.0  # leaves accumulate across backward calls
    root.backward()
    s = MatrixStepper(root)
    if path is not None:
        s.save(path)
    return s


def _legible(svg: str) -> str:
    """The drawing at one CSS pixel per point: its 12 pt text reads at 12 px; a wider page scrolls."""
    m = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    if m is None:
        return svg
    return svg.replace(m[0], f'<svg style="width: {float(m[1]):.0f}px; height: {float(m[2]):.0f}px"', 1)


def _gradient_env(view: MatrixView) -> dict[str, Any]:
    env: dict[str, Any] = {n: m.values for n, m in view.items()}
    env |= {gradient_name(n): m.grads for n, m in view.items()}
    if view.N is not None:
        env["N"] = np.full((1, 1), float(view.N))
    return env


def _line(target: str, formula: str, env: dict[str, Any]) -> str:
    """ "dW1 = dA1 @ x.T" with each operand's shape, the result's, and whether it equals the engine's gradient."""
    tree = read(formula)
    result = evaluate(tree, env).value
    shapes = ", ".join(f"{n.stem} {size(np.shape(env[n.stem]))}" for n in names(tree) if n.stem in env)
    same = np.allclose(result, env[target]) if target in env else False
    check = "= the engine's gradient" if same else "≠ the engine's gradient"
    return f"{target} = {formula}   →  {size(np.shape(result))}   ({shapes})   {check}"


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Backprop, one matrix op at a time</title>
<style>
body { font-family: Helvetica, Arial, sans-serif; margin: 12px 16px; }
nav { position: sticky; top: 0; background: #fff; padding: 4px 0; display: none; }
body.js nav { display: block; }
body.js .frame { display: none; }
body.js .frame.on { display: block; }
h2 { font-size: 18px; margin: 6px 0; }
ul { margin: 4px 0 8px; font-size: 15px; }
.graph { overflow: auto; }
button { font-size: 15px; padding: 4px 12px; }
</style></head>
<body>
<nav><button id="prev">◀ Prev</button> <button id="next">Next ▶</button> <span id="where"></span>
(arrow keys step)</nav>
{frames}
<script>
(function () {
  document.body.classList.add("js");
  var k = 0, n = {count};
  function show(i) {
    k = Math.max(0, Math.min(n - 1, i));
    for (var j = 0; j < n; j++) document.getElementById("frame" + j).classList.toggle("on", j === k);
    document.getElementById("where").textContent = "step " + (k + 1) + " of " + n;
  }
  document.getElementById("prev").onclick = function () { show(k - 1); };
  document.getElementById("next").onclick = function () { show(k + 1); };
  document.addEventListener("keydown", function (e) {
    if (e.key === "ArrowRight") show(k + 1);
    if (e.key === "ArrowLeft") show(k - 1);
  });
  var m = /step=(\\d+)/.exec(location.hash);
  show(m ? parseInt(m[1], 10) - 1 : 0);
})();
</script>
</body></html>
"""
