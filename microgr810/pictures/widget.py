"""The stepper as a live notebook widget: `w = widget(L)` steps through backward inside the notebook, and the
notebook reads where the learner is (`w.step`) and, in predict mode, how they did (`w.score`, `w.answers`).

Built on anywidget, which runs one widget in JupyterLab, Notebook 7, VS Code, Colab and marimo. The widget
is the stepper's own markup and script (pictures/stepper.py), shipped inline: nothing is fetched. In predict
mode the browser sends each typed answer to Python, which checks it with the quiz's `feedback` (the same
words as the page and the terminal quiz) and syncs the result back: the answers never reach the browser.
"""

from __future__ import annotations

from typing import Any

from ..core.engine import Value
from ..notation.formats import fmt
from ..teaching.quiz import PREDICT_CSS, feedback, parse_number, step_questions
from ..teaching.trace import Trace, trace_backward
from .stepper import MAX_STEPS, STEPPER_JS, Stepper

try:
    import anywidget
    import traitlets
except ImportError as e:  # pragma: no cover - depends on the machine
    raise ImportError(
        f"microgr810.widget needs anywidget ({e}); install it with: pip install 'microgr810[notebook]' "
        "(or pip install anywidget). Without it, stepper(root) shows the same steps as a page."
    ) from e

__all__ = ["widget", "StepperWidget"]

# the predict panel, empty: the script fills it from the synced questions and answers
_PANEL = (
    f"<style>{PREDICT_CSS}</style>"
    '<div class="mg-predict mg-w-predict"><p class="mg-p-head" aria-live="polite"></p><div class="mg-p-rows"></div>'
    '<div class="mg-p-bar"><button type="button" class="mg-p-hint">Hint</button> '
    '<button type="button" class="mg-p-show">Reveal</button> '
    '<button type="button" class="mg-p-next" hidden>Next step ▶</button> '
    '<span class="mg-p-score" aria-live="polite"></span></div>'
    '<pre class="mg-p-hinttext" hidden></pre><pre class="mg-p-reveal" hidden></pre></div>'
)

_ESM = (
    STEPPER_JS
    + r"""
function predictPanel(model, root, el){
  var box=el.querySelector('.mg-w-predict');
  var head=box.querySelector('.mg-p-head'), rows=box.querySelector('.mg-p-rows');
  var hintText=box.querySelector('.mg-p-hinttext'), reveal=box.querySelector('.mg-p-reveal');
  var hintButton=box.querySelector('.mg-p-hint'), showButton=box.querySelector('.mg-p-show');
  var next=box.querySelector('.mg-p-next'), score=box.querySelector('.mg-p-score');
  root.classList.add('mg-predicting');  // the table of every step would give the answers away
  function make(tag,cls,text){var e=document.createElement(tag); e.className=cls; e.textContent=text||''; return e;}
  function draw(focus){
    var k=model.get('step'), qs=model.get('questions'), answers=model.get('answers');
    score.textContent=model.get('status');
    rows.textContent=''; hintText.hidden=true; reveal.hidden=true;
    if(k>=qs.length){
      head.textContent='every step is revealed. Final '+model.get('status');
      hintButton.hidden=showButton.hidden=next.hidden=true; return;
    }
    var q=qs[k], done=true, open=null;
    head.textContent=q.title;
    rows.appendChild(make('div','mg-p-note','inputs: '+q.operands));
    q.asks.forEach(function(a,i){
      var said=null;
      answers.forEach(function(r){if(r.step===k&&r.index===i){said=r;}});
      var row=make('div','mg-p-row'), lab=make('label','',a.label+' = '), inp=make('input','');
      inp.type='text'; inp.setAttribute('inputmode','decimal'); inp.setAttribute('autocomplete','off');
      inp.setAttribute('aria-label',a.label);
      var fb=make('span','mg-p-fb'); fb.setAttribute('aria-live','polite');
      if(said){inp.value=said.text; fb.textContent=said.said; fb.className='mg-p-fb '+(said.ok?'mg-p-ok':'mg-p-no');}
      if(said&&said.final){inp.readOnly=true;} else {done=false; if(open===null){open=inp;}}
      inp.addEventListener('keydown',function(e){
        e.stopPropagation();  // arrow keys move the caret here, not the stepper
        if(e.key==='Enter'){e.preventDefault(); model.send({kind:'answer',step:k,index:i,text:inp.value});}
      });
      lab.appendChild(inp); row.appendChild(lab); row.appendChild(fb);
      if(a.note){row.appendChild(make('div','mg-p-note',a.note));}
      rows.appendChild(row);
    });
    if(model.get('hinted').indexOf(k)>=0){hintText.textContent=q.hint; hintText.hidden=false;}
    hintButton.hidden=showButton.hidden=done; next.hidden=!done;
    if(done){reveal.textContent=q.reveal; reveal.hidden=false;}
    if(focus){
      if(open){open.focus(); if(open.value){open.select();}} else if(done){next.focus();}
    }
  }
  hintButton.onclick=function(){model.send({kind:'hint',step:model.get('step')});};
  showButton.onclick=function(){model.send({kind:'reveal',step:model.get('step')});};
  next.onclick=function(){model.set('step',model.get('step')+1); model.save_changes();};
  model.on('change:answers',function(){draw(true);});
  model.on('change:hinted',function(){draw(true);});
  model.on('change:status',function(){draw(false);});
  model.on('change:step',function(){draw(false);});
  draw(false);
}

function render({model, el}){
  el.innerHTML=model.get('html');  // the stepper's markup; its own <script> elements do not run from here
  var root=el.querySelector('.mg-stepper');
  var s=mgStepper(root,false);
  root.addEventListener('mg-step',function(e){
    if(model.get('step')!==e.detail.step){model.set('step',e.detail.step); model.save_changes();}
  });
  model.on('change:step',function(){if(s.step()!==model.get('step')){s.show(model.get('step'));}});
  if(model.get('predict')){predictPanel(model,root,el);}
  s.show(model.get('step'));
}
export default {render};
"""
)


