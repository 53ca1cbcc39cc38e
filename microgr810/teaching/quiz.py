"""Predict the gradient: before each backward step is shown, the learner types ∂L/∂input for its inputs.

One set of questions for any graph, from the engine's own backward (trace_backward is the answer key),
asked three ways: `run` in a terminal (`microgr810 quiz`), `Quiz(root)` in a notebook
(`.ask()`, `.answer(x)`, `.hint()`), and `predict_html(trace)`, a fragment for a web page.
An answer counts when |guess − answer| <= RTOL |answer| + ATOL.
"""

from __future__ import annotations

import itertools
import json
import re
import sys
from dataclasses import dataclass, field
from typing import TextIO

from ..core.engine import Value
from ..notation.formats import fmt, page_json
from ..notation.names import partial
from .trace import Trace, formula, trace_backward

__all__ = [
    "Question",
    "questions",
    "feedback",
    "parse_number",
    "Quiz",
    "run",
    "predict_html",
    "step_questions",
    "PREDICT_CSS",
    "RTOL",
    "ATOL",
]

RTOL = 1e-2  # within 1% of the answer ...
ATOL = 1e-9  # ... or this close to an answer of 0
# a number as a learner types it: 0.25, -1.5e-3, .5, or a fraction 1/3 (the page's script reads the same)
_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_ANSWER = re.compile(rf"^({_NUMBER})(?:/({_NUMBER}))?$")


@dataclass(frozen=True)
class Question:
    """One blank: ∂root/∂input as it stands after one backward step (`answer`)."""

    step: int  # the trace step's index (0-based)
    n_steps: int
    header: str  # the step's node: "n = x1w1x2w2 + b = 0.8814   ∂o/∂n = 0.5"
    operands: str  # its inputs' data: "x1w1x2w2 = -6, b = 6.881"
    label: str  # "∂o/∂b"
    note: str  # what "after this step" means for this input, if it needs saying
    hint_text: str  # the local derivative's formula and the upstream gradient
    answer: float
    first_of_step: bool
    last_of_step: bool

    def prompt(self) -> str:
        lines = []
        if self.first_of_step:
            lines += [f"step {self.step + 1} of {self.n_steps}: {self.header}", f"  inputs: {self.operands}"]
        if self.note:
            lines.append(f"  ({self.note})")
        lines.append(f"{self.label} = ?")
        return "\n".join(lines)

    def __repr__(self) -> str:  # a notebook shows the prompt
        return self.prompt()


def questions(graph: Value | Trace) -> list[Question]:
    """The blanks of a backward pass: each step's distinct inputs, in the order the engine visits them."""
    trace = graph if isinstance(graph, Trace) else trace_backward(graph)
    root = trace.names[trace.root]
    out: list[Question] = []
    later: dict[Value, int] = {}  # the last step that adds to each input
    for step in trace:
        for f in step.flows:
            later[f.input] = step.index
    for step in trace:
        locals_text = formula(step.node, step.names)[1]
        by_input: dict[Value, list[int]] = {}  # an input met twice (a * a) is one blank with two shares
        for i, f in enumerate(step.flows):
            by_input.setdefault(f.input, []).append(i)
        operands = ", ".join(f"{step.names[v]} = {fmt(v.data)}" for v in by_input)
        for j, (v, idx) in enumerate(by_input.items()):
            name = step.names[v]
            before, after = step.flows[idx[0]].grad_before, step.flows[idx[-1]].grad_after
            notes = []
            if before != 0.0:
                notes.append(f"{name} already holds {fmt(before)} from earlier steps: give the total")
            if later[v] > step.index:
                notes.append("more reaches it in later steps: give it as it stands after this one")
            hint = f"{partial(step.name, name)} = " + " + ".join(locals_text[i] for i in idx)
            if len(idx) > 1:
                hint += f" ({name} is used {len(idx)} times: a share per use)"
            hint += f"; upstream {partial(root, step.name)} = {fmt(step.upstream)}"
            out.append(
                Question(
                    step.index,
                    len(trace),
                    step.header(),
                    operands,
                    f"{partial(root, name)}",
                    "; ".join(notes),
                    hint,
                    after,
                    j == 0,
                    j == len(by_input) - 1,
                )
            )
    return out


def parse_number(text: str) -> float | None:
    """A typed answer as a float (0.25, -1.5e-3, 1/3; − for minus), or None when it is not a number."""
    m = _ANSWER.match(text.strip().replace("−", "-"))
    if m is None:
        return None
    value = float(m.group(1))
    if m.group(2) is not None:
        den = float(m.group(2))
        if den == 0.0:
            return None
        value /= den
    return value


