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
from conftest import IN_CI, require_binary
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


# -- LaTeX and Markdown: .latex() and .markdown() of trace, explain and derive -------------------------

TEX_HOSTILE = [
    r"\input{/etc/passwd}",
    "a}\\immediate\\write18{id}{",
    "x[\\input{/etc/passwd}]",
    "cr\rbreak| evil | row |\r<img src=x onerror=alert(1)>",
    "50% #1 $x$ & y^2 _ ~ {`code`} ``",
    "\u202egnp.exe",
]


def _labelled(labels):
    """((l0·l1 + l2)·l3 + l4)·l5 through tanh, its leaves and the tanh's input labelled by `labels` (7 of them)."""
    leaves = [Value(0.1 * (i + 1), labels[i]) for i in range(6)]
    a, b, c, d, e, f = leaves
    inner = (a * b + c) * d + e * f
    inner.label = labels[6]
    L = inner.tanh()
    L.label = "L"
    return L, leaves


def _texts(labels):
    from microgr810.teaching.derive import derive
    from microgr810.teaching.explain import explain
    from microgr810.teaching.trace import trace_backward

    L, leaves = _labelled(labels)
    tr = trace_backward(L)
    ex = explain(L, leaves[0])
    de = derive(L, leaves[0])
    return {"trace": (tr.latex(), tr.markdown()), "explain": (ex.latex(), ex.markdown()), "derive": (de.latex(), None)}


def _tex_skeleton(tex: str) -> str:
    """What TeX reads as structure: every unescaped special character, in order (escapes, control words and
    the empty groups that end them removed)."""
    tex = re.sub(r"\\[A-Za-z]+(\{\})?", "", tex)  # control words, with their empty group
    tex = re.sub(r"\\[^A-Za-z]", "", tex)  # \{ \} \% \# \$ \& \_ \\ \, ...
    return "".join(c for c in tex if c in "{}%#$&^_~\\")


BENIGN = ["aa", "bb", "x[cc]", "dd", "ee", "ff", "gg"]  # the same forms: \\mathrm{..}, x[..]
HOSTILE_7 = [*TEX_HOSTILE, "in\rner"]


@pytest.mark.parametrize("what", ["trace", "explain", "derive"])
def test_no_label_character_reaches_latex_as_tex(what):
    hostile, benign = _texts(HOSTILE_7)[what][0], _texts(BENIGN)[what][0]
    assert _tex_skeleton(hostile) == _tex_skeleton(benign)  # labels added no brace, %, #, $, &, ^, _, ~ or \
    assert not re.search(r"\\(input|immediate|write)", hostile)
    assert "\r" not in hostile and "\u202e" not in hostile


@pytest.mark.parametrize("what", ["trace", "explain"])
def test_no_label_breaks_out_of_a_markdown_code_span_or_table(what):
    markdown_it = pytest.importorskip("markdown_it") if not IN_CI else __import__("markdown_it")
    md = markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table")
    hostile, benign = _texts(HOSTILE_7)[what][1], _texts(BENIGN)[what][1]
    assert "\r" not in hostile and "\u202e" not in hostile
    page, plain = md.render(hostile), md.render(benign)
    assert page.count("<tr>") == plain.count("<tr>") and page.count("<td") == plain.count("<td")
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page  # shown, as text


# -- bidi controls in SVG, HTML and GIF captions ----------------------------------------------------------

RLO = "\u202e"


def test_bidi_controls_are_shown_not_obeyed_in_svg_html_and_gif_captions():
    require_binary("dot", DOT_HINT)
    from microgr810.pictures.animate import _caption
    from microgr810.pictures.stepper import stepper
    from microgr810.teaching.trace import trace_backward

    L, _ = _labelled([f"x{RLO}gnp.exe", "b", "c", "d", "e", "f", f"t{RLO}1"])
    L.backward()
    svg = draw(L).pipe(format="svg").decode("utf-8")
    page = stepper(L).html()
    tr = trace_backward(L)
    captions = "\n".join("\n".join(_caption(tr, k)) for k in range(len(tr) + 1))
    for text in (svg, page, captions):
        assert RLO not in text and "\\u202e" in text
