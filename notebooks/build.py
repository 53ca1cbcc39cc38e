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

NOTEBOOKS["03_training"] = [
    md("""
# Training: micrograd's moons demo

An MLP 2-16-16-1 with ReLU, hinge loss plus L2 regularisation, full-batch SGD for 100 steps.
"""),
    code("""
from microgr810.train import train

result = train("moons", hidden=(16, 16), steps=100, lr=1.0, seed=0, progress=False)
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
