"""A backprop stepper: one self-contained HTML page that steps through backward on one drawing.

The page holds one SVG (frame 0, as `draw(root, step=0)` renders it) and, per frame, only what
changes: each box's phase, its gradient text and the current box. The script applies a frame by
setting classes (styled by CSS made from draw's own PHASE_STYLES and FLOW_STYLE) and texts, so a
big graph costs one drawing, not one per step. Without JavaScript (a notebook on GitHub) the page
is frame 0 and the table of every step; the controls stay hidden. Everything is inline: it opens
from file:// with no network, and the same markup shows in Jupyter through `_repr_html_`.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path as FilePath
from typing import Any

from ..core.engine import Value
from ..core.files import write_atomic
from ..notation.formats import html_text, page_json
from ..notation.names import partial
from ..teaching.quiz import predict_html
from ..teaching.trace import Trace, trace_backward
from .draw import FLOW_STYLE, MAX_NODES, PHASE_STYLES, draw
from .views import step_frames

__all__ = ["stepper", "Stepper", "MAX_STEPS", "MIN_TEXT_PX"]

_ids = itertools.count()
MAX_STEPS = 200  # a row of the table and a key press per step: past this, read trace_backward(root) instead
MIN_TEXT_PX = 12  # the smallest node text the page shows at its "fit" zoom
PREDICT_EM = 12  # in predict mode, the least height of the row under the graph (caption em): a heading and 3 boxes


# the graph's part of a 1280 x 800 window: the page less its bar, the caption and the margins
VIEW_PX = (1258, 620)


def _fit_scale(svg: str) -> float:
    """How much the page's "fit" zoom scales this SVG in a 1280 x 800 window (its size is in points)."""
    m = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    if m is None:
        raise ValueError(f"stepper: graphviz wrote an SVG without a size in points: {svg[:200]!r}")
    return min(VIEW_PX[0] / float(m[1]), VIEW_PX[1] / float(m[2]))


def _caption(trace: Trace, k: int) -> str:
    if k == 0:
        root = trace.names[trace.root]
        return f"before backward: {partial(root, root)} = 1; every other gradient is still to come"
    return str(trace[k - 1])


def _css_of(style: dict[str, str]) -> str:
    """graphviz attributes (color, penwidth, style) as the SVG properties they become ("5,2": dot's dashes)."""
    dashed = "dashed" in style.get("style", "")
    return f"stroke:{style['color']};stroke-width:{style['penwidth']};stroke-dasharray:{'5,2' if dashed else 'none'}"


def _phase_css(scope: str) -> str:
    """A frame's looks as CSS: it overrides the SVG's own attributes, which show frame 0."""
    rules = [
        f"{scope} g.mg-{phase}>polygon:first-of-type,{scope} g.mg-{phase}>ellipse{{{_css_of(style)}}}"
        for phase, style in PHASE_STYLES.items()
    ]
    c, w = FLOW_STYLE["color"], FLOW_STYLE["penwidth"]
    rules.append(
        f"{scope} g.mg-flow>path{{stroke:{c};stroke-width:{w}}}{scope} g.mg-flow>polygon{{stroke:{c};fill:{c}}}"
    )
    return "\n".join(rules)


