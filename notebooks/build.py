"""Write the teaching notebooks from the cells below and run them, so the committed .ipynb files
carry their outputs (readable on GitHub). `make notebooks` runs this; the test suite runs the
committed notebooks again top to bottom (tests/test_notebooks.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).parent


def md(text: str):
    return nbformat.v4.new_markdown_cell(text.strip())


def code(text: str):
    return nbformat.v4.new_code_cell(text.strip())


NOTEBOOKS = {}

NOTEBOOKS["01_backprop_by_hand"] = [
    md(r"""
# Backprop by hand, checked by autograd

The reference problem: a two-layer sigmoid MLP for binary classification,

$$\hat y = \sigma(\mathbf W_2\,\sigma(\mathbf W_1 \mathbf x + \mathbf b_1) + b_2),
\qquad L = -(y \log \hat y + (1-y)\log(1-\hat y)),$$

with the intermediates $\mathbf a_1 = \mathbf W_1\mathbf x + \mathbf b_1$, $\mathbf z_1 = \sigma(\mathbf a_1)$,
$a_2 = \mathbf W_2 \mathbf z_1 + b_2$, $\hat y = z_2 = \sigma(a_2)$.
We derive every gradient by the chain rule, then let microgr810 compute it and compare.
The whole derivation, step by step, is in [docs/derivation.md](../docs/derivation.md).
"""),
    code("""
import numpy as np
from microgr810 import closed_form
from microgr810.reference import ReferenceProblem

M, H = 3, 4
p = ReferenceProblem.random(M, H, seed=0, y=1.0)
net, L = p.autograd()          # build the graph, run backward
grads = {q.label: q.grad for q in net.parameters()}
hand = closed_form.gradients(p.W1, p.b1, p.W2, p.b2, p.x, p.y)
f = closed_form.forward(p.W1, p.b1, p.W2, p.b2, p.x)
z1, y_hat, y = f["z1"], float(f["z2"]), float(p.y)
print(f"L = {L.data:.6f}, y_hat = {y_hat:.6f}, y = {y}")
"""),
    md("""
## Part 1: dimensions

$\\mathbf x$ is $M$, so $\\mathbf W_1$ must be $H\\times M$ for $\\mathbf W_1\\mathbf x + \\mathbf b_1$ to be $H$;
$\\mathbf W_2$ is $1\\times H$ so that $a_2$ is a scalar.
"""),
    code("""
closed_form.dimensions(M, H)
"""),
    md(r"""
## 2(a): $\partial L/\partial b_2$

$\frac{\partial L}{\partial \hat y} = \frac{\hat y - y}{\hat y(1-\hat y)}$, $\frac{\partial \hat y}{\partial a_2} = \hat y(1-\hat y)$,
$\frac{\partial a_2}{\partial b_2} = 1$, so $\frac{\partial L}{\partial b_2} = \hat y - y$.
"""),
    code("""
print("autograd   ", grads["b2"])
print("closed form", y_hat - y)
assert np.isclose(grads["b2"], y_hat - y, rtol=1e-12)
"""),
    md("The chain-rule path for $b_2$, highlighted in the graph (a smaller network, $M = 2$, $H = 2$, so it fits):"),
    code("""
from microgr810 import draw
small = ReferenceProblem.random(2, 2, seed=0, y=1.0)
small_net, small_L = small.autograd()
draw(small_L, highlight="b2", show_local=True)
"""),
    md(r"""
## 2(b): $\partial L/\partial W_2^h$

$a_2 = \mathbf W_2 \mathbf z_1 + b_2$ gives $\frac{\partial a_2}{\partial W_2^h} = z_1^h$, so
$\frac{\partial L}{\partial W_2^h} = z_1^h(\hat y - y)$.
"""),
    code("""
h = 1
print("autograd   ", grads[f"W2[0,{h}]"])
print("closed form", z1[h] * (y_hat - y))
assert np.isclose(grads[f"W2[0,{h}]"], z1[h] * (y_hat - y), rtol=1e-12)
"""),
    code("""
draw(small_L, highlight="W2[0,1]", show_local=True)
"""),
    md(r"""
## 2(c): $\partial L/\partial b_1^h$

Only $a_1^h$ and $z_1^h$ depend on $b_1^h$: $\frac{\partial a_2}{\partial z_1^h} = W_2^h$,
$\frac{\partial z_1^h}{\partial a_1^h} = z_1^h(1-z_1^h)$, $\frac{\partial a_1^h}{\partial b_1^h} = 1$
(the reference writes $\partial z_1^h/\partial a_1^h = 1$ here: a typo for $\partial a_1^h/\partial b_1^h$), so
$\frac{\partial L}{\partial b_1^h} = W_2^h z_1^h(1-z_1^h)(\hat y - y)$.
"""),
    code("""
expected = p.W2[0, h] * z1[h] * (1 - z1[h]) * (y_hat - y)
print("autograd   ", grads[f"b1[{h}]"])
print("closed form", expected)
assert np.isclose(grads[f"b1[{h}]"], expected, rtol=1e-12)
"""),
    code("""
