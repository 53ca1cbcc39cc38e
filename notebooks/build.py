"""Write the teaching notebooks from the cells below and run them, so the committed .ipynb files
carry their outputs (readable on GitHub). `make notebooks` runs this; the test suite runs the
committed notebooks again top to bottom (tests/test_notebooks.py).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).parent


def md(text: str):
    return nbformat.v4.new_markdown_cell(text.strip())


def code(text: str):
    return nbformat.v4.new_code_cell(text.strip())


def solution(cell, instead=None):
    """A cell only the teacher's version has (notebooks/solutions/); `instead`: the student's version's
    cell in its place (e.g. an empty answer to fill in), or nothing."""
    cell.metadata["tags"] = ["solution"]
    if instead is not None:
        instead.metadata["tags"] = ["student"]
    return [cell] if instead is None else [cell, instead]


def _flatten(cells):
    for c in cells:
        yield from (c if isinstance(c, list) else [c])


def student_cells(cells):
    """The cells a learner gets: no solution cells (their `instead` cells stand in their place)."""
    return [c for c in _flatten(cells) if "solution" not in c.metadata.get("tags", [])]


def teacher_cells(cells):
    """The teacher's version: every solution cell, none of the cells that only stand in for one."""
    return [c for c in _flatten(cells) if "student" not in c.metadata.get("tags", [])]


NOTEBOOKS = {}

