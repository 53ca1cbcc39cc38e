"""CS231n's circuit: gates hold their op (numbers mixed in), each wire its name, its value above and gradient below."""

import re
import xml.etree.ElementTree as ET

import pytest

from microgr810 import Value, draw
from microgr810.pictures.circuit import gate_text, wire_number
from microgr810.pictures.colours import CIRCUIT_DATA, CIRCUIT_GRAD, MIN_TEXT_CONTRAST, contrast
from microgr810.pictures.draw import TooBig
from microgr810.teaching import graphs

SVG = "{http://www.w3.org/2000/svg}"


def _svg(root, **options):
    return draw(root, style="circuit", **options).pipe(format="svg", encoding="utf-8")


def _wires(svg):
    """For each wire (graphviz node v<i>): its texts as (text, fill, y)."""
    out = {}
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if g.get("class") == "node" and re.fullmatch(r"v\d+", g.get("id", "")):
            out[g.get("id")] = [(t.text, t.get("fill"), float(t.get("y"))) for t in g.iter(f"{SVG}text")]
    return out


def _gates(svg):
    return sorted(
        "".join(t.text for t in g.iter(f"{SVG}text"))
        for g in ET.fromstring(svg).iter(f"{SVG}g")
        if g.get("class") == "node" and re.fullmatch(r"g\d+", g.get("id", ""))
    )


def test_cs231n_add_mul_circuit_at_minus_two_five_minus_four():
    f = graphs.cs231n_circuit()  # f = (x + y) z at x = -2, y = 5, z = -4
    f.backward()
    svg = _svg(f)
    assert _gates(svg) == ["*", "+"]
    # hand math (CS231n's notes): q = 3, f = -12; df/dq = z = -4, df/dz = q = 3, df/dx = df/dy = -4
    expected = {
        "x": ("-2.00", "-4.00"),
        "y": ("5.00", "-4.00"),
        "z": ("-4.00", "3.00"),
        "q": ("3.00", "-4.00"),
        "f": ("-12.00", "1.00"),
    }
    seen = {}
    for texts in _wires(svg).values():
        name, (data, dfill, dy), (grad, gfill, gy) = texts[0][0], texts[1], texts[2]
        assert texts[0][1] in (None, "#000000", "black")  # the name in black, at the left end
        assert dfill.upper() == CIRCUIT_DATA and gfill.upper() == CIRCUIT_GRAD
        assert dy < gy  # the value above the wire, the gradient below it
        seen[name] = (data, grad)
    assert seen == expected


def test_numbers_mixed_into_an_op_sit_in_its_gate():
    x = Value(2.0, label="x")
    assert [
        gate_text(v) for v in (x * -1, -x, x + 1, 1 + x, 1 / x, x - 1, 2 - x, x**2, x.exp(), x.sigmoid(), x * x)
    ] == ["*-1", "*-1", "+1", "+1", "1/x", "-1", "2-x", "^2", "exp", "σ", "*"]


def test_sigmoid_neuron_through_exp_has_cs231n_gates_and_numbers():
    f = graphs.cs231n_neuron()  # 1 / (1 + exp(-(w0 x0 + w1 x1 + w2))) at w = (2, -3, -3), x = (-1, -2)
    f.backward()
    svg = _svg(f)
    assert _gates(svg) == sorted(["*", "*", "+", "+", "*-1", "exp", "+1", "1/x"])
    by_name = {t[0][0]: (t[1][0], t[2][0]) for t in _wires(svg).values()}
    # CS231n's figure: f = 0.73; dw0 = -0.20, dx0 = 0.39, dw1 = -0.39, dx1 = -0.59, dw2 = 0.20
    assert by_name["f"] == ("0.73", "1.00")
    assert [by_name[k][1] for k in ("w0", "x0", "w1", "x1", "w2")] == ["-0.20", "0.39", "-0.39", "-0.59", "0.20"]