draw(small_L, highlight="b1[1]", show_local=True)
"""),
    md(r"""
## 2(d): $\partial L/\partial W_1^{h,m}$

$a_1^h = \sum_m W_1^{h,m} x^m + b_1^h$ gives $\frac{\partial a_1^h}{\partial W_1^{h,m}} = x^m$, so
$\frac{\partial L}{\partial W_1^{h,m}} = W_2^h x^m z_1^h(1-z_1^h)(\hat y - y)$.
"""),
    code("""
m = 2
expected = p.W2[0, h] * p.x[m] * z1[h] * (1 - z1[h]) * (y_hat - y)
print("autograd   ", grads[f"W1[{h},{m}]"])
print("closed form", expected)
assert np.isclose(grads[f"W1[{h},{m}]"], expected, rtol=1e-12)
"""),
    md("Along the highlighted path the numbers on the edges are the five local derivatives; their product is the gradient."),
    code("""
draw(small_L, highlight="W1[1,0]", show_local=True)
"""),
    md("""
## Every parameter at once
"""),
    code("""
auto = net.grad_arrays()
for name in ["W1", "b1", "W2", "b2"]:
    print(name, "max |autograd - closed form| =", np.abs(auto[name] - hand[name]).max())
    assert np.allclose(auto[name], hand[name], rtol=1e-12, atol=1e-15)
"""),
]

NOTEBOOKS["02_graphs_and_steps"] = [
    md("""
# Graphs and backprop step by step

Build a small expression, look at its graph, then watch backward fill in the gradients one step at a time.
"""),
    code("""
from microgr810 import Value, draw, explain, stepper, trace_backward

a = Value(2.0, label="a")
b = Value(-3.0, label="b")
c = a * b; c.label = "c"
d = c + a; d.label = "d"          # a is used twice: two paths reach it
L = d.tanh(); L.label = "L"
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
assert abs(a.grad - (1 - L.data**2) * (b.data + 1)) < 1e-12    # dL/da = (1 - tanh^2)(b + 1), by hand
"""),
    md("`explain` lists every path from L down to a node as a product of local derivatives; the sum is the gradient."),
    code("""
e = explain(L, "a")
print(e)
assert len(e.paths) == 2 and abs(e.total - a.grad) < 1e-12
"""),
    md("The graph after two backward steps: done, current and pending nodes, gradients only where they have arrived."),
    code("""
draw(L, step=2, trace=trace)
"""),
    md("The stepper: one frame per step, Prev/Next or the arrow keys (click it first). `stepper(L, 'page.html')` saves it as a file."),
    code("""
stepper(trace)
"""),
    md("""
## The reference network

The same tools on the two-layer sigmoid network of the hand derivation ([docs/derivation.md](../docs/derivation.md)).
"""),
    code("""
from microgr810.reference import ReferenceProblem

p = ReferenceProblem.random(2, 2, seed=0, y=1.0)
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

Every operation is registered once in `microgr810.ops.OPS`: its name, how many operands it takes (n-ary
for `linear` and `sum`), its forward written with generic arithmetic and its local derivatives. The text
columns below are written by the table itself from operand names.
"""),
    code("""
from microgr810.ops import OPS

print(f"{'op':10s} {'arity':>5s}  {'node':28s} local derivatives")
for name, op in OPS.items():
    names = ["a", "b", "c"][: op.arity or 3]
    print(f"{name:10s} {str(op.arity or 'n'):>5s}  {op.text(names):28s} {', '.join(op.local_text(names, 'out'))}")
"""),
    md("""
## Your turn: predict the gradient

`Quiz` asks, one backward step at a time, for $\\partial L/\\partial\\text{input}$ of the step's inputs, then
shows the step. `ask()` gives the question, `hint()` the local derivative's formula and the upstream
gradient, `answer(x)` checks it (within 1%). `microgr810 quiz` asks the same in a terminal.
"""),
    code("""
from microgr810.quiz import Quiz

q = Quiz(pc)
q.ask()
"""),
    code("""
q.hint()
"""),
    code("""
q.answer(1)      # c = t1 + a: each input of a + gets the upstream gradient times 1
"""),
    code("""
q.answer(0)      # a slip: a also gets 1 here
"""),
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
from microgr810.train import train

result = train("moons", hidden=(8, 8), steps=100, lr=1.0, seed=0, progress=False)
print(f"final loss {result.losses[-1]:.4f}, training accuracy {result.accuracies[-1]:.0%}")
assert result.accuracies[-1] == 1.0
"""),
    code("""
from IPython.display import Image
from microgr810.plots import plot_decision_boundary, plot_loss

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
view.draw()
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
view.draw()
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
view.draw()
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
view.draw()
"""),
    md("Two calls should leave twice the gradient: `check` halves the leaves' gradients before comparing."),
    code("""
print(mc.check("accumulate_interior", root))
"""),
]


def build(name: str, cells) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}).execute()
    path = HERE / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


if __name__ == "__main__":
    for name in sys.argv[1:] or NOTEBOOKS:
        print("wrote", build(name, NOTEBOOKS[name]))