class StepperWidget(anywidget.AnyWidget):
    """Backward step by step in a notebook, synced with Python.

    step: the step shown (0 = before backward; the learner's Prev/Next and keys set it, and so can Python).
    score: predict mode's right answers; answers: one record per question tried
    ({step, index, label, text, ok, said, final}); status: the score line the panel shows.
    """

    _esm = traitlets.Unicode(_ESM).tag(sync=True)
    html = traitlets.Unicode("").tag(sync=True)
    steps = traitlets.Int(0).tag(sync=True)
    step = traitlets.Int(0).tag(sync=True)
    predict = traitlets.Bool(False).tag(sync=True)
    questions: Any = traitlets.List([]).tag(sync=True)  # per step: title, operands, hint, reveal, asks (label, note)
    answers: Any = traitlets.List([]).tag(sync=True)
    hinted: Any = traitlets.List([]).tag(sync=True)
    score = traitlets.Int(0).tag(sync=True)
    status = traitlets.Unicode("").tag(sync=True)

    def __init__(self, stepper: Stepper, predict: bool = False, **kwargs: Any) -> None:
        trace = stepper.trace
        self._asks = step_questions(trace)  # the answers stay here, in Python
        public = [
            {
                **{k: v for k, v in q.items() if k != "asks"},
                "asks": [{"label": a["label"], "note": a["note"]} for a in q["asks"]],
            }
            for q in self._asks
        ]
        stepper.predict = predict  # the row under the graph leaves room for a question
        super().__init__(
            html=stepper._body(page=False, panel=_PANEL if predict else ""),
            steps=len(trace),
            predict=predict,
            questions=public if predict else [],
            **kwargs,
        )
        self._stepper = stepper
        self._tries: dict[tuple[int, int], int] = {}
        self._status()
        self.on_msg(self._on_message)

    @traitlets.validate("step")
    def _valid_step(self, proposal: Any) -> int:
        k = proposal["value"]
        if not 0 <= k <= self.steps:
            raise traitlets.TraitError(f"step must be between 0 and {self.steps}, got {k}")
        return int(k)

    # -- predict mode: what the browser asks, answered here ------------------------------------------------

    def check(self, step: int, index: int, text: str) -> dict:
        """The learner's answer `text` to question `index` of `step`: checked with quiz.feedback; a first wrong
        try is told so without the answer, the second shows it. Returns the answer's record."""
        ask = self._ask(step, index)
        old = self._record(step, index)
        if old is not None and old["final"]:
            return old
        value = parse_number(text)
        if value is None:
            record = {"step": step, "index": index, "label": ask["label"], "text": text, "ok": False,
                      "said": "not a number: type one like 0.25, -1.5e-3 or 1/3", "final": False}  # fmt: skip
        else:
            tries = self._tries.get((step, index), 0) + 1
            self._tries[step, index] = tries
            ok, said = feedback(value, ask["answer"], last_try=tries >= 2)
            record = {"step": step, "index": index, "label": ask["label"], "text": text, "ok": ok,
                      "said": ("✓ " if ok else "✗ ") + said, "final": ok or tries >= 2}  # fmt: skip
        self._put(record)
        return record

    def hint(self, step: int) -> str:
        """The hint of `step` (counted once), shown under its questions."""
        self._ask(step, 0)
        if step not in self.hinted:
            self.hinted = [*self.hinted, step]
            self._status()
        return str(self._asks[step]["hint"])

    def reveal(self, step: int) -> None:
        """Show every answer of `step` not yet given: each counts as missed."""
        for index, ask in enumerate(self._ask(step, 0) and self._asks[step]["asks"]):
            old = self._record(step, index)
            if old is None or not old["final"]:
                self._put(
                    {
                        "step": step,
                        "index": index,
                        "label": ask["label"],
                        "text": old["text"] if old else "",
                        "ok": False,
                        "said": f"it is {fmt(ask['answer'])}",
                        "final": True,
                    }  # fmt: skip
                )

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        """A message from the browser: {kind: answer|hint|reveal, step, index?, text?}; anything else is ignored."""
        if not isinstance(content, dict):
            return
        try:
            kind, step = content.get("kind"), int(content["step"])
            if kind == "answer":
                self.check(step, int(content["index"]), str(content.get("text", "")))
            elif kind == "hint":
                self.hint(step)
            elif kind == "reveal":
                self.reveal(step)
        except (KeyError, TypeError, ValueError, IndexError):
            return  # a message this widget did not send: nothing to do

    def _ask(self, step: int, index: int) -> dict:
        if not self.predict:
            raise ValueError("this widget is not in predict mode: widget(root, predict=True) asks the questions")
        if not 0 <= step < len(self._asks) or not 0 <= index < len(self._asks[step]["asks"]):
            raise IndexError(f"no question {index} at step {step}: the steps are 0 .. {len(self._asks) - 1}")
        return dict(self._asks[step]["asks"][index])

    def _record(self, step: int, index: int) -> dict | None:
        return next((r for r in self.answers if r["step"] == step and r["index"] == index), None)

    def _put(self, record: dict) -> None:
        kept = [r for r in self.answers if (r["step"], r["index"]) != (record["step"], record["index"])]
        self.answers = sorted([*kept, record], key=lambda r: (r["step"], r["index"]))  # a new list: it syncs
        self._status()

    def _status(self) -> None:
        final = [r for r in self.answers if r["final"]]
        self.score = sum(r["ok"] for r in final)
        hints = len(self.hinted)
        self.status = f"score: {self.score} of {len(final)} right" + (
            f", {hints} hint{'s' if hints != 1 else ''}" if hints else ""
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The live widget, and for a viewer without widgets (GitHub, nbviewer) the stepper's static markup:
        step 0 and the table of every step."""
        data = super()._repr_mimebundle_(**kwargs)
        if isinstance(data, tuple):  # (data, metadata)
            data[0]["text/html"] = self._stepper._body(page=False, panel="")
        elif isinstance(data, dict):
            data["text/html"] = self._stepper._body(page=False, panel="")
        return data

    def __repr__(self) -> str:  # no memory address: a notebook's committed text output stays the same
        trace, mode = self._stepper.trace, ", predict" if self.predict else ""
        return f"StepperWidget(backward from {trace.names[trace.root]!r}, {self.steps} steps{mode})"


def widget(
    root: Value | Trace,
    predict: bool = False,
    *,
    max_steps: int = MAX_STEPS,
    collapse: bool | None = None,
    **draw_options: Any,
) -> StepperWidget:
    """The stepper as a live notebook widget (anywidget): Prev/Next, the keys, the step's text, and with
    predict=True the questions, checked in Python. Read `w.step`, `w.score`, `w.answers` from a cell."""
    trace = root if isinstance(root, Trace) else trace_backward(root)
    return StepperWidget(Stepper(trace, max_steps, collapse=collapse, predict=predict, **draw_options), predict)