NOTEBOOKS["01_backprop_by_hand"] = [
    md(r"""
# Backprop by hand, checked by autograd

The reference problem ([docs/derivation.md](../docs/derivation.md) derives it step by step): a two-layer
sigmoid MLP for binary classification,

$$\hat y = \sigma(\mathbf W_2\,\sigma(\mathbf W_1 \mathbf x + \mathbf b_1) + b_2),
\qquad L = -(y \log \hat y + (1-y)\log(1-\hat y)),$$

with the intermediates $\mathbf a_1 = \mathbf W_1\mathbf x + \mathbf b_1$, $\mathbf z_1 = \sigma(\mathbf a_1)$,
$a_2 = \mathbf W_2 \mathbf z_1 + b_2$, $\hat y = z_2 = \sigma(a_2)$.

For each gradient we look at its path in the graph (`draw`), then you write the formula yourself and
the checker grades it (`check_formula`); after that the chain rule writes its own (`derive`) and
multiplies the numbers along the path (`explain`), to check your working against.

Everything below, every number and every drawing, comes from **one** network: $M = 2$ inputs,
$H = 2$ hidden units, weights drawn with seed 0, target $y = 1$. Small enough that its whole graph fits
on a screen.
"""),
    code("""
import numpy as np
from microgr810 import check_formula, closed_form, draw, explain
from microgr810 import derive
from microgr810.reference import ReferenceProblem, derive_indexed

p = ReferenceProblem.random(M=2, H=2, seed=0, y=1.0)
M, H = p.W1.shape[1], p.W1.shape[0]
W1, b1, W2, b2, x, y = p.W1, p.b1, p.W2, float(p.b2), p.x, float(p.y)
net, L = p.autograd()          # the graph of L, after one backward pass
grads = {q.label: q.grad for q in net.parameters()}
print(f"x = {x.round(4)},  y = {y}")
print(f"W1 = {W1.round(4).tolist()},  b1 = {b1.round(4)}")
print(f"W2 = {W2.round(4).tolist()},  b2 = {b2:.4f}")
"""),
    md("The forward pass, once with numpy (the derivation's formulas) and once as the graph autograd built:"),
    code("""
f = closed_form.forward(W1, b1, W2, b2, x)
a1, z1, a2, y_hat = f["a1"], f["z1"], float(f["a2"]), float(f["z2"])
print(f"a1 = {a1.round(4)},  z1 = {z1.round(4)},  a2 = {a2:.4f},  y_hat = {y_hat:.4f}")
print(f"L = {L.data:.6f} (graph),  {-(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)):.6f} (numpy)")
"""),
    md(r"""
## Part 1: the shapes

Work outwards from what is given: $\mathbf x$ has $M$ entries and the first layer has $H$ units. Each
operation has to compose: $\mathbf W_1$ must be $H\times M$ for $\mathbf W_1\mathbf x$ to have $H$ entries,
and $\mathbf W_2$ must be $1\times H$ for $a_2$ to be a single number. The table gives each shape in
letters and as numpy has it for this network ($M = H = 2$), then checks that the products compose.
"""),
    code("""
letters = {"x": "M", "W1": "H×M", "b1": "H", "a1": "H", "z1": "H", "W2": "1×H", "b2": "scalar",
           "a2": "scalar", "z2 = y_hat": "scalar"}
here = closed_form.dimensions(M, H)
print(f"{'name':11s} {'shape':7s} here (M={M}, H={H})")
for (name, shape), n in zip(letters.items(), here.values()):
    print(f"{name:11s} {shape:7s} {n}")

print()
print("W1 (H×M) @ x (M) + b1 (H)      -> a1 (H)       ", W1.shape, "@", x.shape, "+", b1.shape, "->", (W1 @ x + b1).shape)
print("σ(a1) (H)                      -> z1 (H)       ", a1.shape, "->", z1.shape)
print("W2 (1×H) @ z1 (H) + b2         -> a2 (scalar)  ", W2.shape, "@", z1.shape, "+ ()", "->", (W2 @ z1 + b2).shape)
assert (W1 @ x + b1).shape == (H,) and (W2 @ z1 + b2).size == 1
"""),
    md(r"""
## 2(a): $\partial L/\partial b_2$

$b_2$ reaches $L$ along one path, $b_2 \to a_2 \to z_2 \to L$, so $\partial L/\partial b_2$ is the product
of three local derivatives.
"""),
    md("""
The path in the graph, lit, with each edge's local derivative
$\\partial\\,\\text{out}/\\partial\\,\\text{in}$ as a number:
"""),
    code("""
draw(L, highlight="b2", show_local=True, parameters=net.parameters())
"""),
    md(r"""
### Your turn: $\partial L/\partial b_2$

Write the gradient as a formula in `x[m]`, `W1[h,m]`, `b1[h]`, `a1[h]`, `z1[h]`, `W2[h]`, `b2`, `a2`,
`y_hat` and `y` (Python, math or LaTeX style: `ŷ`, `σ'(a1[h])`, `W_2^h z_1^h`). `check_formula` compares it
with the gradient on fresh random networks of this size (targets $y$ drawn from (0, 1)), to 40 digits,
has sympy prove it, and, when it is wrong, names the mistake (docs/grading.md).
The cell starts with a slip many people make first:
"""),
    code("""
formula = "(y_hat - y) * y_hat * (1 - y_hat)"     # a common first try
print(check_formula("b2", formula, M=M, H=H))
# Fix `formula` using the diagnosis and run the cell again.
"""),
    *solution(md("The fix, accepted:")),
    *solution(
        code("""
print(check_formula("b2", "y_hat - y", M=M, H=H))
""")
    ),
    md(r"""
### Check your working

Once the checker accepts your formula: `derive` writes the chain rule with each factor as a formula (in
the graph's names: $z_2$ is $\hat y$), multiplies them and simplifies. Watch the sigmoid's
$z_2(1 - z_2)$ cancel against the loss's denominator: that is why the answer is so short.
"""),
    code("""
derive(L, "b2")
"""),
    md("""
`explain` multiplies the numbers along the path and checks the product against autograd's `b2.grad`
and the derivation's formula:
"""),
    code("""
print(explain(L, "b2"))
"""),
    md(r"""
## 2(b): $\partial L/\partial W_2[h]$

$a_2 = \sum_k W_2[k]\, z_1[k] + b_2$: only the term $k = h$ holds $W_2[h]$, so
$\partial a_2/\partial W_2[h] = z_1[h]$, and the rest of the path is the one of (a).
Take $h = 1$ (numpy keeps $\mathbf W_2$ as $1\times H$, so the element is `W2[0,1]`):
"""),
    code("""
draw(L, highlight="W2[0,1]", show_local=True, parameters=net.parameters())
"""),
    md(r"""
### Your turn: $\partial L/\partial W_2[h]$

A weight's gradient is (what flows into its edge) × (the gradient arriving from above). The starting
formula below mixes up which of the two operands of $W_2[h]\,z_1[h]$ is which:
"""),
    code("""
formula = "W2[h] * (y_hat - y)"     # a common first try
print(check_formula("W2[h]", formula, M=M, H=H))
# Fix `formula` using the diagnosis and run the cell again.
"""),
    *solution(md("The fix, accepted:")),
    *solution(
        code("""
print(check_formula("W2[h]", "z1[h] * (y_hat - y)", M=M, H=H))
""")
    ),
    md("### Check your working: the chain rule for $h = 1$, then for every $h$ in index form"),
    code("""
derive(L, "W2[0,1]")
"""),
    code("""
print(derive_indexed("W2[h]"))
"""),
    code("""
print(explain(L, "W2[0,1]"))
"""),
    md(r"""
## 2(c): $\partial L/\partial b_1[h]$

$b_1[h]$ enters only $a_1[h]$, which feeds only $z_1[h]$, which reaches $a_2$ through the single term
$W_2[h]\,z_1[h]$. So the path is (a)'s, extended by three factors:
$\partial a_2/\partial z_1[h] = W_2[h]$, the sigmoid's $\partial z_1[h]/\partial a_1[h] = z_1[h](1 - z_1[h])$,
and $\partial a_1[h]/\partial b_1[h] = 1$. (The original problem sheet writes $\partial z_1[h]/\partial a_1[h] = 1$
for the last one: a typo for $\partial a_1[h]/\partial b_1[h]$.)
"""),
    code("""
draw(L, highlight="b1[1]", show_local=True, parameters=net.parameters())
"""),
    md(r"""
### Your turn: $\partial L/\partial b_1[h]$

The sigmoid's derivative is $\sigma'(a) = \sigma(a)(1 - \sigma(a))$: written in the unit's **output**.
The starting formula writes it in the input instead:
"""),
    code("""
formula = "W2[h] * a1[h] * (1 - a1[h]) * (y_hat - y)"     # a common first try
print(check_formula("b1[h]", formula, M=M, H=H))
# Fix `formula` using the diagnosis and run the cell again.
"""),
    *solution(md("The fix, accepted:")),
    *solution(
        code("""
print(check_formula("b1[h]", "W2[h] * z1[h] * (1 - z1[h]) * (y_hat - y)", M=M, H=H))
""")
    ),
    md("### Check your working"),
    code("""
derive(L, "b1[1]")
"""),
    code("""
print(derive_indexed("b1[h]"))
"""),
    code("""
print(explain(L, "b1[1]"))
"""),
    md(r"""
## 2(d): $\partial L/\partial W_1[h, m]$

$W_1[h,m]$ enters only $a_1[h] = \sum_m W_1[h,m]\,x[m] + b_1[h]$, through the term $W_1[h,m]\,x[m]$: the
path of (c) with its last factor $\partial a_1[h]/\partial W_1[h,m] = x[m]$. Take $h = 1$, $m = 0$
(different numbers, so a mix-up of $h$ and $m$ would show):
"""),
    md("Along the lit path the numbers on the edges are the five local derivatives; their product is the gradient."),
    code("""
draw(L, highlight="W1[1,0]", show_local=True, parameters=net.parameters())
"""),
    md(r"""
### Your turn: $\partial L/\partial W_1[h, m]$

The longest path, and the easiest place to drop a factor:
"""),
    code("""
formula = "W2[h] * x[m] * (y_hat - y)"     # a common first try
print(check_formula("W1[h,m]", formula, M=M, H=H))
# Fix `formula` using the diagnosis and run the cell again.
"""),
    *solution(md("The fix, accepted (for all four elements of $\\mathbf W_1$):")),
    *solution(
        code("""
print(check_formula("W1[h,m]", "W2[h] * x[m] * z1[h] * (1 - z1[h]) * (y_hat - y)", M=M, H=H))
""")
    ),
    md("### Check your working"),
    code("""
derive(L, "W1[1,0]")
"""),
    code("""
print(derive_indexed("W1[h,m]"))
"""),
    code("""
print(explain(L, "W1[1,0]"))
"""),
    md("""
## Every parameter at once

The four formulas, as numpy arrays (`closed_form.gradients`), against autograd's gradients for the whole network:
"""),
    code("""
hand = closed_form.gradients(W1, b1, W2, b2, x, y)
auto = net.grad_arrays()
for name in ["W1", "b1", "W2", "b2"]:
    print(f"{name}: max |autograd - closed form| = {np.abs(auto[name] - hand[name]).max():.1e}")
    assert np.allclose(auto[name], hand[name], rtol=1e-12, atol=1e-15)
"""),
]