def feedback(guess: float, answer: float, last_try: bool = True) -> tuple[bool, str]:
    """(right?, what to tell the learner): how far off, and a sign slip said as one.
    last_try=False: a wrong guess is told so (and a sign slip named) without the answer, for a second try."""
    off = guess - answer
    ok = abs(off) <= RTOL * abs(answer) + ATOL
    flipped = answer != 0.0 and abs(guess + answer) <= RTOL * abs(answer) + ATOL
    if not ok and not last_try:
        return False, "not quite" + ("; right size, wrong sign" if flipped else "") + ": try once more"
    how = f"off by {fmt(abs(off), 2)}" + (f" ({abs(off) / abs(answer):.1%} of it)" if answer != 0.0 else "")
    if ok:
        # a slip below 0.05% would print as 0.0%: it goes unsaid
        return True, f"right: {fmt(answer)}" + (f" (yours is {how})" if abs(off) > 5e-4 * abs(answer) else "")
    return False, f"not quite: it is {fmt(answer)}, yours is {how}" + ("; right size, wrong sign" if flipped else "")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


class _Said(str):
    """Text a notebook cell shows as it is (not as a quoted string)."""

    def __repr__(self) -> str:
        return str(self)


@dataclass
class Quiz:
    """Predict the gradient in a notebook: `q = Quiz(L)`, `q.ask()`, `q.answer(0.5)`, `q.hint()`, `q.summary()`."""

    root: Value | Trace
    trace: Trace = field(init=False, repr=False)
    questions: list[Question] = field(init=False, repr=False)
    position: int = field(init=False, default=0)
    right: int = field(init=False, default=0)
    hints: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self.trace = self.root if isinstance(self.root, Trace) else trace_backward(self.root)
        self.questions = questions(self.trace)

    @property
    def done(self) -> bool:
        return self.position >= len(self.questions)

    @property
    def current(self) -> Question:
        """The question to answer now."""
        if self.done:
            raise ValueError(f"the quiz is over: {self.summary()}")
        return self.questions[self.position]

    def ask(self) -> Question | _Said:
        """The question to answer now (or the score, once every one is answered)."""
        return self.summary() if self.done else self.current

    def hint(self) -> _Said:
        """The local derivative's formula and the upstream gradient for the question now (counted)."""
        if self.done:
            return self.summary()
        self.hints += 1
        return _Said(self.current.hint_text)

    def answer(self, guess: float | str) -> _Said:
        """Check a guess (a number, or text as typed), move on, and show the step once its blanks are done."""
        q = self.current
        value = parse_number(guess) if isinstance(guess, str) else float(guess)
        if value is None:
            raise ValueError(f"not a number: {guess!r}; type one like 0.25, -1.5e-3 or 1/3")
        ok, text = feedback(value, q.answer)
        self.right += ok
        self.position += 1
        lines = [("✓ " if ok else "✗ ") + text]
        if q.last_of_step:
            lines.append(str(self.trace[q.step]))
        if self.done:
            lines.append(self.summary())
        return _Said("\n".join(lines))

    def summary(self) -> _Said:
        asked, total = self.position, len(self.questions)
        head = "all done" if self.done else f"stopped after {asked} of {total} questions"
        hints = f", {_count(self.hints, 'hint')} used" if self.hints else ""
        return _Said(f"{head}: {self.right} of {asked} right{hints}")


_HELP = "type a number (0.25, -1.5e-3, 1/3), h for a hint, q to quit"


def _reply(stdin: TextIO, stdout: TextIO, echo: bool) -> str | None:
    """The learner's next line, stripped; None to stop (EOF, Ctrl-C, q)."""
    try:
        line = stdin.readline()
    except KeyboardInterrupt:
        line = ""
    if echo or line == "":  # a pipe's answer is shown; EOF and Ctrl-C leave the cursor after the prompt
        print(line.rstrip("\n"), file=stdout)
    text = line.strip()
    return None if line == "" or text.lower() in ("q", "quit", "exit") else text