_CSS = """
.mg-stepper{font-family:Helvetica,Arial,sans-serif;font-size:15px;color:#111;box-sizing:border-box}
.mg-stepper *{box-sizing:border-box}
.mg-page{margin:0}
.mg-top{display:flex;flex-direction:column}
.mg-page .mg-top{height:100vh;padding:6px 10px}
.mg-bar{display:flex;flex-wrap:wrap;gap:.5em 1em;align-items:center;padding:0 0 6px 0}
.mg-bar[hidden]{display:none}
.mg-bar button{font-size:15px;padding:.25em .8em;min-width:2.4em}
.mg-counter{font-weight:bold;min-width:8em}
.mg-keys{color:#444;font-size:13px}
.mg-view{flex:1 1 auto;min-height:12em;max-height:80vh;overflow:auto;border:1px solid #bbb;background:#fff}
.mg-page .mg-view{max-height:none}
.mg-view svg{display:block;width:100%;height:auto}
.mg-under{flex:0 0 auto;display:flex;gap:10px;margin:6px 0 0 0}
.mg-caption{flex:1 1 0;min-width:0;max-height:30vh;overflow:auto}
.mg-stepper pre{background:#f4f4f4;padding:.5em .7em;font-size:14px;line-height:1.35;margin:0;white-space:pre}
.mg-extra:empty{display:none}
.mg-extra{flex:1 1 0;min-width:0;overflow:auto;contain:size;scroll-padding-bottom:2.5em}
.mg-under>.mg-extra>*{margin-top:0;margin-bottom:0}
.mg-extra .mg-p-bar{position:sticky;bottom:0;background:#fff;padding:.2em 0}
.mg-under:has(>.mg-extra:not(:empty)) pre{white-space:pre-wrap}
.mg-steps{border-collapse:collapse;margin:10px;width:calc(100% - 20px)}
.mg-steps caption{text-align:left;font-weight:bold;padding:.3em 0}
.mg-steps th{vertical-align:top;text-align:right;padding:.4em .6em;font-weight:normal;color:#444}
.mg-steps td{padding:2px 0;width:100%}
.mg-live .mg-steps tr{cursor:pointer}
.mg-steps tr.mg-now pre{background:#dbe9f6;outline:2px solid #00558F}
.mg-note{margin:0 0 6px 0;color:#333}
"""