NOTEBOOKS["02_graphs_and_steps"] = [
    md("""
# Graphs and backprop step by step

Build an expression, look at its graph, then watch backward fill in the gradients one step at a time.
First the expression of micrograd's lecture, then a node used twice, then you predict the gradients
yourself, then bigger graphs.
"""),
    md("""
## Your own expression

The lecture's first example: $L = (a\\cdot b + c)\\cdot f$, every intermediate labelled. Before backward
there are no gradients yet, so the drawing leaves them out:
"""),
    code("""
from microgr810 import Value, draw, explain, staged_code, trace_backward, widget

a = Value(2.0, label='a')
b = Value(-3.0, label='b')
c = Value(10.0, label='c')
e = a*b; e.label = 'e'
d = e + c; d.label = 'd'
f = Value(-2.0, label='f')
L = d * f; L.label = 'L'
draw(L, show_grad=False)
"""),
    md("""
`trace_backward` runs the engine's own backward and records each step: the node's upstream gradient
$\\partial L/\\partial\\text{node}$, and for each input the local derivative, the contribution and the
input's gradient before and after.
"""),
    code("""
trace = trace_backward(L)
print(trace)
assert a.grad == f.data * b.data    # by hand: dL/da = dL/dd · dd/de · de/da = f · 1 · b
"""),
    md("The graph after two backward steps: done, current and pending nodes, gradients only where they have arrived."),
    code("""
draw(L, step=2, trace=trace)
"""),
    md("`explain` writes a node's gradient as the product of the local derivatives along its path from L:"),
    code("""
print(explain(L, "a"))
"""),
    md("""
The stepper, live in the notebook: one frame per step, Prev/Next or the arrow keys (click it first).
`w.step` is the step it shows, for Python to read or set. (`stepper(L, 'page.html')` saves the same as a
page.) Where widgets do not run (this notebook on GitHub) it shows step 0 and the table of every step.
"""),
    code("""
w = widget(trace)
w
"""),
    code("""
print(f"the widget shows step {w.step} of {w.steps}")
"""),
    md("""
## A node used twice

Here `a` feeds both the product and the sum, so two paths lead from L to `a`. Backward adds both
shares into `a.grad` (that is why it uses `+=`), and `explain` lists both paths and their sum.
"""),
    code("""
a = Value(2.0, label="a")
b = Value(-3.0, label="b")
c = a * b; c.label = "c"
d = c + a; d.label = "d"
L = d.tanh(); L.label = "L"
L.backward()
draw(L, highlight="a")
"""),
    code("""
e = explain(L, "a")
print(e)
assert len(e.paths) == 2 and abs(e.total - a.grad) < 1e-12
assert abs(a.grad - (1 - L.data**2) * (b.data + 1)) < 1e-12    # dL/da = (1 - tanh²)(b + 1), by hand
"""),
    md(r"""
## CS231n's circuit

The same graph drawn the way CS231n's notes draw it: gates as circles holding their op, each wire's name at
its left end, its value in green above it and its gradient in red below. Their first example,
$f = (x + y)\,z$ at $x = -2$, $y = 5$, $z = -4$:
"""),
    code("""
x, y, z = Value(-2.0, label='x'), Value(5.0, label='y'), Value(-4.0, label='z')
q = x + y; q.label = 'q'
f = q * z; f.label = 'f'
f.backward()
draw(f, style="circuit")
"""),
    md("""
Beside a circuit the notes write its staged code: the forward pass one stage per line, then the backward
pass in reverse, one `d<name>` per wire. The add gate distributes the upstream gradient, the mul gate swaps
its inputs; a wire that forks gets `+=`. It is plain Python, so run it:
"""),
    code("""
code = staged_code(f)
print(code)
scope = {}
exec(code, scope)
assert (scope["dx"], scope["dy"], scope["dz"]) == (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)  # by hand: z, z, q
"""),
    md(r"""
## Predict the gradients

The lecture's neuron, $o = \tanh(x_1 w_1 + x_2 w_2 + b)$, with tanh written out through exp as the lecture
does: $o = (e^{2n} - 1)/(e^{2n} + 1)$. Before you look at any gradient, predict them. (Nodes without a
label get the names t1, t2, ...)
"""),
    code("""
x1 = Value(2.0, label='x1')
x2 = Value(0.0, label='x2')
w1 = Value(-3.0, label='w1')
w2 = Value(1.0, label='w2')
b = Value(6.8813735870195432, label='b')
x1w1 = x1*w1; x1w1.label = 'x1*w1'
x2w2 = x2*w2; x2w2.label = 'x2*w2'
x1w1x2w2 = x1w1 + x2w2; x1w1x2w2.label = 'x1*w1 + x2*w2'
n = x1w1x2w2 + b; n.label = 'n'
e = (2*n).exp(); e.label = 'e'
o = (e - 1) / (e + 1); o.label = 'o'
draw(o, show_grad=False)
"""),
    md(r"""
The widget in predict mode: at each backward step, type $\partial o/\partial\text{input}$ for the step's
inputs (Enter checks it, within 1%; a wrong answer gets a second try before the answer shows). Hint gives the
local derivative's formula and the upstream gradient, Reveal shows the step, and the score runs along. Python
checks every answer, and the next cell reads how you did. It needs a running notebook: on GitHub, or with
widgets off, `stepper(o, "predict.html", predict=True)` saves the same questions as a page.
"""),
    code("""
quiz = widget(o, predict=True)
quiz
"""),
    code("""
print(quiz.status, "- answers so far:", [(a["label"], a["said"]) for a in quiz.answers])
"""),
    md("""
Where JavaScript does not run (this notebook on GitHub), the same questions work in cells: `Quiz` asks
them one at a time. `ask()` shows the question, `hint()` the local derivative's formula and the upstream
gradient, `answer(x)` checks a number and, once a step's blanks are done, shows the step. Two steps
answered:
"""),
    code("""
from microgr810.teaching.quiz import Quiz

q = Quiz(o)
q.ask()
"""),
    code("""
q.answer("1/6.828")     # o = t2/t3, so ∂o/∂t2 = 1/t3, times the upstream ∂o/∂o = 1
"""),
    code("""
q.ask()
"""),
    code("""
q.answer(0.1036)        # t2/t3² = 4.828/6.828²: a first guess
"""),
    md("Right size, wrong sign: the quotient rule's $-t_2/t_3^2$. Step 2 next; a hint first:"),
    code("""
q.ask()
"""),
    code("""
q.hint()
"""),
    code("""
q.answer(-0.1036)
"""),
    md("""
Your turn: keep going with `q.ask()` and `q.answer(...)` (7 more steps); `q.hint()` when stuck. The quiz
checks each answer as you give it.
"""),
    code("""
q.ask()
# q.answer(...)   your answer for this step; then q.ask() again for the next
"""),
    *solution(md("The answer key, every step of backward:")),
    *solution(
        code("""
print(trace_backward(o))
""")
    ),
    md("""
tanh through exp and tanh as one operation give the same gradients: only the graph differs (one node
instead of five), and with it how many steps backward takes.
"""),
    code("""
o2 = (x1*w1 + x2*w2 + b).tanh()      # the same neuron, tanh as one operation
exp_form = trace_backward(o)          # (each trace starts the leaves from 0)
exp_grads = [v.grad for v in (x1, w1, x2, w2)]
tanh_op = trace_backward(o2)
print(f"exp form: {len(exp_form)} steps; tanh op: {len(tanh_op)} steps")
for v, g in zip((x1, w1, x2, w2), exp_grads):
    print(f"d o/d {v.label}: {g:.6f} (exp form)  {v.grad:.6f} (tanh op)")
    assert abs(g - v.grad) < 1e-9
"""),
    md("""
## Bigger graphs: collapse and focus

micrograd's lecture network, `MLP(3, [4, 4, 1])` with tanh everywhere, on one example with a squared
error. A box per value would be too many boxes to read, and `draw` says so, with what to do instead:
"""),
    code("""
from microgr810.nn import MLP

net = MLP(3, [4, 4, 1], "tanh", "tanh", seed=0)
x, y = [2.0, 3.0, -1.0], 1.0
y_hat = net(x)
L = (y_hat - y) ** 2; L.label = "L"
L.backward()
try:
    draw(L)
except ValueError as err:
    print(err)
"""),
    md("""
`collapse=True`: one box per neuron, $z = \\tanh(\\mathbf w\\cdot\\mathbf x + b)$, with its data,
$\\partial z/\\partial a$ and its gradient:
"""),
    code("""
draw(L, collapse=True, parameters=net.parameters())
"""),
    md("""
`focus=`: only the chain-rule paths from L to one weight, here the first layer's `W1[0,0]`; everything
else is counted in one dashed box:
"""),
    code("""
draw(L, focus="W1[0,0]", parameters=net.parameters())
"""),
    md("""
Read along the path: `z1[0]` sits on tanh's flat part (its $\\partial z/\\partial a$ in the collapsed drawing
is below 0.01), so every gradient under it is small, and `W1[0,0]` barely moves in a step of gradient descent.
"""),
    md("""
## The reference network

The same tools on the two-layer sigmoid network of the hand derivation ([docs/derivation.md](../docs/derivation.md);
notebook 01 derives each gradient).
"""),
    code("""
from microgr810.reference import ReferenceProblem

p = ReferenceProblem.random(M=2, H=2, seed=0, y=1.0)
net = p.network()
L = p.loss(net)
print(trace_backward(L))
print(explain(L, "W1[0,1]"))
"""),
]