def run(graph: Value | Trace, stdin: TextIO | None = None, stdout: TextIO | None = None) -> Quiz:
    """The quiz in a terminal, one step at a time; EOF or q stops it with the score so far."""
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    quiz = Quiz(graph)
    echo = not (hasattr(stdin, "isatty") and stdin.isatty())  # piped answers: show them, as a transcript
    root = quiz.trace.names[quiz.trace.root]
    print(
        f"Predict the gradient: backward from {root}, {_count(len(quiz.trace), 'step')}, "
        f"{_count(len(quiz.questions), 'question')}. Answers within {RTOL:.0%} count; {_HELP}.",
        file=stdout,
    )
    if not quiz.questions:
        print(f"{root} is a leaf: backward has no step to ask about", file=stdout)
    while not quiz.done:
        print("\n" + quiz.current.prompt(), end=" ", file=stdout)
        while True:
            stdout.flush()
            text = _reply(stdin, stdout, echo)
            if text is None:
                print(quiz.summary(), file=stdout)
                return quiz
            value = parse_number(text)
            if value is not None:
                print(quiz.answer(value), file=stdout)
                break
            said = (
                f"hint: {quiz.hint()}"
                if text.lower() in ("h", "hint", "?")
                else _HELP
                if text == ""
                else f"not a number: {text!r}; {_HELP}"
            )
            print(f"  {said}\n{quiz.current.label} = ?", end=" ", file=stdout)
    return quiz


# -- the page: predict mode as one self-contained fragment (markup, data, script; nothing fetched) ----------

_ids = itertools.count()

_CSS = """
.mg-predict{font-family:Helvetica,Arial,sans-serif;border:1px solid #999;border-radius:4px;
  padding:.5em .8em;margin:.5em 0}
.mg-predict .mg-p-row{margin:.3em 0}
.mg-predict .mg-p-head{white-space:pre-wrap;margin:.2em 0 .4em 0}
.mg-predict input{font-size:1em;width:9em}
.mg-predict .mg-p-ok{color:#007a55}
.mg-predict .mg-p-no{color:#b34700}
.mg-predict .mg-p-note{color:#555;font-size:.9em}
.mg-predict pre{background:#f6f6f6;padding:.5em;overflow-x:auto}
.mg-predict button{font-size:1em;padding:.1em .6em}
.mg-predicting .mg-steps{display:none}
"""

