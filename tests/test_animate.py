"""microgr810.animate: one GIF frame per backward step plus the start, PNG frames, the command."""

import pytest

from conftest import require_binary, require_module
from microgr810 import Value, animate
from microgr810.command.cli import main
from microgr810.teaching.graphs import lecture_expression

DOT_HINT = "apt-get install graphviz / brew install graphviz"


@pytest.fixture(autouse=True)
def tools():
    require_binary("dot", DOT_HINT)
    return require_module("PIL")


def test_gif_has_a_frame_per_step_plus_the_start(tmp_path, monkeypatch):
    from PIL import Image

    monkeypatch.chdir(tmp_path)  # missing folders are made only inside the current directory

    gif = animate(lecture_expression(), tmp_path / "slides" / "backprop.gif", tmp_path / "frames")
    with Image.open(gif) as im:
        assert im.format == "GIF"
        assert im.n_frames == 3 + 1
        assert im.size[0] == 1280
    pngs = sorted(p.name for p in (tmp_path / "frames").iterdir())
    assert pngs == ["frame-000.png", "frame-001.png", "frame-002.png", "frame-003.png"]
    sizes = set()
    for p in (tmp_path / "frames").iterdir():
        with Image.open(p) as im:
            sizes.add(im.size)
    assert len(sizes) == 1  # padded to one size, so the slides do not jump


def test_a_leaf_alone_is_one_frame(tmp_path):
    from PIL import Image

    with Image.open(animate(Value(1.0, label="x"), tmp_path / "x.gif")) as im:
        assert im.n_frames == 1


def test_too_many_steps_is_refused(tmp_path):
    x = Value(1.0, label="x")
    y = x
    for _ in range(6):
        y = y * 1.5
    with pytest.raises(ValueError, match="6 steps, more than max_steps=5"):
        animate(y, tmp_path / "y.gif", max_steps=5)
    assert not (tmp_path / "y.gif").exists()


def test_the_command_writes_gif_and_frames(tmp_path, capsys, monkeypatch):
    from PIL import Image

    monkeypatch.chdir(tmp_path)  # missing folders are made only inside the current directory

    out = tmp_path / "b.gif"
    assert main(["animate", "-o", str(out), "--frames", str(tmp_path / "f"), "--M", "1", "--H", "1"]) == 0
    # M = H = 1 by hand: steps L, z2, a2, z1[0], a1[0]
    with Image.open(out) as im:
        assert im.n_frames == 5 + 1
    assert len(list((tmp_path / "f").glob("frame-*.png"))) == 6
    assert "wrote" in capsys.readouterr().out


def test_a_graph_too_tall_for_a_slide_is_refused_before_any_frame(tmp_path):
    # 30 leaves feed one sum: left to right they stack 30 boxes high; top to bottom they stand 30 abreast
    from microgr810 import add_n

    s = add_n([Value(float(i), label=f"x[{i}]") for i in range(30)], label="s")
    with pytest.raises(
        ValueError,
        match=r"makes no slide: left to right it is too tall for a slide: 1280×\d+ px "
        r"frames.*; top to bottom it is \d+ inches wide: .* under 9 px",
    ):
        animate(s, tmp_path / "s.gif")
    assert not (tmp_path / "s.gif").exists()


def test_a_chain_too_long_for_a_slide_is_refused(tmp_path):
    x = Value(1.0, label="x")
    y = x
    for _ in range(30):  # a chain 30 ops long: far wider than a slide, or far taller
        y = y * 1.01
    with pytest.raises(
        ValueError,
        match=r"left to right it is \d+ inches wide: at 1280 px its 12 pt text would be "
        r"[\d.]+ px, under 9 px \(frames \d+ px wide would do: width=\d+, --width \d+\); "
        r"top to bottom it is too tall",
    ):
        animate(y, tmp_path / "y.gif")


def test_a_graph_that_fits_only_top_to_bottom_is_drawn_so(tmp_path):
    from PIL import Image

    from microgr810 import add_n

    # 8 leaves into one sum: a column 8 boxes high left to right (1280×1672 px), one row top to bottom
    s = add_n([Value(float(i), label=f"x{i}") for i in range(8)], label="s")
    with Image.open(animate(s, tmp_path / "s.gif")) as im:
        assert im.n_frames == 2 and im.width == 1280 and im.height < 800


def test_past_draws_node_limit_a_box_per_neuron_makes_the_slide(tmp_path):
    from microgr810.reference import ReferenceProblem
    from PIL import Image

    from microgr810.pictures.draw import MAX_NODES

    p = ReferenceProblem.random(7, 3, seed=0, y=1.0)
    L = p.loss(p.network())
    # by hand: 21 W1 + 3 b1 + 7 x + 3 a1 + 3 z1 + 3 W2 + b2 + a2 + z2 + L = 44 value nodes, 2H + 3 = 9 steps;
    # a box per node would be refused past MAX_NODES: the GIF is drawn a box per neuron
    assert MAX_NODES < 44
    with Image.open(animate(L, tmp_path / "n.gif")) as im:
        assert im.n_frames == 9 + 1 and im.width == 1280 and im.height <= 2.5 * 1280