NOTEBOOKS["00_engine_from_scratch"] = [
    md(r"""
# The engine from scratch

An autograd engine in about 60 lines, the way micrograd's lecture and JAX's Autodidax build one: a
`Value` that remembers how it was made, two operations, and `backward`. Then the same ideas in the
package, and its table of operations.

The one idea: every operation computes its result **and** its local derivatives
$\partial\,\text{out}/\partial\,\text{input}$ right away, while it knows its inputs. Backward then needs a
single rule for every node, the chain rule:
$$\frac{\partial L}{\partial\,\text{input}} \mathrel{+}= \frac{\partial\,\text{out}}{\partial\,\text{input}}\cdot\frac{\partial L}{\partial\,\text{out}}.$$
"""),
    code("""
class Value:
    \"\"\"A number that remembers the operation that made it: its inputs and d(self)/d(input) for each.\"\"\"

    def __init__(self, data, inputs=(), local_grads=(), label=""):
        self.data = float(data)
        self.grad = 0.0                  # dL/d(self), filled in by backward
        self.inputs = inputs             # the Values this one was computed from
        self.local_grads = local_grads   # d(self)/d(input), one per input
        self.label = label

    def __add__(self, other):
        # d(a+b)/da = 1, d(a+b)/db = 1
        return Value(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        # d(a*b)/da = b, d(a*b)/db = a
        return Value(self.data * other.data, (self, other), (other.data, self.data))

    def __repr__(self):
        return f"Value({self.label or '?'}: data={self.data:g}, grad={self.grad:g})"
"""),
    md("""
Backward visits the nodes so that a node passes its gradient on only after **every** node that uses it
has added its share: the reverse of a topological order (inputs before the nodes that use them).
We sort with an explicit stack rather than recursion, so a long chain cannot hit Python's recursion
limit (notebook 04 shows that bug).
"""),
    code("""
def topological_order(root):
    \"\"\"Every node under root, each after all of its inputs.\"\"\"
    order, seen, stack = [], {root}, [(root, iter(root.inputs))]
    while stack:
        node, inputs = stack[-1]
        child = next((c for c in inputs if c not in seen), None)
        if child is None:           # all inputs placed: the node can follow them
            stack.pop()
            order.append(node)
        else:
            seen.add(child)
            stack.append((child, iter(child.inputs)))
    return order


def backward(root):
    \"\"\"Fill .grad of every node under root with d(root)/d(node).\"\"\"
    order = topological_order(root)
    for node in order:
        node.grad = 0.0
    root.grad = 1.0                     # dL/dL
    for node in reversed(order):        # users before their inputs
        for child, local in zip(node.inputs, node.local_grads):
            child.grad += local * node.grad   # += : a node used twice gets both shares
"""),
    md(r"""
Try it on $c = a\cdot b + a$ at $a = 2$, $b = -3$. By hand: $\partial c/\partial a = b + 1 = -2$ (two paths
reach $a$), $\partial c/\partial b = a = 2$.
"""),
    code("""
a, b = Value(2.0, label="a"), Value(-3.0, label="b")
c = a * b + a
c.label = "c"
backward(c)
print(a, b, c)
assert (a.grad, b.grad) == (-2.0, 2.0)
"""),
    md("""
That is the whole engine. The package's `Value` is the same design with more operations, numbers mixed in
(`x * 2`: the 2 is not a node), labels, drawings and speed. Same expression, same gradients:
"""),
    code("""
import microgr810

pa, pb = microgr810.Value(2.0, label="a"), microgr810.Value(-3.0, label="b")
pc = pa * pb + pa
pc.label = "c"
pc.backward()
print(pa.grad, pb.grad)
assert (pa.grad, pb.grad) == (a.grad, b.grad)
print("inputs of c:", [microgr810.names.node_names(pc)[v] for v in pc.inputs], "local derivatives:", pc.local_grads)
microgr810.draw(pc, show_local=True)
"""),
    md("""
## The package's op table

Every operation is registered once in the op table `microgr810.OPS` (microgr810/core/ops.py): its name, how many operands it takes (n-ary
for `linear` and `sum`), its forward written with generic arithmetic and its local derivatives. The text
columns below are written by the table itself from operand names.
"""),
    code("""
from microgr810 import OPS
from microgr810.notation.text import local_text, op_text

print(f"{'op':10s} {'arity':>5s}  {'node':28s} local derivatives")
for name, op in OPS.items():
    names = ["a", "b", "c"][: op.arity or 3]
    print(f"{name:10s} {str(op.arity or 'n'):>5s}  {op_text(op, names):28s} {', '.join(local_text(op, names, 'out'))}")
"""),
    md("""
## Your turn: predict the gradient

`Quiz` asks, one backward step at a time, for $\\partial L/\\partial\\text{input}$ of the step's inputs, then
shows the step. `ask()` gives the question, `hint()` the local derivative's formula and the upstream
gradient, `answer(x)` checks it (within 1%). `microgr810 quiz` asks the same in a terminal.
"""),
    code("""
from microgr810.teaching.quiz import Quiz

q = Quiz(pc)
q.ask()
"""),
    code("""
q.hint()
"""),
    *solution(
        code("""
q.answer(1)      # c = t1 + a: each input of a + gets the upstream gradient times 1
"""),
        instead=code("""
# q.answer(...)   your answer for this step (a number); the quiz says whether it is right, then q.ask()
"""),
    ),
    *solution(
        code("""
q.answer(0)      # a slip: a also gets 1 here
""")
    ),
]

