"""microgr810.draw: structure, highlighted paths, determinism, escaping, rendering, limits."""

import html
import re
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import graphviz
import pytest
from hypothesis import given, settings, strategies as st
from microgr810.reference import ReferenceProblem

from conftest import require_binary
from microgr810.core.engine import Value, linear
from microgr810.pictures.draw import PATH_COLOUR, ROLE_COLOURS, GraphvizNotFound, draw

DOT_HINT = "apt-get install graphviz / brew install graphviz / conda install -c conda-forge graphviz"
SVG = "{http://www.w3.org/2000/svg}"
NODE = re.compile(r"^\s*(v\d+|op\d+) \[(.*)\]$")
EDGE = re.compile(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?$")


def reference_loss():
    """The reference network with M=2 inputs, H=2 hidden units, after backward."""
    _, L = ReferenceProblem.random(2, 2, seed=0, y=1.0).autograd()
    return L


def nodes(source):
    """{name: attribute text} of the value and op nodes in DOT text."""
    return {m[1]: m[2] for m in map(NODE.match, source.splitlines()) if m}


def edges(source):
    return [(m[1], m[2], m[3] or "") for m in map(EDGE.match, source.splitlines()) if m]


def bold_label(attrs):
    m = re.search(r"<B>(.*?)</B>", attrs)
    return html.unescape(m[1]) if m else None


def on_path(attrs):
    return f'color="{PATH_COLOUR}"' in attrs and "penwidth=3" in attrs


def test_one_box_per_value_and_one_node_per_op():
    src = draw(reference_loss()).source
    found = nodes(src)
    # by hand: leaves x 2, W1 4, b1 2, W2 2, b2 1; a1 2, z1 2, a2, z2, L -> 18 values, 7 ops
    assert sum(n.startswith("v") for n in found) == 18
    assert sum(n.startswith("op") for n in found) == 7
    labels = {bold_label(a) for n, a in found.items() if n.startswith("v")}
    assert labels == {
        "x[0]",
        "x[1]",
        "W1[0,0]",
        "W1[0,1]",
        "W1[1,0]",
        "W1[1,1]",
        "b1[0]",
        "b1[1]",
        "W2[0,0]",
        "W2[0,1]",
        "b2",
        "a1[0]",
        "a1[1]",
        "z1[0]",
        "z1[1]",
        "a2",
        "z2",
        "L",
    }
    # op -> output for 7 ops, input -> op: linear 5+5+5, sigmoid 3, bce 1
    assert len(edges(src)) == 7 + 15 + 3 + 1


def test_roles_have_their_colours():
    a, b = Value(2.0, "x"), Value(-3.0, "W")
    out = (a * b + 1.0).tanh() * Value(0.5, "b") + Value(0.25, "b1[0]")
    found = nodes(draw(out).source)
    fills = {
        bold_label(attrs) or "": re.search(r'fillcolor="([^"]+)"', attrs)[1]
        for name, attrs in found.items()
        if name.startswith("v")
    }
    # no label makes a parameter (a generic drawing does not know the reference net's W1, b1): with no
    # `linear` node and no parameters= every leaf is an input
    assert {fills[k] for k in ("x", "W", "b", "b1[0]")} == {ROLE_COLOURS["input"]}
    # the number 1 is part of its op (written "t1 + 1"), not a box with a gradient
    assert not [attrs for attrs in found.values() if "data 1<" in attrs]
    assert any("t1 + 1" in attrs for name, attrs in found.items() if name.startswith("op"))
    assert sum(ROLE_COLOURS["output"] in attrs for attrs in found.values()) == 1
    # parameters= says exactly which leaves are parameters: a list, or a Module
    fills2 = {bold_label(attrs): attrs for attrs in nodes(draw(out, parameters=[a]).source).values()}
    assert ROLE_COLOURS["parameter"] in fills2["x"] and ROLE_COLOURS["input"] in fills2["W"]
    # by default the leaves a `linear` node reads as weight or bias: w and c here, not the input u
    u, w, c = Value(1.5, "u"), Value(0.5, "weight"), Value(0.1, "c")
    found = {bold_label(attrs): attrs for attrs in nodes(draw(linear([w], [u], c).tanh()).source).values()}
    assert ROLE_COLOURS["parameter"] in found["weight"] and ROLE_COLOURS["parameter"] in found["c"]
    assert ROLE_COLOURS["input"] in found["u"]
    net, L = ReferenceProblem.random(2, 2, seed=0, y=1.0).autograd()
    for params_given in (net, net.parameters(), None):
        found = {bold_label(attrs): attrs for attrs in nodes(draw(L, parameters=params_given).source).values()}
        params = {label for label, attrs in found.items() if ROLE_COLOURS["parameter"] in attrs}
        assert params == {"W1[0,0]", "W1[0,1]", "W1[1,0]", "W1[1,1]", "b1[0]", "b1[1]", "W2[0,0]", "W2[0,1]", "b2"}


def test_highlight_is_the_chain_rule_path_of_the_reference():
    src = draw(reference_loss(), highlight="W1[0,1]").source
    lit = {bold_label(a) for n, a in nodes(src).items() if n.startswith("v") and on_path(a)}
    assert lit == {"L", "z2", "a2", "z1[0]", "a1[0]", "W1[0,1]"}


def paths_to(root, targets):
    """Every node on some root-to-target path, by enumerating all paths (an explicit stack)."""
    found, stack = set(), [(root,)]
    while stack:
        path = stack.pop()
        if path[-1] in targets:
            found.update(path)
        stack.extend(path + (child,) for child in path[-1].inputs)
    return found


def several_paths():
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    c = a * b
    c.label = "c"
    d = c + a
    d.label = "d"
    e = d * c
    e.label = "e"
    g = b.exp()
    g.label = "g"
    f = e + g
    f.label = "f"
    return f, {v.label: v for v in (a, b, c, d, e, f, g)}


@pytest.mark.parametrize("targets", [["a"], ["b"], ["c"], ["g"], ["a", "g"], ["f"]])
def test_highlight_is_exactly_the_nodes_on_root_to_target_paths(targets):
    root, by = several_paths()
    src = draw(root, highlight=[by[t] for t in targets]).source
    found = nodes(src)
    names = {bold_label(a): n for n, a in found.items() if n.startswith("v")}
    lit = {label for label, name in names.items() if on_path(found[name])}
    assert lit == {v.label for v in paths_to(root, {by[t] for t in targets})}
    # an edge into an op is lit exactly when its input is on a path (its output then is too)
    for tail, head, attrs in edges(src):
        if head.startswith("op"):
            tail_label = bold_label(found[tail])
            assert on_path(attrs) == (tail_label in lit), (tail_label, head)


def test_highlight_by_label_equals_by_value_and_unknown_targets_fail():
    root, by = several_paths()
    assert draw(root, highlight="d").source == draw(root, highlight=by["d"]).source
    with pytest.raises(ValueError, match="'nope'"):
        draw(root, highlight="nope")
    with pytest.raises(ValueError, match="'stranger'"):
        draw(root, highlight=Value(1.0, "stranger"))


def test_same_graph_same_source():
    L = reference_loss()
    assert draw(L, highlight="W1[0,1]").source == draw(L, highlight="W1[0,1]").source
    # two separately built identical graphs (different ids) give identical text
    assert draw(reference_loss(), show_local=True).source == draw(reference_loss(), show_local=True).source
    names = [n for n in nodes(draw(L).source) if n.startswith("v")]
    assert names == [f"v{i}" for i in range(18)]


def test_local_derivatives_on_edges():
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    src = draw(a * b, show_local=True).source
    labels = {bold_label(attrs): name for name, attrs in nodes(src).items() if name.startswith("v")}
    into_op = {tail: attrs for tail, head, attrs in edges(src) if head.startswith("op")}
    # d(ab)/da = b = -3, d(ab)/db = a = 2
    assert "label=-3 " in into_op[labels["a"]] and "label=2 " in into_op[labels["b"]]
    assert "label=" not in " ".join(a for _, _, a in edges(draw(a * b).source))


def test_cluster_per_layer():
    src = draw(reference_loss(), cluster_layers=True).source
    blocks = {k: html.unescape(v) for k, v in re.findall(r"subgraph (cluster_layer\d+) \{(.*?)\n\t\}", src, re.S)}
    assert set(blocks) == {"cluster_layer1", "cluster_layer2"}
    for label in ("W1[0,0]", "b1[1]", "a1[0]", "z1[1]"):
        assert f"<B>{label}</B>" in blocks["cluster_layer1"]
    for label in ("W2[0,1]", "b2", "a2", "z2"):
        assert f"<B>{label}</B>" in blocks["cluster_layer2"]
    assert "<B>x[0]</B>" not in blocks["cluster_layer1"] + blocks["cluster_layer2"]


def test_layers_come_from_the_ops_not_the_labels():
    # by hand: h = tanh(p·u0 + q·u1 + r) is layer 1 (one linear below it), o = s·h is layer 2; the inputs
    # and the loss are in none. Labels that look like the reference net's (W1, a2) mean nothing.
    u0, u1 = Value(1.0, "u0"), Value(2.0, "W1[0,0]")
    p, q, r, s_ = Value(0.3, "p"), Value(-0.2, "q"), Value(0.1, "r"), Value(0.5, "s")
    h = linear([p, q], [u0, u1], r).tanh()
    h.label = "h"
    o = linear([s_], [h], 0.0)
    o.label = "a2"
    loss = o * o
    loss.label = "loss"
    loss.backward()
    src = draw(loss, cluster_layers=True).source
    blocks = {k: html.unescape(v) for k, v in re.findall(r"subgraph (cluster_layer\d+) \{(.*?)\n\t\}", src, re.S)}
    assert set(blocks) == {"cluster_layer1", "cluster_layer2"}
    in_block = {k: set(re.findall(r"<B>(.*?)</B>", v)) for k, v in blocks.items()}
    assert {"p", "q", "r", "h"} <= in_block["cluster_layer1"] and "s" in in_block["cluster_layer2"]
    assert {"u0", "W1[0,0]", "loss"}.isdisjoint(in_block["cluster_layer1"] | in_block["cluster_layer2"])
    fills = {bold_label(a): a for a in nodes(src).values()}
    assert ROLE_COLOURS["input"] in fills["W1[0,0]"] and ROLE_COLOURS["parameter"] in fills["s"]


def test_show_grad_off_and_bad_rankdir():
    assert "grad " not in draw(reference_loss(), show_grad=False, legend=False).source
    with pytest.raises(ValueError, match="rankdir"):
        draw(reference_loss(), rankdir="sideways")
    with pytest.raises(ValueError, match="max_nodes must be a positive integer, got 0"):
        draw(reference_loss(), max_nodes=0)
    with pytest.raises(TypeError, match="list"):
        draw([reference_loss()])


def chain(n):
    v = Value(0.5, "x")
    for _ in range(n - 1):
        v = -v
    return v


def test_node_limit_says_how_to_raise_it():
    with pytest.raises(ValueError, match=r"11 value nodes.*max_nodes=10.*draw\(root, max_nodes=11\)"):
        draw(chain(11), max_nodes=10)
    assert len([n for n in nodes(draw(chain(11), max_nodes=11).source) if n.startswith("v")]) == 11


def test_million_node_chain_is_refused_without_recursion():
    with pytest.raises(ValueError, match="1000000 value nodes"):
        draw(chain(1_000_000))


def test_twenty_thousand_node_chain_builds_its_source():
    src = draw(chain(20_000), max_nodes=20_000, legend=False).source
    assert src.count("label=<") == 2 * 20_000 - 1  # every value, every op but the leaf's


def test_long_labels_are_cut_and_still_safe():
    src = draw(Value(1.0, "y" * 10_000)).source
    assert "y" * 59 + "…" in src and "y" * 61 not in src


def shown(label):
    """What the drawing must display: lines joined, control characters as \\xNN."""
    return "".join(
        f"\\x{ord(c):02x}" if unicodedata.category(c) in ("Cc", "Cs") or c in "\ufffe\uffff" else c
        for c in label.replace("\r\n", "").replace("\n", "")
    ).replace("\xa0", " ")


def svg_node_texts(svg):
    """The texts of each node group of an SVG, in order."""
    root = ET.fromstring(svg)
    return [[t.text or "" for t in g.iter(f"{SVG}text")] for g in root.iter(f"{SVG}g") if g.get("class") == "node"]


# each example starts a `dot` process: 100 of them keep the suite fast (test_hostile_labels.py aims
# at DOT's and SVG's special characters on purpose; here they come at random)
@settings(max_examples=100)
@given(
    label=st.text(max_size=40) | st.text(alphabet='"{}|<>\\\n &;#[]=', max_size=40),
    rankdir=st.sampled_from(["LR", "TB"]),
)
def test_any_label_is_parsed_by_dot_and_shown_verbatim(label, rankdir):
    require_binary("dot", DOT_HINT)
    svg = draw(Value(1.5, label), rankdir=rankdir, legend=False, max_label=10**6).pipe(format="svg").decode("utf-8")
    groups = svg_node_texts(svg)
    assert len(groups) == 1  # nothing injected another node
    texts = [t.replace("\xa0", " ") for t in groups[0]]
    assert texts[-2:] == ["data 1.5", "grad 0"]
    assert "".join(texts[:-2]) == (shown(label) if label else "v1")  # an unlabelled leaf is v1, as in the trace
    assert ROLE_COLOURS["output"].lower() in svg.lower()  # attributes not overridden by the label


def test_ten_thousand_character_label_renders():
    require_binary("dot", DOT_HINT)
    label = ('"}|<>\\N\n' * 1250)[:10_000]
    svg = draw(Value(1.0, label), legend=False, max_label=10_000).pipe(format="svg").decode("utf-8")
    assert "".join(t.replace("\xa0", " ") for t in svg_node_texts(svg)[0][:-2]) == shown(label)


def test_real_render_to_svg(tmp_path):
    require_binary("dot", DOT_HINT)
    path = draw(reference_loss(), highlight="W1[0,1]", show_local=True, cluster_layers=True).render(
        tmp_path / "ref", format="svg"
    )
    groups = svg_node_texts(Path(path).read_text(encoding="utf-8"))
    texts = {t for g in groups for t in g}
    assert len(groups) == 18 + 7  # values and ops (the legend is the graph's label)
    for label in ("L", "z2", "a2", "b2", "W1[0,1]", "x[1]", "z1[0]", "a1[1]", "σ(a2)", "−ln(z2)", "W1[0,:]·x + b1[0]"):
        assert label in texts
    assert "layer 1" in {t.text for t in ET.parse(path).getroot().iter(f"{SVG}text")}


def test_without_dot_source_works_and_render_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no `dot` anywhere
    g = draw(reference_loss(), highlight="W1[0,1]")
    assert isinstance(g, graphviz.Digraph) and "W1[0,1]" in html.unescape(g.source)
    for attempt in (lambda: g.render(tmp_path / "out", format="png"), lambda: g.pipe(format="svg")):
        with pytest.raises(GraphvizNotFound) as info:
            attempt()
        message = str(info.value)
        assert "apt-get install graphviz" in message and "brew install graphviz" in message
        assert "conda install -c conda-forge graphviz" in message
        assert isinstance(info.value, graphviz.ExecutableNotFound)
