"""A backprop stepper: one self-contained HTML page with a frame of the graph per backward step.

Everything is inline (SVG, CSS, JS): the file opens from file:// with no network, and the same
markup shows in Jupyter through `_repr_html_`.
"""

from __future__ import annotations

import html
import itertools
from pathlib import Path as FilePath

from .draw import draw
from .engine import Value
from .trace import Trace, trace_backward

__all__ = ["stepper", "Stepper", "MAX_STEPS"]

_ids = itertools.count()
MAX_STEPS = 200  # each frame redraws the whole graph: past this the page grows quadratically


def _svg(trace: Trace, k: int) -> str:
    """The frame after k steps as an <svg> element to inline (no XML prolog, no doctype)."""
    svg = draw(trace.root, step=k, trace=trace).pipe(format="svg", encoding="utf-8")
    return svg[svg.index("<svg"):]


def _caption(trace: Trace, k: int) -> str:
    if k == 0:
        root = trace.names[trace.root]
        return f"before backward: ∂{root}/∂{root} = 1; every other gradient is still to come"
    return str(trace[k - 1])


_CSS = """
.mg-stepper{font-family:Helvetica,Arial,sans-serif;max-width:100%}
.mg-stepper .mg-bar{display:flex;gap:1em;align-items:center;margin:.4em 0}
.mg-stepper button{font-size:1em;padding:.2em .8em}
.mg-stepper .mg-frame svg{max-width:100%;max-height:75vh;width:auto;height:auto}
.mg-stepper pre{background:#f6f6f6;padding:.6em;overflow-x:auto;font-size:.9em}
"""

_JS = r"""
(function(){
  var root=document.getElementById(%(id)s), n=%(n)d, k=0;
  var frames=root.querySelectorAll('.mg-frame'), rows=root.querySelectorAll('.mg-row');
  var counter=root.querySelector('.mg-counter');
  function show(j){
    k=Math.max(0,Math.min(n,j));
    for(var i=0;i<=n;i++){frames[i].hidden=(i!==k);rows[i].hidden=(i!==k);}
    counter.textContent='step '+k+' / '+n;
    root.setAttribute('data-step',k);
  }
  root.querySelector('.mg-prev').onclick=function(){show(k-1);};
  root.querySelector('.mg-next').onclick=function(){show(k+1);};
  (%(page)s?document:root).addEventListener('keydown',function(e){
    if(e.key==='ArrowRight'){show(k+1);e.preventDefault();}
    else if(e.key==='ArrowLeft'){show(k-1);e.preventDefault();}
  });
  // a page opened as stepper.html#step=5 starts at that step, so a link can point at one
  var m=%(page)s&&/^#step=(\d+)$/.exec(location.hash);
  show(m?parseInt(m[1],10):0);
})();
"""


class Stepper:
    """The stepper's markup: `html()` for a whole page, `_repr_html_()` for Jupyter, `save(path)`."""

    def __init__(self, trace: Trace, max_steps: int = MAX_STEPS) -> None:
        if len(trace) > max_steps:
            raise ValueError(f"stepper: backward from {trace.names[trace.root]!r} takes {len(trace)} steps, "
                             f"more than max_steps={max_steps}; print trace_backward(root) instead, or raise it")
        self.trace = trace
        self.frames = [_svg(trace, k) for k in range(len(trace) + 1)]
        self.captions = [_caption(trace, k) for k in range(len(trace) + 1)]

    def _body(self, page: bool) -> str:
        uid = f"mg-stepper-{next(_ids)}"
        n = len(self.trace)
        parts = [f'<div class="mg-stepper" id="{uid}" tabindex="0"><style>{_CSS}</style>',
                 '<div class="mg-bar"><button class="mg-prev" type="button">◀ Prev</button>',
                 f'<span class="mg-counter">step 0 / {n}</span>',
                 '<button class="mg-next" type="button">Next ▶</button></div>']
        for k, svg in enumerate(self.frames):
            parts.append(f'<div class="mg-frame" data-k="{k}">{svg}</div>')
        for k, caption in enumerate(self.captions):
            parts.append(f'<pre class="mg-row" data-k="{k}">{html.escape(caption)}</pre>')
        parts.append(f"<script>{_JS % {'id': repr(uid), 'n': n, 'page': 'true' if page else 'false'}}</script></div>")
        return "\n".join(parts)

    def html(self) -> str:
        """A whole page; the arrow keys work anywhere on it."""
        title = html.escape(f"backprop step by step: {self.trace.names[self.trace.root]}")
        return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>\n'
                f"<body>\n{self._body(page=True)}\n</body></html>\n")

    def _repr_html_(self) -> str:
        # in a notebook the arrow keys act only when the stepper has the focus
        return self._body(page=False)

    def save(self, path: str | FilePath) -> FilePath:
        path = FilePath(path)
        path.write_text(self.html(), encoding="utf-8")
        return path


def stepper(root: Value | Trace, path: str | FilePath | None = None, *, max_steps: int = MAX_STEPS) -> Stepper:
    """Run backward from root (or take a trace) and build the stepper; write it to `path` if given."""
    s = Stepper(root if isinstance(root, Trace) else trace_backward(root), max_steps)
    if path is not None:
        s.save(path)
    return s