NOTEBOOKS["03_training"] = [
    md("""
# Training: the loop written out, then `train()`

micrograd's lecture network: an MLP with 3 inputs, two hidden layers of 4 and one output, fitted to four
examples by mean squared error (summed, as in the lecture). One step of training is five lines:
forward, loss, zero_grad, backward, update.
"""),
    code("""
from microgr810.nn import MLP

xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
ys = [1.0, -1.0, -1.0, 1.0]
net = MLP(3, [4, 4, 1], "tanh", "tanh", seed=0)   # tanh everywhere, as in the lecture
print(len(net.parameters()), "parameters")

for k in range(50):
    y_pred = [net(x) for x in xs]                                 # forward
    loss = sum((yp - y) ** 2 for yp, y in zip(y_pred, ys))        # loss
    net.zero_grad()                                               # zero_grad: leaves accumulate otherwise
    loss.backward()                                               # backward
    for p in net.parameters():                                    # update
        p.data -= 0.05 * p.grad
    if k % 10 == 0 or k == 49:
        print(f"step {k:2d}  loss {loss.data:.4f}")
print("predictions", [round(yp.data, 3) for yp in y_pred], "targets", ys)
assert loss.data < 0.1
"""),
    md("""
Forget `zero_grad()` and every step adds its gradient to the last one's: notebook 04, "no_zero_grad".

## Why tanh trains it where relu can stall

Swap the hidden activations for relu (the output stays tanh) and train 20 networks that differ only in
their random seed. A run is **stuck** when its loss is still exactly 4.0 after 50 steps: every hidden
relu of a layer is 0 on all four examples, so the output is $\\tanh(b) = \\tanh(0) = 0$ and
$L = \\sum (0 - y)^2 = 4$. No gradient gets past a relu that is off, and the output bias gets
$\\partial L/\\partial b = \\sum 2(0 - y)(1 - 0^2) = 0$ because the targets sum to 0: nothing ever moves.
tanh is never exactly flat, so it always has a gradient.
"""),
    code("""
def fit(activation, seed, steps=50, lr=0.05):
    net = MLP(3, [4, 4, 1], activation, "tanh", seed=seed)
    for _ in range(steps):
        loss = sum((net(x) - y) ** 2 for x, y in zip(xs, ys))
        net.zero_grad()
        loss.backward()
        for p in net.parameters():
            p.data -= lr * p.grad
    return loss.data, net

stuck = {}
for activation in ("relu", "tanh"):
    finals = [fit(activation, seed)[0] for seed in range(20)]
    stuck[activation] = [seed for seed, L in enumerate(finals) if abs(L - 4.0) < 1e-9]
    print(f"{activation}: stuck at loss 4.0 in {len(stuck[activation])} of 20 seeds {stuck[activation]}; "
          f"median final loss {sorted(finals)[10]:.4f}")
assert len(stuck["tanh"]) == 0 and len(stuck["relu"]) > 0
"""),
    md("One stuck relu network, looked at: a hidden layer is 0 on every example, and so is every gradient."),
    code("""
L, net = fit("relu", stuck["relu"][0])
h = xs
for layer in net.layers[:-1]:
    h = [[v.data for v in layer(row)] for row in h]
    print(f"layer {layer.index} (relu) on the four examples:", [[round(v, 3) for v in row] for row in h])
loss = sum((net(x) - y) ** 2 for x, y in zip(xs, ys))
net.zero_grad()
loss.backward()
print("loss", loss.data, "largest |gradient|", max(abs(p.grad) for p in net.parameters()))
"""),
    md("""
## micrograd's moons demo with `train()`

`train()` is that same loop, with micrograd's choices: ReLU hidden layers, hinge loss plus L2
regularisation, full-batch SGD for 100 steps with a decaying rate, on 100 points. micrograd's network is
2-16-16-1 (`microgr810 train` runs it, about 10 seconds); here a 2-8-8-1 network, which also separates
the moons and takes half the time.
"""),
    code("""
from microgr810.core.train import train

result = train("moons", hidden=(8, 8), steps=100, lr=1.0, seed=0, progress=False)
print(f"final loss {result.losses[-1]:.4f}, training accuracy {result.accuracies[-1]:.0%}")
assert result.accuracies[-1] == 1.0
"""),
    code("""
from IPython.display import Image
from microgr810.pictures.plots import plot_decision_boundary, plot_loss

plot_loss(result, "loss.png")
Image("loss.png")
"""),
    code("""
plot_decision_boundary(result, "decision_boundary.png")
Image("decision_boundary.png")
"""),
]