# The stepper's script, one function for the page and the notebook widget (pictures/widget.py):
# mgStepper(root, page) brings the markup under `root` to life and returns {show(k), step()}.
STEPPER_JS = r"""
function mgStepper(root, page){
  var data=JSON.parse(root.querySelector('.mg-data').textContent);
  var n=data.phases.length-1, k=0, scale=null, fixed=false;
  var view=root.querySelector('.mg-view'), svg=view.querySelector('svg');
  var vbw=svg.viewBox.baseVal.width, vbh=svg.viewBox.baseVal.height;
  svg.removeAttribute('width'); svg.removeAttribute('height');
  var boxes=data.ids.map(function(id){
    var v=id&&root.querySelector('#'+id);
    if(!v){return null;}  // a box the drawing leaves out (focus=)
    var t=v.querySelectorAll('text');
    return {v:v, op:root.querySelector('#op'+id.slice(1)), grad:t[t.length-1]};  // the grad: each box's last line
  });
  var edges=Array.prototype.slice.call(root.querySelectorAll('g.edge'));
  var rows=root.querySelectorAll('.mg-steps tr'), caption=root.querySelector('.mg-caption');
  var counter=root.querySelector('.mg-counter');
  function zoom(s){
    // "fit" shows the whole graph, but never node text under MIN_PX px: past that the view scrolls
    var least=MIN_PX/data.fontsize;
    // (in a notebook the view grows with the graph, so there only the width counts)
    var w=(view.clientWidth-2)/vbw, h=page?(view.clientHeight-2)/vbh:w;
    if(s===null){s=Math.max(least,Math.min(w,h));fixed=false;}
    else{fixed=true;}
    scale=Math.max(0.1,Math.min(8,s));
    svg.style.width=(vbw*scale)+'px'; svg.style.height=(vbh*scale)+'px';
  }
  function show(j){
    k=Math.max(0,Math.min(n,j));
    var grads=data.grads[0].slice();
    for(var f=1;f<=k;f++){for(var i in data.grads[f]){grads[i]=data.grads[f][i];}}
    boxes.forEach(function(b,i){
      if(!b){return;}
      var cls='node mg-'+({d:'done',c:'current',p:'pending'})[data.phases[k][i]];
      b.v.setAttribute('class',cls); if(b.op){b.op.setAttribute('class',cls);}
      b.grad.textContent=grads[i];
    });
    var cur=data.flow[k], head=cur===null?null:'e'+cur.slice(1)+'_';
    edges.forEach(function(e){e.setAttribute('class',head&&e.id.indexOf(head)===0?'edge mg-flow':'edge');});
    for(var r=0;r<rows.length;r++){rows[r].className=(r===k)?'mg-now':'';}
    caption.textContent=rows[k].querySelector('pre').textContent;
    counter.textContent='step '+k+' / '+n;
    root.setAttribute('data-step',k);
    follow();
    // for a panel in .mg-extra (e.g. a quiz): the step shown now
    root.dispatchEvent(new CustomEvent('mg-step',{detail:{step:k,steps:n}}));
  }
  function follow(){
    // keep the current step's box (and its op) in view: scroll the view so it is centred once it is not inside
    var cur=[];
    boxes.forEach(function(b,i){if(b&&data.phases[k][i]==='c'){cur.push(b.v); if(b.op){cur.push(b.op);}}});
    if(!cur.length){return;}
    var r=cur.map(function(e){return e.getBoundingClientRect();}).reduce(function(a,b){
      return {left:Math.min(a.left,b.left),right:Math.max(a.right,b.right),
              top:Math.min(a.top,b.top),bottom:Math.max(a.bottom,b.bottom)};
    });
    var v=view.getBoundingClientRect(), pad=16;
    if(r.left<v.left+pad||r.right>v.right-pad){view.scrollLeft+=(r.left+r.right-v.left-v.right)/2;}
    if(r.top<v.top+pad||r.bottom>v.bottom-pad){
      // a notebook's view grows with the graph: there the notebook itself scrolls, so ask the nearest scroller
      if(view.scrollHeight>view.clientHeight){view.scrollTop+=(r.top+r.bottom-v.top-v.bottom)/2;}
      else if(!page){cur[0].scrollIntoView({block:'nearest',inline:'nearest'});}
    }
  }
  function act(e){
    var a={ArrowRight:function(){show(k+1);},ArrowLeft:function(){show(k-1);},
           '+':function(){zoom(scale*1.25);},'=':function(){zoom(scale*1.25);},
           '-':function(){zoom(scale/1.25);},'0':function(){zoom(null);},f:function(){zoom(null);}}[e.key];
    if(a&&!e.ctrlKey&&!e.metaKey&&!e.altKey){a();e.preventDefault();}
  }
  var bar=root.querySelector('.mg-bar');
  bar.querySelector('.mg-prev').onclick=function(){show(k-1);};
  bar.querySelector('.mg-next').onclick=function(){show(k+1);};
  bar.querySelector('.mg-in').onclick=function(){zoom(scale*1.25);};
  bar.querySelector('.mg-out').onclick=function(){zoom(scale/1.25);};
  bar.querySelector('.mg-fit').onclick=function(){zoom(null);};
  for(var r=0;r<rows.length;r++){rows[r].onclick=show.bind(null,r);}  // a row of the table jumps to its step
  (page?document:root).addEventListener('keydown',act);
  window.addEventListener('resize',function(){if(!fixed){zoom(null);}});
  // a notebook's view gets its width late (a widget is drawn before it is in the page): fit it then
  if(window.ResizeObserver){new ResizeObserver(function(){if(!fixed){zoom(null);}}).observe(view);}
  bar.hidden=false;  // the controls exist only where the script runs
  root.classList.add('mg-live');
  zoom(null);
  // a page opened as stepper.html#step=5 starts at that step, so a link can point at one
  var m=page&&/^#step=(\d+)$/.exec(location.hash);
  show(m?parseInt(m[1],10):0);
  return {show:show, step:function(){return k;}};
}
""".replace("MIN_PX", str(MIN_TEXT_PX))

# the page's call: %(id)s and %(page)s are filled in per page
_JS = (
    "(function(){\n" + STEPPER_JS.replace("%", "%%") + "\nmgStepper(document.getElementById(%(id)s), %(page)s);\n})();"
)