# The feedback is computed here exactly as `feedback` computes it in Python (the tests hold them to the
# same words); every other text arrives ready-made in the JSON.
_JS = r"""
(function(){
  var el=document.getElementById(__ID__);
  var data=JSON.parse(el.querySelector('.mg-p-data').textContent,
    function(key,v){return key==='answer'&&typeof v==='string'?Number(v):v;});  // "Infinity", "NaN": page_json
  var NUM='[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?', RE=new RegExp('^('+NUM+')(?:/('+NUM+'))?$');
  var head=el.querySelector('.mg-p-head'), rowsBox=el.querySelector('.mg-p-rows');
  var hintBox=el.querySelector('.mg-p-hinttext'), reveal=el.querySelector('.mg-p-reveal');
  var score=el.querySelector('.mg-p-score'), nextButton=el.querySelector('.mg-p-next');
  el.querySelector('.mg-p-bar').hidden=false;
  var state=data.steps.map(function(s){
    var none=s.asks.map(function(){return null;}), zero=s.asks.map(function(){return 0;});
    return {done:false, hinted:false, answers:none, tries:zero};
  });
  var right=0, asked=0, hints=0, k=0;
  // a surrounding stepper, if any (its script may not have run yet: then it has no data-step so far)
  var host=el.parentElement&&el.parentElement.closest('[data-step],.mg-stepper');
  function g(x,p){  // Python's format(x, '.{p}g')
    if(x===0) return (1/x<0)?'-0':'0';
    if(!isFinite(x)) return isNaN(x)?'nan':(x>0?'inf':'-inf');
    var s=x.toExponential(p-1), i=s.indexOf('e'), e=parseInt(s.slice(i+1),10);
    function trim(t){return t.indexOf('.')>=0?t.replace(/0+$/,'').replace(/\.$/,''):t;}
    if(e<-4||e>=p){var a=Math.abs(e); return trim(s.slice(0,i))+'e'+(e<0?'-':'+')+(a<10?'0':'')+a;}
    return trim(x.toFixed(Math.max(0,p-1-e)));
  }
  function parse(t){
    var m=RE.exec(t.trim().replace(/\u2212/g,'-'));
    if(!m) return null;
    var v=parseFloat(m[1]);
    if(m[2]!==undefined){var d=parseFloat(m[2]); if(d===0) return null; v/=d;}
    return v;
  }
  function feedback(guess,ans,last){
    var off=guess-ans, ok=Math.abs(off)<=data.rtol*Math.abs(ans)+data.atol;
    var flip=ans!==0&&Math.abs(guess+ans)<=data.rtol*Math.abs(ans)+data.atol;
    if(!ok&&last===false) return [false,'not quite'+(flip?'; right size, wrong sign':'')+': try once more'];
    var how='off by '+g(Math.abs(off),2)+(ans!==0?' ('+(Math.abs(off)/Math.abs(ans)*100).toFixed(1)+'% of it)':'');
    if(ok) return [true,'right: '+g(ans,4)+(Math.abs(off)>5e-4*Math.abs(ans)?' (yours is '+how+')':'')];
    var flipped=ans!==0&&Math.abs(guess+ans)<=data.rtol*Math.abs(ans)+data.atol;
    return [false,'not quite: it is '+g(ans,4)+', yours is '+how+(flipped?'; right size, wrong sign':'')];
  }
  el.feedback=feedback;  // reachable from outside, so the tests can hold it to Python's words
  function make(tag,cls,text){var e=document.createElement(tag); e.className=cls; e.textContent=text||''; return e;}
  function say(fb,ok,text){fb.className='mg-p-fb '+(ok?'mg-p-ok':'mg-p-no'); fb.textContent=text;}
  function firstOpenBox(){return rowsBox.querySelector('input:not([readonly])');}
  function updateScore(){
    score.textContent='score: '+right+' of '+asked+' right'+(hints?', '+hints+' hint'+(hints===1?'':'s'):'');
  }
  function finish(j){  // every blank of step j answered (or revealed): show the step, offer the next
    var st=state[j];
    if(st.done) return;
    st.done=true;
    st.answers.forEach(function(a){if(a===null) asked++;});  // a revealed blank counts as missed
    updateScore(); show(k,false);
    nextButton.hidden=false; nextButton.focus();
  }
  function check(j,i,input){
    var st=state[j], fb=input.closest('.mg-p-row').querySelector('.mg-p-fb');
    if(st.done||st.answers[i]!==null) return;
    var v=parse(input.value);
    if(v===null){say(fb,false,'not a number: type one like 0.25, -1.5e-3 or 1/3'); return;}
    var last=st.tries[i]>=1, r=feedback(v,data.steps[j].asks[i].answer,last);
    st.tries[i]++;
    if(!r[0]&&!last){say(fb,false,'✗ '+r[1]); input.select(); return;}  // a second try before the answer shows
    st.answers[i]={text:input.value, ok:r[0], said:(r[0]?'✓ ':'✗ ')+r[1]};
    asked++; if(r[0]) right++;
    updateScore(); say(fb,r[0],st.answers[i].said);
    input.readOnly=true;
    var open=st.answers.indexOf(null);
    if(open<0) finish(j); else rowsBox.querySelectorAll('input')[open].focus();
  }
  function show(j,focus){  // focus: move the keyboard to the first open box (not when the stepper moved)
    k=Math.max(0,Math.min(data.steps.length,j));
    rowsBox.textContent=''; hintBox.hidden=true; reveal.hidden=true; nextButton.hidden=true;
    var buttons=el.querySelectorAll('.mg-p-hint,.mg-p-show');
    if(host) host.classList.toggle('mg-predicting',k<data.steps.length);
    if(k===data.steps.length){
      head.textContent='every step is revealed. Final '+score.textContent;
      buttons.forEach(function(b){b.hidden=true;});
      return;
    }
    var s=data.steps[k], st=state[k];
    buttons.forEach(function(b){b.hidden=st.done;});
    head.textContent=s.title;
    rowsBox.appendChild(make('div','mg-p-note','inputs: '+s.operands));
    s.asks.forEach(function(a,i){
      var row=make('div','mg-p-row'), lab=make('label','',a.label+' = '), inp=make('input','');
      inp.type='text'; inp.setAttribute('inputmode','decimal'); inp.setAttribute('autocomplete','off');
      inp.setAttribute('aria-label',a.label);
      var fb=make('span','mg-p-fb'); fb.setAttribute('aria-live','polite');
      lab.appendChild(inp); row.appendChild(lab); row.appendChild(fb);
      if(a.note) row.appendChild(make('div','mg-p-note',a.note));
      var ans=st.answers[i];
      if(ans){inp.value=ans.text; inp.readOnly=true; say(fb,ans.ok,ans.said);}
      else if(st.done){inp.readOnly=true; fb.textContent='it is '+g(a.answer,4);}
      inp.addEventListener('keydown',function(e){
        e.stopPropagation();  // arrow keys move the caret here, not a surrounding stepper
        if(e.key==='Enter'){e.preventDefault(); check(k,i,inp);}
      });
      rowsBox.appendChild(row);
    });
    if(st.hinted){hintBox.textContent=s.hint; hintBox.hidden=false;}
    if(st.done){reveal.textContent=s.reveal; reveal.hidden=false;}
    else if(focus&&firstOpenBox()) firstOpenBox().focus();
  }
  el.querySelector('.mg-p-hint').addEventListener('click',function(){
    var st=state[k];
    if(!st.hinted){st.hinted=true; hints++; updateScore();}
    hintBox.textContent=data.steps[k].hint; hintBox.hidden=false;
    if(firstOpenBox()) firstOpenBox().focus();
  });
  el.querySelector('.mg-p-show').addEventListener('click',function(){finish(k);});
  nextButton.addEventListener('click',function(){
    el.dispatchEvent(new CustomEvent('mg-predict-next',{bubbles:true,detail:{step:k+1}}));
    show(k+1,true);
    // inside a stepper its own Next shows the frame of the step just answered (its observer finds k there)
    var hostNext=host&&host.querySelector('.mg-next');
    if(hostNext) hostNext.click();
  });
  if(host){  // follow the stepper: at frame j (j steps done) the question is step j+1's
    host.classList.add('mg-predicting');  // its table of every step would give the answers away
    new MutationObserver(function(){
      var j=parseInt(host.getAttribute('data-step'),10);
      if(!isNaN(j)&&j!==k) show(j,false);
    }).observe(host,{attributes:true,attributeFilter:['data-step']});
    var j0=parseInt(host.getAttribute('data-step'),10);
    show(isNaN(j0)?0:j0,false);
  } else show(0,true);
  updateScore();
})();
"""