NOTEBOOKS["04_classic_bugs"] = [
    md("""
# The classic backprop bugs

Each bug below is a small backward in `microgr810.misconceptions` that makes one classic mistake.
For each: the smallest graph that shows it (found by trying every graph of +, * and tanh over one or
two leaves, fewest nodes first), the engine's gradients beside the bug's, the drawing with the
differing nodes marked (it shows the bug's gradients), and `gradcheck`: finite differences catch it.
"""),
    code("""
from microgr810 import Value
from microgr810 import misconceptions as mc
from microgr810.pictures.draw import draw_comparison

for name, what in mc.WHAT.items():
    print(f"{name:20s} {what}")
"""),
    md("""
## overwrite: `=` where `+=` belongs

micrograd PR #64's example: `a = 1; b = a + a; c = b + b`, so $c = 4a$ and $\\partial c/\\partial a = 4$.
With `input.grad = local * upstream`, the second share of `b + b` overwrites the first, and again at `a + a`.
"""),
    code("""
a = Value(1.0, label="a")
b = a + a; b.label = "b"
c = b + b; c.label = "c"
print(mc.compare("overwrite", c))
"""),
    md("The smallest graph that shows it has two nodes: a node that uses its input twice."),
    code("""
root = mc.find_counterexample("overwrite")
view = mc.compare("overwrite", root)
print(view)
draw_comparison(view)
"""),
    code("""
print(mc.check("overwrite", root))
"""),
    md("""
## order: not a topological order

Backward must let a node pass its gradient on only after every node that uses it has added its share.
Walking breadth-first from the root does not ensure that: below, `b` is an input of `d` directly and
also through `c`; breadth-first reaches `b` first and passes on its gradient before `c` has added to it.
No graph with fewer than 4 nodes can show this.
"""),
    code("""
root = mc.find_counterexample("order")
view = mc.compare("order", root)
print(view)
draw_comparison(view)
"""),
    code("""
print(mc.check("order", root))
"""),
    md("""
## no_zero_grad: two training steps without `zero_grad()`

Leaves add up their gradients over backward calls (as in PyTorch), so the training loop must zero them
before each backward (micrograd issue #53). Forget it, and step 2 sees step 1's gradient plus its own.
"""),
    code("""
root = mc.find_counterexample("no_zero_grad")
view = mc.compare("no_zero_grad", root)
print(view)
draw_comparison(view)
"""),
    code("""
print(mc.check("no_zero_grad", root))
"""),
    md("""
## recursion: a recursive topological sort

micrograd builds its order with a recursive function: one Python frame per node on the path, so a chain
longer than the recursion limit raises `RecursionError` (micrograd PR #90). The engine's walk uses an
explicit stack. The counterexample is a chain as long as the limit: one frame per node, plus the caller's,
is past it from anywhere. (A thousand nodes are too many to draw; the table shows its two ends.)
"""),
    code("""
import sys

L = mc.find_counterexample("recursion")
print("recursion limit", sys.getrecursionlimit())
view = mc.compare("recursion", L)
print(view)
"""),
    code("""
try:
    mc.check("recursion", L)
except RecursionError as e:
    print("gradcheck cannot even get the bug's gradients:", e)
short = mc.chain(50)
mc.BUGS["recursion"](short)   # a short chain is fine: only the depth breaks it
print("a chain of 50 nodes:", mc.compare("recursion", short).differing == [])
"""),
    md("""
## accumulate_interior: interior gradients pile up on a second backward

micrograd's backward sets the root's gradient to 1 and adds everywhere else, without zeroing the interior
nodes first. Call it twice on $a\\cdot a\\cdot a$ at $a = 3$ ($\\partial/\\partial a = 3a^2 = 27$): the leaf
should hold $2 \\times 27 = 54$, but the interior node $a\\cdot a$ still holds its first gradient, so the
second call passes on twice as much and $a$ ends at 72. The engine zeroes interior nodes on every call.
"""),
    code("""
a = Value(3.0, label="a")
cube = a * a * a
mc.BUGS["accumulate_interior"](cube)
print("micrograd-style, two calls:", a.grad)
mc.CORRECT["accumulate_interior"](cube)
print("the engine, two calls:     ", a.grad)
assert a.grad == 54.0
"""),
    code("""
root = mc.find_counterexample("accumulate_interior")
view = mc.compare("accumulate_interior", root)
print(view)
draw_comparison(view)
"""),
    md("Two calls should leave twice the gradient: `check` halves the leaves' gradients before comparing."),
    code("""
print(mc.check("accumulate_interior", root))
"""),
]