class Stepper:
    """The stepper's markup: `html()` for a whole page, `_repr_html_()` for Jupyter, `save(path)`.

    collapse: one box per neuron (see `draw`); None: a box per node where that shows text of MIN_TEXT_PX
    or more in a 1280 x 800 window, else a box per neuron.
    fontsize: of the drawing's text, in points. draw_options go to `draw` (e.g. rankdir="TB").
    predict: under the graph, ask for each step's gradients before it is shown (quiz.predict_html).
    """

    def __init__(
        self,
        trace: Trace,
        max_steps: int = MAX_STEPS,
        *,
        collapse: bool | None = None,
        fontsize: int = 16,
        predict: bool = False,
        **draw_options: Any,
    ) -> None:
        if len(trace) > max_steps:
            raise ValueError(
                f"stepper: backward from {trace.names[trace.root]!r} takes {len(trace)} steps, "
                f"more than max_steps={max_steps}; print trace_backward(root) instead, or raise it"
            )
        self.trace = trace
        self.fontsize = fontsize
        self.predict = predict
        # the first view (a box per node, then per neuron) whose better layout (left to right or top to
        # bottom) shows node text of at least MIN_TEXT_PX in a 1280 x 800 window; else the last, most compact
        if collapse is not None:
            views = [collapse]
        else:  # a box per node past MAX_NODES: draw would refuse it as illegible
            views = [False, True] if len(trace.names) <= MAX_NODES else [True]
        rankdirs = [draw_options.pop("rankdir")] if "rankdir" in draw_options else ["LR", "TB"]
        draw_options.setdefault("cluster_datapoints", True)
        for c in views:
            drawings = [
                draw(trace.root, step=0, trace=trace, collapse=c, fontsize=fontsize, rankdir=r, **draw_options)
                for r in rankdirs
            ]
            svgs = [d.pipe(format="svg", encoding="utf-8") for d in drawings]
            scale, drawing, svg = max(zip(map(_fit_scale, svgs), drawings, svgs), key=lambda t: t[0])
            if scale * fontsize >= MIN_TEXT_PX:
                break
        self.svg = svg[svg.index("<svg") :]  # inline: no XML prolog, no doctype
        self.frames = step_frames(trace, drawing.boxes, draw_options.get("precision", 4))
        self.box_ids = drawing.box_ids
        self.captions = [_caption(trace, k) for k in range(len(trace) + 1)]

    def _data(self) -> str:
        """Per frame: one letter per box (done/current/pending), the grad texts that changed, and the box whose
        input edges the step's gradient flows along (null: none)."""
        ids = self.box_ids
        grads: list[Any] = [list(self.frames[0].grads)]
        for before, now in zip(self.frames, self.frames[1:]):
            grads.append({i: g for i, (a, g) in enumerate(zip(before.grads, now.grads)) if a != g})
        data = {
            "ids": ids,
            "fontsize": self.fontsize,
            "grads": grads,
            "phases": ["".join(p[0] for p in f.phases) for f in self.frames],
            "flow": [ids[f.current] if f.flow and f.current is not None else None for f in self.frames],
        }
        return page_json(data)

    def _body(self, page: bool, panel: str | None = None) -> str:
        """The stepper's markup; panel: what goes beside the step's text (default: the predict questions in
        predict mode, else nothing)."""
        uid = f"mg-stepper-{next(_ids)}"
        n = len(self.trace)
        rows = [
            f'<tr data-k="{k}"><th>{k}</th><td><pre>{html_text(c)}</pre></td></tr>' for k, c in enumerate(self.captions)
        ]
        lines = max(c.count("\n") + 1 for c in self.captions)
        # the caption alone sets the height of the row under the graph (.mg-extra's size is contained), so a
        # step with many boxes scrolls in the panel, its buttons kept in sight, instead of taking the graph's
        # height; in predict mode the row fits a one-box question even where every step's text is short
        height = max(1.35 * lines + 1.1, PREDICT_EM if self.predict else 0)
        js = _JS % {"id": repr(uid), "page": "true" if page else "false"}
        extra = panel if panel is not None else predict_html(self.trace) if self.predict else ""
        return "\n".join(
            [
                f'<div class="mg-stepper" id="{uid}" tabindex="0" data-step="0">',
                f"<style>{_CSS}\n{_phase_css('#' + uid)}</style>",
                '<div class="mg-top">',
                '<noscript><p class="mg-note">JavaScript is off: the graph shows the start of backward (step 0); '
                "the table below it lists every step.</p></noscript>",
                # hidden until the script shows it: without JavaScript there are no dead buttons
                '<div class="mg-bar" hidden><button class="mg-prev" type="button">◀ Prev</button>'
                f'<span class="mg-counter">step 0 / {n}</span>'
                '<button class="mg-next" type="button">Next ▶</button>'
                '<span class="mg-zoom"><button class="mg-out" type="button" title="zoom out (−)">−</button>'
                '<button class="mg-fit" type="button" title="fit the width (0)">fit</button>'
                '<button class="mg-in" type="button" title="zoom in (+)">+</button></span>'
                '<span class="mg-keys">keys: ← → step · + − zoom · 0 fit</span></div>',
                f'<div class="mg-view">{self.svg}</div>',
                # under the graph, in the first window: the step's text and, beside it, one more panel (e.g. the
                # predict questions), hidden while empty; the stepper fires an "mg-step" event (detail: step,
                # steps) on .mg-stepper whenever the step changes
                '<div class="mg-under">',
                # as tall as the longest step's text (up to 30% of the window), so the graph's view keeps its size
                f'<pre class="mg-caption" style="height:min(30vh,{height:.2f}em)">{html_text(self.captions[0])}</pre>',
                f'<div class="mg-extra">{extra}</div>',
                "</div></div>",
                f'<table class="mg-steps"><caption>Backward from {html_text(self.trace.names[self.trace.root])}, '
                f"step by step ({n} steps)</caption>",
                *rows,
                "</table>",
                f'<script type="application/json" class="mg-data">{self._data()}</script>',
                f"<script>{js}</script></div>",
            ]
        )

    def html(self) -> str:
        """A whole page; the keys work anywhere on it."""
        title = html_text(f"backprop step by step: {self.trace.names[self.trace.root]}")
        return (
            f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"></head>\n'
            f'<body class="mg-page">\n{self._body(page=True)}\n</body></html>\n'
        )

    def __repr__(self) -> str:  # no memory address: a notebook's committed text output stays the same
        return f"Stepper(backward from {self.trace.names[self.trace.root]!r}, {len(self.trace)} steps)"

    def _repr_html_(self) -> str:
        # in a notebook the keys act only when the stepper has the focus
        return self._body(page=False)

    def save(self, path: str | FilePath) -> FilePath:
        """The page, written atomically to `path` (core.files.write_atomic); its path."""
        return write_atomic(path, self.html())


def stepper(
    root: Value | Trace,
    path: str | FilePath | None = None,
    *,
    max_steps: int = MAX_STEPS,
    collapse: bool | None = None,
    predict: bool = False,
    matrices: bool = False,
    **draw_options: Any,
) -> Any:
    """Run backward from root (or take a trace) and build the stepper; write it to `path` if given.
    predict=True: the learner types each step's gradients before the page shows them.
    matrices=True: one step per matrix op of an MLP's loss, with its vectorised backward lines (matrix_view)."""
    if matrices:
        from .matrix_view import matrix_stepper

        if not isinstance(root, Value):
            raise TypeError("stepper(root, matrices=True) takes the loss Value, not a trace")
        return matrix_stepper(root, path)
    s = Stepper(
        root if isinstance(root, Trace) else trace_backward(root),
        max_steps,
        collapse=collapse,
        predict=predict,
        **draw_options,
    )
    if path is not None:
        s.save(path)
    return s