def _step_data(trace: Trace) -> list[dict]:
    steps: list[dict] = []
    for q in questions(trace):
        if q.first_of_step:
            hint_lines: list[str] = []
            steps.append(
                {
                    "title": f"Predict step {q.step + 1} of {q.n_steps}: {q.header}",
                    "operands": q.operands,
                    "asks": [],
                    "hint": "",
                    "reveal": str(trace[q.step]),
                    "_hints": hint_lines,
                }
            )
        steps[-1]["asks"].append({"label": q.label, "note": q.note, "answer": q.answer})
        steps[-1]["_hints"].append(f"{q.label}: {q.hint_text}")
    for s in steps:
        s["hint"] = "\n".join(s.pop("_hints"))
    return steps


PREDICT_CSS = _CSS  # the panel's looks, for another home of the same panel (the notebook widget)


def step_questions(trace: Trace) -> list[dict]:
    """Each backward step's questions as the page asks them: title, operands, hint, reveal (the step's text) and
    asks ({label, note, answer} per input)."""
    return _step_data(trace)


def predict_html(graph: Value | Trace) -> str:
    """Predict mode as one HTML fragment: for each backward step, a box per input for ∂L/∂input, Check
    (Enter), Hint, Reveal and Next buttons and a score. Self-contained and offline; inside an element
    with a data-step attribute (the stepper) it asks about the step after the one shown and its Next
    clicks that element's `.mg-next`."""
    trace = graph if isinstance(graph, Trace) else trace_backward(graph)
    uid = f"mg-predict-{next(_ids)}"
    payload = {"rtol": RTOL, "atol": ATOL, "steps": _step_data(trace)}
    text = page_json(payload)  # inf and NaN as strings the script turns back into numbers
    return "\n".join(
        [
            f'<div class="mg-predict" id="{uid}"><style>{_CSS}</style>',
            f'<script type="application/json" class="mg-p-data">{text}</script>',
            '<p class="mg-p-head" aria-live="polite"></p><div class="mg-p-rows"></div>',
            # hidden until the script runs: without JavaScript no button that does nothing is shown
            '<div class="mg-p-bar" hidden><button type="button" class="mg-p-hint">Hint</button> '
            '<button type="button" class="mg-p-show">Reveal</button> '
            '<button type="button" class="mg-p-next" hidden>Next step ▶</button> '
            '<span class="mg-p-score" aria-live="polite"></span></div>',
            '<pre class="mg-p-hinttext" hidden></pre><pre class="mg-p-reveal" hidden></pre>',
            "<noscript><p>Predict mode needs JavaScript; <code>microgr810 quiz</code> asks the same questions "
            "in a terminal.</p></noscript>",
            f"<script>{_JS.replace('__ID__', json.dumps(uid))}</script></div>",
        ]
    )