NOTEBOOKS["06_backprop_ninja"] = [
    md(r"""
# Becoming a backprop ninja, node by node

Karpathy's favourite exercise: compute **every** intermediate gradient of a network by hand, then
compare each with autograd. His `cmp(name, mine, true)` says exact, approximate or wrong, and the max
difference. `check_gradients` does that for every node you answer, in backward order, and then says
more: which node is the **first** wrong one, what went wrong there where it can tell (a missing local
factor, `=` where `+=` belongs at a fork, a step taken out of order, a flipped sign), and which later
nodes are wrong only because they **inherit** that error (their own local step was right).

The network is the reference problem ([docs/derivation.md](../docs/derivation.md)): $M = 2$ inputs,
$H = 2$ sigmoid hidden units, a sigmoid output and binary cross-entropy, seed 0, target $y = 1$.
"""),
    code("""
from microgr810 import Value, check_gradients
from microgr810.reference import ReferenceProblem
from microgr810.names import node_names

p = ReferenceProblem.random(M=2, H=2, seed=0, y=1.0)
L = p.loss(p.network())       # the forward pass only: no backward, so no gradient is filled in
names = node_names(L)
print("the forward pass, node by node (y = 1):")
for node, name in names.items():
    print(f"  {name:8s} = {node.data: .6f}")
"""),
    md(r"""
## Your turn: every gradient of the network

Give $\partial L/\partial n$ for the nodes below, backwards from $L$, as numbers or as formulas in the
node names above (and `y`). You need the local derivative of each step:
$\partial L/\partial z_2 = \frac{z_2 - y}{z_2(1 - z_2)}$ (BCE), $\sigma' = z(1 - z)$ (each sigmoid),
and for $a = \sum_k w_k\,x_k + b$: $\partial a/\partial w_k = x_k$, $\partial a/\partial x_k = w_k$,
$\partial a/\partial b = 1$. Each node's gradient is the gradient of the node above it times that local step.

The cell starts with a first attempt that has one slip in it. Run it, read the table, fix the
**first** wrong node, and run it again: the nodes marked "inherits the error from …" fix themselves
once the node they inherit from is right.
"""),
    code("""
mine = {
    "z2":      "-(y/z2) + (1 - y)/(1 - z2)",
    "a2":      "z2 - y",
    "b2":      "z2 - y",
    "W2[0,0]": "z1[0] * (z2 - y)",
    "W2[0,1]": "z1[1] * (z2 - y)",
    "z1[0]":   "W2[0,0] * (z2 - y)",
    "z1[1]":   "W2[0,1] * (z2 - y)",
    "a1[0]":   "W2[0,0] * (z2 - y)",                          # a first try
    "a1[1]":   "W2[0,1] * z1[1] * (1 - z1[1]) * (z2 - y)",
    "b1[0]":   "W2[0,0] * (z2 - y)",
    "W1[0,0]": "x[0] * W2[0,0] * (z2 - y)",
    "W1[0,1]": "x[1] * W2[0,0] * (z2 - y)",
    "W1[1,0]": "x[0] * W2[0,1] * z1[1] * (1 - z1[1]) * (z2 - y)",
    "x[0]":    "W1[0,0] * W2[0,0] * z1[0] * (1 - z1[0]) * (z2 - y) + W1[1,0] * W2[0,1] * z1[1] * (1 - z1[1]) * (z2 - y)",
}
report = check_gradients(L, mine)
print(report)
"""),
    md("""
The report is data too: `report.first_wrong`, `report.diagnosis`, and per node `report.rows` (name, your
value, the gradient, status, max difference, what it inherits).
"""),
    code("""
print("first wrong:", report.first_wrong or "none")
print("wrong on their own:", [r.name for r in report.mistakes])
"""),
    *solution(md("The whole answer, every node right:")),
    *solution(
        code("""
sig0 = "z1[0] * (1 - z1[0])"
sig1 = "z1[1] * (1 - z1[1])"
answer = dict(mine)
answer["a1[0]"] = f"W2[0,0] * {sig0} * (z2 - y)"
answer["b1[0]"] = answer["a1[0]"]
answer["W1[0,0]"] = f"x[0] * W2[0,0] * {sig0} * (z2 - y)"
answer["W1[0,1]"] = f"x[1] * W2[0,0] * {sig0} * (z2 - y)"
print(check_gradients(L, answer))
""")
    ),
    md(r"""
## A fork: `=` where `+=` belongs

A node used twice gets a share of the gradient from each use, and backward must **add** them. micrograd's
lecture example: $d = a\,b$, $e = a + b$, $f = d\,e$, here at $a = 3$, $b = 2$. Both $a$ and $b$ are used twice.
The first attempt below keeps only one share for $a$; `check_gradients` names the classic bug.
"""),
    code("""
a = Value(3.0, "a"); b = Value(2.0, "b")
d = a * b; d.label = "d"
e = a + b; e.label = "e"
f = d * e; f.label = "f"
print(check_gradients(f, {"d": "e", "e": "d", "a": "b * e", "b": "a * e + d"}))
"""),
    md("Your turn: fix the answer for `a` (both paths) and run the cell:"),
    code("""
mine_fork = {"d": "e", "e": "d", "a": "b * e", "b": "a * e + d"}   # fix "a"
print(check_gradients(f, mine_fork))
"""),
    *solution(
        code("""
mine_fork["a"] = "b * e + d"     # the share through d plus the share through e
print(check_gradients(f, mine_fork))
""")
    ),
    md("""
From a terminal, the same check reads your answers from a JSON or CSV file (node name, answer):
`microgr810 ninja answers.json --M 2 --H 2 --seed 0`, or `--expr "tanh(a*b + c)"` for an expression of
your own. It exits 0 when all are right, 1 when some are wrong, 2 when the file cannot be read.
"""),
]


