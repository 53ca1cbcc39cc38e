"""Hostile labels reach DOT and SVG as text only: nothing they hold can add nodes, attributes or script.

test_draw.py checks that any label is shown verbatim; here the labels are attacks, on every kind of
node of the reference graph at once, and the SVG is also opened in a real browser, inline in a page,
to see that no script in a label runs.
"""

import re
import xml.etree.ElementTree as ET

import pytest
from microgr810.reference import ReferenceProblem

from browser import dump_dom
from conftest import require_binary
from microgr810.core.engine import Value
from microgr810.pictures.draw import draw

DOT_HINT = "apt-get install graphviz / brew install graphviz / conda install -c conda-forge graphviz"
SVG = "{http://www.w3.org/2000/svg}"
PWNED = "pwned-by-a-label"
HOSTILE = {
    "W1[0,0]": f'<script>document.title="{PWNED}"</script>',
    "b1[0]": f"<img src=x onerror=\"document.title='{PWNED}'\">",
    "x[0]": 'a "quoted" label',
    "a1[0]": "{record|fields} | <port>",
    "z1[0]": "line 1\nline 2\r\nline 3",
    "a2": "]]><!-- --> &amp; &#60; \\N \\G \\L",
    "L": "<svg onload=alert(1)>" + "y" * 10_000,
}
FORBIDDEN_TAGS = {"script", "foreignObject", "image", "iframe", "object", "embed", "a"}


def hostile_graph():
    """The reference loss (M=2, H=2) with the labels above on parameters, inputs, interior nodes and root."""
    net, L = ReferenceProblem.random(2, 2, seed=0, y=1.0).autograd()
    nodes = {n.label: n for n in [L, *L.inputs, *net.parameters()]}
    a2 = L.inputs[0].inputs[0]  # L <- z2 <- a2
    z1 = a2.inputs[2]  # a2 = W2[0,0] z1[0] + W2[0,1] z1[1] + b2
    a1 = z1.inputs[0]
    x0 = a1.inputs[2]  # a1[0] = W1[0,0] x[0] + W1[0,1] x[1] + b1[0]
    nodes.update({"a2": a2, "z1[0]": z1, "a1[0]": a1, "x[0]": x0})
    for old, new in HOSTILE.items():
        assert nodes[old].label == old
        nodes[old].label = new
    return L


def svg_of_hostile_graph() -> str:
    require_binary("dot", DOT_HINT)
    return draw(hostile_graph(), max_label=20_000, show_local=True).pipe(format="svg").decode("utf-8")


def test_hostile_labels_add_no_nodes_tags_or_event_handlers_to_the_svg():
    svg = svg_of_hostile_graph()
    root = ET.fromstring(svg)  # well-formed XML: nothing closed a tag or a comment early
    tags = {el.tag.replace(SVG, "") for el in root.iter()}
    assert not tags & FORBIDDEN_TAGS
    handlers = [(el.tag, k) for el in root.iter() for k in el.attrib if k.lower().startswith("on")]
    assert handlers == []
    groups = [g for g in root.iter(f"{SVG}g") if g.get("class") == "node"]
    assert len(groups) == 18 + 7  # the same 18 values and 7 ops as with the real labels
    text = "".join(t.text or "" for t in root.iter(f"{SVG}text")).replace("\xa0", " ")
    for label in HOSTILE.values():
        for line in label.replace("\r\n", "\n").split("\n"):
            assert line in text  # shown as text, whole


def test_a_page_holding_the_svg_runs_no_script_from_a_label(tmp_path):
    chromium = require_binary("chromium", "apt-get install chromium")
    page = tmp_path / "graph.html"
    page.write_text(
        f"<!doctype html><html><head><meta charset='utf-8'><title>safe</title></head>"
        f"<body>{svg_of_hostile_graph()}</body></html>",
        encoding="utf-8",
    )
    r = dump_dom(chromium, page)
    assert r.returncode == 0, r.stderr[-2000:]
    dom = r.stdout
    assert "<title>safe</title>" in dom  # a script from a label would have renamed the page
    assert "<script" not in dom.lower() and "<img" not in dom.lower()
    assert "&lt;script&gt;" in dom  # the label is there, as text
    assert dom.count(PWNED) == 4  # the two labels' text, each in its box and in the op that reads it


@pytest.mark.parametrize("label", ['"', "{}", "|", "<script>", "\n v1 [label=x]\n", "x" * 10_000])
def test_each_hostile_label_alone_leaves_one_statement_in_the_dot_source(label):
    src = draw(Value(1.0, label), legend=False, max_label=20_000).source
    statements = re.findall(r"^\s*(\w+) \[", src, flags=re.M)
    assert [s for s in statements if s not in ("graph", "node", "edge")] == ["v0"]
    assert src.count("<TABLE") == 1 and src.count("</TABLE>") == 1


def test_the_stepper_page_runs_no_script_from_a_label(tmp_path):
    """The same labels in the stepper page (its frames and its table rows), opened in a real browser."""
    chromium = require_binary("chromium", "apt-get install chromium")
    require_binary("dot", DOT_HINT)
    from microgr810.pictures.stepper import stepper

    benign = stepper(ReferenceProblem.random(2, 2, seed=0, y=1.0).autograd()[1]).html()
    page = tmp_path / "stepper.html"
    stepper(hostile_graph(), page)
    html = page.read_text(encoding="utf-8")
    assert html.lower().count("<script") == benign.lower().count("<script")  # only the page's own
    r = dump_dom(chromium, page)
    assert r.returncode == 0, r.stderr[-2000:]
    dom = r.stdout
    title = re.search(r"<title>(.*?)</title>", dom, flags=re.S).group(1)
    assert PWNED not in title  # no label's script renamed the page
    assert dom.lower().count("<script") == benign.lower().count("<script")
    assert "<img" not in dom.lower()  # the img label is text, not an element
    assert "&lt;script&gt;" in dom and "&lt;img src=x" in dom  # the labels are there, as text