def test_a_label_with_operators_is_escaped_and_shown_whole():
    a, b = Value(1.0, label="a<b & 'c'"), Value(2.0, label="x1*w1 + x2*w2")
    svg = _svg(a * b)
    names = {t[0][0] for t in _wires(svg).values()}
    assert {"a<b & 'c'", "x1*w1 + x2*w2"} <= names


def test_circuit_colours_meet_the_text_contrast_rule_on_white():
    for colour in (CIRCUIT_DATA, CIRCUIT_GRAD):
        assert contrast(colour, "#FFFFFF") >= MIN_TEXT_CONTRAST


def test_wire_numbers_two_decimals_else_significant_digits():
    assert [wire_number(x) for x in (-2.0, 0.7310585, 0.0, 0.0012345, 123456.0)] == [
        "-2.00",
        "0.73",
        "0.00",
        "0.00123",
        "1.23e+05",
    ]


def test_circuit_refuses_graph_only_options_and_unknown_styles():
    x = Value(1.0, label="x")
    with pytest.raises(ValueError, match="style='circuit' does not take highlight"):
        draw(x * 2, style="circuit", highlight="x")
    with pytest.raises(ValueError, match="style must be 'graph' or 'circuit'"):
        draw(x * 2, style="circut")


def test_a_circuit_too_wide_is_refused_with_what_to_do():
    v = Value(1.0, label="x")
    for _ in range(70):
        v = v * 1.01
    with pytest.raises(TooBig, match="max_nodes=71"):
        draw(v, style="circuit")


def test_command_draws_the_reference_circuit(tmp_path):
    from microgr810.command.cli import main

    out = tmp_path / "c.svg"
    assert main(["draw", "--style", "circuit", "-o", str(out)]) == 0
    gates = _gates(out.read_text())
    assert gates.count("w·x + b") == 3 and gates.count("σ") == 3 and "bce" in gates


def test_drawings_scale_to_their_container():
    from microgr810.pictures.draw import scalable_svg

    x = Value(1.0, label="x")
    svg = draw(x * 2).svg()
    head = svg[svg.index("<svg") : svg.index(">", svg.index("<svg"))]
    assert 'width="100%"' in head and "viewBox=" in head and "max-width:" in head and 'height="' not in head
    assert draw(x * 2, style="circuit")._repr_image_svg_xml().count('width="100%"') == 1
    assert scalable_svg("<svg>no size</svg>") == "<svg>no size</svg>"


def test_the_collapsed_view_writes_each_label_at_its_own_edge():
    from microgr810.teaching.reference import ReferenceProblem

    L = ReferenceProblem.random(4, 8, seed=0, y=1.0).autograd()[1]
    source = draw(L, collapse=True, show_local=True).source
    edges = [line for line in source.splitlines() if "->" in line]
    # no label of its own between the ranks (they pile up in one column there): each sits at its edge
    assert edges and not any(" label=" in e for e in edges if "v" in e.split("->")[0])
    fan_out = [e for e in edges if "xlabel=" in e]
    own_tail = [e for e in edges if "taillabel=" in e]
    assert len(fan_out) == 4 * 8 and len(own_tail) == 8 + 1  # x[m] -> each z1[h]; z1[h] -> z2, z2 -> L's op


def test_command_refuses_a_circuit_too_wide_and_graph_only_flags(tmp_path, capsys):
    from microgr810.command.cli import main

    assert main(["draw", "--style", "circuit", "--M", "4", "--H", "8", "-o", str(tmp_path / "c.svg")]) == 2
    err = capsys.readouterr().err
    assert "72 wires, past the 60" in err and "Traceback" not in err and not (tmp_path / "c.svg").exists()
    assert main(["draw", "--style", "circuit", "--focus", "x[0]", "-o", str(tmp_path / "c.svg")]) == 2
    assert "takes no --highlight, --focus or --collapse" in capsys.readouterr().err
