"""draw's bigger-graph views: a box per neuron, the paths to one node, names, numbers in ops, limits, frames."""

import html
import re

import pytest
from microgr810.nn import MLP
from microgr810.reference import ReferenceProblem

from microgr810.core.engine import Value
from microgr810.pictures.colours import FLOW_COLOUR
from microgr810.pictures.draw import MAX_NODES, draw
from microgr810.pictures.views import step_frames
from microgr810.teaching.trace import trace_backward

BOX = re.compile(r"^\s*(v\d+) \[.*?label=<(.*)> .*id=v\d+", re.M)
EDGE = re.compile(r"^\s*(\w+) -> (\w+) \[(.*)\]$", re.M)


def reference(M, H, **kw):
    p = ReferenceProblem.random(M, H, seed=0, y=1.0, **kw)
    L = p.loss(p.network())
    L.backward()
    return L


def titles(src):
    """Each box's bold first line, unescaped, by graphviz name."""
    return {name: html.unescape(re.search(r"<B>(.*?)</B>", label)[1]) for name, label in BOX.findall(src)}


def test_collapsed_reference_net_is_one_box_per_neuron():
    L = reference(4, 8)
    src = draw(L, collapse=True).source
    t = titles(src)
    # by hand: x[0..3], 8 hidden neurons z1[h] = σ(a1[h]), the output neuron z2, and L: 14 of 72 nodes
    assert len(t) == 4 + 8 + 1 + 1
    assert sorted(v for v in t.values() if v.startswith("x")) == ["x[0]", "x[1]", "x[2]", "x[3]"]
    neurons = sorted(v for v in t.values() if v.startswith("z"))
    assert len(neurons) == 9 and neurons[0].startswith("z1[0] = σ(") and "W1[0,:]" in neurons[0]
    assert "b1[0]" in neurons[0] and any(v.startswith("z2 = σ(") and "W2" in v for v in neurons)
    assert not any(v.startswith(("W", "b", "a")) for v in t.values())  # weights, biases and a's are inside
    assert "∂z1[3]/∂a1[3] = " in html.unescape(src) and "∂z2/∂a2 = " in html.unescape(src)
    # edges: each x into each of 8 neurons, each z1 into z2, z2 into BCE's op, the op into L
    assert len(EDGE.findall(src)) == 4 * 8 + 8 + 1 + 1


def test_collapsed_box_shows_the_activations_data_and_grad():
    L = reference(2, 2)
    z = L.inputs[0]  # bce(z2, y): z2 is its one Value operand
    src = html.unescape(draw(L, collapse=True).source)
    box = re.search(r"<B>z2 = .*?grad [^<]*", src)[0]
    assert f"data {z.data:.4g}" in box and f"grad {z.grad:.4g}" in box
    assert f"∂z2/∂a2 = {z.data * (1 - z.data):.4g}" in box  # σ' = σ(1 − σ), by hand


def test_karpathy_mlp_collapses_to_its_neurons():
    net = MLP(3, [4, 4, 1], seed=0)
    out = net([2.0, 3.0, -1.0])
    loss = (out - 1.0) ** 2
    loss.label = "loss"
    full = len(titles(draw(loss, max_nodes=1000).source))
    t = titles(draw(loss, collapse=True).source)
    # x 3, layer 1: 4 relu neurons, layer 2: 4, output a3 = W3·z2 + b3 (linear: no activation), t1 = a3 − 1, loss
    assert len(t) == 3 + 4 + 4 + 1 + 2 and full > 4 * len(t)
    assert any(v.startswith("a3 = ") for v in t.values()) and "loss" in t.values()
    assert sum(v.startswith("z1[") for v in t.values()) == 4 and sum(v.startswith("z2[") for v in t.values()) == 4


def test_focus_draws_only_the_chain_rule_paths_and_counts_the_rest():
    L = reference(4, 8)
    src = draw(L, focus="W1[0,1]").source
    t = titles(src)
    assert set(t.values()) == {"W1[0,1]", "a1[0]", "z1[0]", "a2", "z2", "L"}
    assert "+ 66 other nodes" in src  # 72 value nodes, 6 drawn
    rest_edges = [m for m in EDGE.findall(src) if m[0] == "rest"]
    assert len(rest_edges) == 2  # into a1[0]'s op (other weights, x, b1[0]) and a2's (other z1, W2, b2)
    by_value = draw(L, focus=L.inputs[0]).source  # focus on z2, given as a Value
    assert set(titles(by_value).values()) == {"z2", "L"}


def test_focus_and_collapse_together():
    L = reference(4, 8)
    t = titles(draw(L, focus="W1[0,1]", collapse=True).source)
    assert len(t) == 3 and "L" in t.values()  # z1[0]'s neuron (W1[0,1] inside), z2's neuron, L
    assert sum(v.startswith(("z1[0] = ", "z2 = ")) for v in t.values()) == 2