NOTEBOOKS["05_scalars_to_matrices"] = [
    md("""
# From scalars to matrices

Part 2 of the derivation writes each gradient one element at a time, $\\partial L/\\partial W_1[h,m]$.
Every course then writes the same gradients as matrices, `dW1 = dA1 @ x.T`, and the mistakes move:
a transposed matrix, `*` where `@` belongs, an inner product where an outer one belongs, a forgotten
slope, a batch not summed or not averaged. This notebook joins the two views: the scalar engine's
nodes grouped into the math's matrices, and a checker for a whole matrix's gradient.

The convention is the derivation's: column vectors. $x$ is $M\\times 1$, $W_1$ is $H\\times M$, $b_1, a_1,
z_1$ are $H\\times 1$, $W_2$ is $1\\times H$, and $b_2, a_2, z_2 = \\hat y$ are $1\\times 1$.
"""),
    code("""
import numpy as np
from microgr810 import matrices, draw
from microgr810.teaching.reference import ReferenceProblem
from microgr810.teaching.grade_matrix import grade_matrix
from microgr810.teaching.matrices import backward_steps
from microgr810.pictures.matrix_view import draw_matrices

M, H = 3, 4
problem = ReferenceProblem.random(M, H, seed=0, y=1.0)
net, L = problem.autograd()          # the scalar graph, after backward
view = matrices(L)                   # its nodes grouped into matrices
print(view.table())
"""),
    md("""
## Part 1: the shapes compose

Each matrix is made of the graph's own nodes, so its values and gradients are the nodes' `data` and
`grad`. Multiplying the matrices as the math does gives the graph's own $a_1$ and $a_2$:
"""),
    code("""
v = view.values()
a1 = v["W1"] @ v["x"] + v["b1"]
a2 = v["W2"] @ v["z1"] + v["b2"]
print("W1 @ x + b1:", a1.shape, "equal to the graph's a1:", np.allclose(a1, v["a1"]))
print("W2 @ z1 + b2:", a2.shape, "equal to the graph's a2:", np.allclose(a2, v["a2"]))
print("the scalar nodes of W1:")
print(view["W1"].names)
"""),
    md("""
The scalar drawing (one box per neuron) and the matrix drawing of the same graph. Each matrix box
says which scalar nodes it collapses; each edge carries the shape that flows along it.
"""),
    code("""
draw(L, collapse=True, parameters=net.parameters())
"""),
    code("""
draw_matrices(L)
"""),
    md("""
## Part 2 in matrix form

`grade_matrix(param, formula)` (and `check_formula("W1", formula)`, and `microgr810 grade W1 -- FORMULA`)
reads a formula in matrix notation: the names above as matrices, `@` the matrix product, `.T` the
transpose, `* / + -` and `σ` elementwise. It checks every operation's shapes first, then every entry
against the scalar engine's gradient on fresh random networks.

### Your turn: dW2

$a_2 = W_2 z_1 + b_2$, so $\\partial L/\\partial W_2$ has $W_2$'s shape, $1\\times 4$. The first try below
forgets which way $z_1$ stands:
"""),
    code("""
formula = "(y_hat - y) * z1"     # a common first try
print(grade_matrix("W2", formula, M=M, H=H))
# Fix `formula` using the diagnosis and run the cell again.
"""),
    *solution(md("The fix, accepted:")),
    *solution(
        code("""
print(grade_matrix("W2", "(y_hat - y) * z1.T", M=M, H=H))
""")
    ),
    md("""
### Your turn: db2

With the loss's and the sigmoid's derivatives multiplied out, $\\partial L/\\partial a_2$ is one short
difference. The first try has it the wrong way round:
"""),
    code("""
formula = "y - y_hat"     # a common first try
print(grade_matrix("b2", formula, M=M, H=H))
"""),
    *solution(md("The fix, accepted:")),
    *solution(
        code("""
print(grade_matrix("b2", "y_hat - y", M=M, H=H))
""")
    ),
    md("""
### Your turn: db1

Backward through $a_2 = W_2 z_1 + b_2$ gives $W_2^\\top$ times the gradient at $a_2$ ($4\\times 1$), then
the sigmoid's slope $z_1 \\odot (1 - z_1)$ elementwise. The first try keeps $W_2$ as a row:
"""),
    code("""
formula = "W2 * z1 * (1 - z1) * (y_hat - y)"     # a common first try
print(grade_matrix("b1", formula, M=M, H=H))
"""),
    *solution(md("The fix, accepted:")),
    *solution(
        code("""
print(grade_matrix("b1", "W2.T * z1 * (1 - z1) * (y_hat - y)", M=M, H=H))
""")
    ),
    md("""
### Your turn: dW1

$\\partial L/\\partial W_1$ is $H\\times M$: the column $\\partial L/\\partial a_1$ ($H\\times 1$) times the row
$x^\\top$ ($1\\times M$). The first try multiplies them elementwise:
"""),
    code("""
formula = "(W2.T * z1 * (1 - z1)) * x.T * (y_hat - y)"     # a common first try
print(grade_matrix("W1", formula, M=M, H=H))
"""),
    *solution(md("The fix, accepted:")),
    *solution(
        code("""
print(grade_matrix("W1", "(W2.T * z1 * (1 - z1)) @ x.T * (y_hat - y)", M=M, H=H))
""")
    ),
    md("""
## Backprop one matrix op at a time

The same chain rule, one line per matrix op, as a vectorised implementation writes it. Each line is
evaluated with the matrices of the scalar graph and compared with the engine's own gradients.
`stepper(L, matrices=True)` shows the same steps on the drawing (Prev/Next, or the arrow keys).
"""),
    code("""
for step in backward_steps(view):
    print(step.forward)
    for target, formula in step.lines:
        print(f"    {target} = {formula}")
"""),
    md("""
## A batch

A batch of $N$ datapoints is one **column** per datapoint: $X$ is $M\\times N$, $A_1$ and $Z_1$ are
$H\\times N$, $A_2$, $Z_2 = \\hat Y$ and $Y$ are $1\\times N$. The weights are shared, so $W_1$ is still
$H\\times M$, and the loss is the **mean** over the batch.
"""),
    code("""
N = 4
batch = ReferenceProblem.random(M, H, seed=0, batch=N)
_, LN = batch.autograd()
viewN = matrices(LN)
print(viewN.table())
"""),
    md("""
### Your turn: dW1 for the batch

`@` with $X^\\top$ adds up the datapoints' outer products. The first try forgets the loss is a mean:
"""),
    code("""
formula = "(W2.T @ (Y_hat - Y) * Z1 * (1 - Z1)) @ X.T"     # a common first try
print(grade_matrix("W1", formula, M=M, H=H, batch=N))
"""),
    *solution(md("The fix, accepted:")),
    *solution(
        code("""
print(grade_matrix("W1", "(W2.T @ (Y_hat - Y) * Z1 * (1 - Z1)) @ X.T / N", M=M, H=H, batch=N))
""")
    ),
    md("""
### Your turn: db1 for the batch

A bias is added to every column, so its gradient adds up the columns: `sum(..., axis=1)` (or
`.sum(axis=1)`), which keeps the result a column. The first try does not add them up:
"""),
    code("""
formula = "W2.T @ (Y_hat - Y) * Z1 * (1 - Z1) / N"     # a common first try
print(grade_matrix("b1", formula, M=M, H=H, batch=N))
"""),
    *solution(md("The fix, accepted:")),
    *solution(
        code("""
print(grade_matrix("b1", "sum(W2.T @ (Y_hat - Y) * Z1 * (1 - Z1), axis=1) / N", M=M, H=H, batch=N))
""")
    ),
    md("""
## Three ways, one answer

The matrix view's gradients (the scalar engine's) against `closed_form`'s numpy formulas:
"""),
    code("""
from microgr810.teaching import closed_form

g = closed_form.gradients(batch.W1, batch.b1, batch.W2, batch.b2, batch.x, batch.y)
for name in ("W1", "b1", "W2", "b2"):
    same = np.allclose(viewN[name].grads.reshape(np.shape(g[name])), g[name])
    print(f"{name:3s} {viewN[name].shape}  engine = closed form: {same}")
"""),
]


def build(name: str, cells, *, teacher: bool = False) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = teacher_cells(cells) if teacher else student_cells(cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}).execute()
    folder = HERE / "solutions" if teacher else HERE
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.ipynb"
    tmp = path.with_name(f".{path.name}.tmp")
    nbformat.write(nb, tmp)
    os.replace(tmp, path)  # a notebook half written is never left in place
    return path


def has_solutions(cells) -> bool:
    return any("solution" in c.metadata.get("tags", []) for c in _flatten(cells))


if __name__ == "__main__":
    for name in sys.argv[1:] or NOTEBOOKS:
        print("wrote", build(name, NOTEBOOKS[name]))
        if has_solutions(NOTEBOOKS[name]):
            print("wrote", build(name, NOTEBOOKS[name], teacher=True))