def test_each_view_refuses_past_its_legible_size_and_says_what_to_do():
    L = reference(4, 8)
    with pytest.raises(
        ValueError,
        match=rf"72 value nodes, more than max_nodes={MAX_NODES}.*collapse=True.*"
        r"\(14 boxes\).*focus=node.*max_nodes=72",
    ):
        draw(L)
    assert len(titles(draw(L, max_nodes=72).source)) == 72
    with pytest.raises(ValueError, match=r"14 boxes in the collapsed view, more than max_nodes=10.*focus="):
        draw(L, collapse=True, max_nodes=10)
    with pytest.raises(ValueError, match=r"^focus: no node named 'W9' under 'L'; its nodes are .*\(72 names\)$"):
        draw(L, focus="W9")


def test_every_box_shows_its_short_name_and_numbers_stay_in_the_op():
    x = Value(3.0, "x")
    y = (x * 2.0).exp() - 1.0  # t1 = x·2, t2 = exp(t1), t3 = t2 − 1: numbers in the ops
    src = html.unescape(draw(y).source)
    assert set(titles(draw(y).source).values()) == {"x", "t1", "t2", "t3"}
    assert "data 2<" not in src and "data 1<" not in src  # no box (and so no grad) for a number
    ops = re.findall(r"op\d+ \[label=<.*?<TD>(.*?)</TD>", src)
    assert "x·2" in ops and "t2 − 1" in ops and "exp(t1)" in ops


def test_datapoints_cluster_by_their_names():
    a = [Value(float(k), f"x[n={k}]") for k in (1, 2)]
    h = [(v * v).tanh() for v in a]
    for k, v in zip((1, 2), h):
        v.label = f"h[n={k}]"
    L = h[0] + h[1]
    L.label = "L"
    src = draw(L, cluster_datapoints=True).source
    blocks = {k: html.unescape(v) for k, v in re.findall(r"subgraph (cluster_n\d+) \{(.*?)\n\t\}", src, re.S)}
    assert set(blocks) == {"cluster_n1", "cluster_n2"} and 'label="datapoint 1"' in blocks["cluster_n1"]
    assert "h[n=1]" in blocks["cluster_n1"] and "h[n=2]" not in blocks["cluster_n1"]
    assert "<B>L</B>" not in "".join(blocks.values())


def test_a_step_marks_the_edges_its_gradient_flows_along():
    L = reference(2, 2)
    src = draw(L, step=3).source  # step 3: a2 passes ∂L/∂a2 to W2[0,0], W2[0,1], z1[0], z1[1], b2
    flow = [(a, b) for a, b, attrs in EDGE.findall(src) if f'color="{FLOW_COLOUR}"' in attrs]
    t = titles(src)
    a2 = next(n for n, v in t.items() if v == "a2")
    assert len(flow) == 5 + 1 and all(b == f"op{a2[1:]}" or (a, b) == (f"op{a2[1:]}", a2) for a, b in flow)
    assert {t[a] for a, _ in flow if a in t} == {"W2[0,0]", "W2[0,1]", "z1[0]", "z1[1]", "b2"}
    assert not [1 for *_, attrs in EDGE.findall(draw(L, step=0).source) if FLOW_COLOUR in attrs]


def test_a_neurons_steps_light_its_box_and_only_the_linear_step_marks_its_input_edges():
    L = reference(2, 2)
    g2, g3 = draw(L, collapse=True, step=2), draw(L, collapse=True, step=3)  # step 2: z2 = σ(a2); 3: a2 = W2·z1 + b2
    t = titles(g2.source)
    z2 = next(n for n, v in t.items() if v.startswith("z2 = "))
    frames = step_frames(trace_backward(L), g2.boxes)
    assert frames[0].phases.count("current") == 0 and frames[0].current is None
    assert g2.box_ids[frames[2].current] == z2 and g2.box_ids[frames[3].current] == z2
    assert not frames[2].flow and frames[3].flow
    flow = [(a, b) for g in (g2, g3) for a, b, attrs in EDGE.findall(g.source) if f'color="{FLOW_COLOUR}"' in attrs]
    # σ's step passes ∂L/∂z2 to a2 inside the box: no edge; the linear's step passes it to z1[0] and z1[1]
    assert sorted(t[a] for a, _ in flow) == ["z1[0] = σ(W1[0,:]·x + b1[0])", "z1[1] = σ(W1[1,:]·x + b1[1])"]
    assert {b for _, b in flow} == {z2}


def test_grad_cells_are_as_wide_as_their_widest_text_in_any_frame():
    from microgr810.core.engine import topological_order
    from microgr810.pictures.views import boxes, grad_widths

    L = reference(2, 2, batch=3)
    tr = trace_backward(L)
    for collapse in (False, True):
        bs = boxes(topological_order(L), collapse)
        frames = step_frames(tr, bs)
        # one pass over the flows gives what drawing every frame would
        assert grad_widths(tr, bs) == [max(len(f.grads[i]) for f in frames) for i in range(len(bs))]
