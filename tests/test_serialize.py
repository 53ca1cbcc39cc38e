"""MLP.save / MLP.load: exact round trips, atomic writes, and refusal of bad or hostile files."""

import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, strategies as st
from microgr810.nn import MLP

from microgr810 import serialize
from microgr810.adapters.serialize import ModelFileError

finite = st.floats(allow_nan=False, allow_infinity=False)
# the doubles most likely to lose bits in a text round trip, written out by hand
EDGE = [
    0.1,
    0.1 + 0.2,
    -0.0,
    5e-324,
    -5e-324,
    2.2250738585072014e-308,
    1.7976931348623157e308,
    1 / 3,
    2.0**-1074 * 3,
    9007199254740993.0,
    1e-300,
    123456789.12345678,
]


def bits(net: MLP) -> list[str]:
    return [p.data.hex() for p in net.parameters()]


def small_net() -> MLP:
    return MLP(3, [4, 1], "sigmoid", "sigmoid", seed=7)


def write(tmp_path: Path, text: str | bytes, name: str = "m.json") -> Path:
    p = tmp_path / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode())
    return p


def good_doc() -> dict:
    return {
        "format": "microgr810.MLP",
        "version": 1,
        "nin": 2,
        "nouts": [2, 1],
        "activation": "tanh",
        "output_activation": "sigmoid",
        "parameters": {"W1": [[1.0, 2.0], [3.0, 4.0]], "b1": [0.5, -0.5], "W2": [[1.5, -2.5]], "b2": 0.25},
    }


# -- round trips ---------------------------------------------------------------------------------


def test_round_trip_is_bit_exact_on_hard_doubles(tmp_path):
    net = MLP(4, [3, 1], "sigmoid", "sigmoid", seed=0)
    for p, v in zip(net.parameters(), EDGE + EDGE):
        p.data = v
    net.save(tmp_path / "m.json")
    back = MLP.load(tmp_path / "m.json")
    assert bits(back) == [v.hex() for v in (EDGE + EDGE)[: len(net.parameters())]]
    assert math.copysign(1.0, back.parameters()[2].data) == -1.0  # -0.0 keeps its sign


@given(st.lists(finite, min_size=9, max_size=9))
def test_round_trip_property(tmp_path_factory, values):
    net = MLP(2, [2, 1], "tanh", "sigmoid")
    for p, v in zip(net.parameters(), values):
        p.data = v
    path = tmp_path_factory.mktemp("rt") / "m.json"
    net.save(path)
    assert bits(MLP.load(path)) == [float(v).hex() for v in values]


def test_loaded_net_has_the_math_names_shapes_and_activations(tmp_path):
    net = MLP(2, [3, 2], "relu", None, seed=1)
    net.save(tmp_path / "m.json")
    back = MLP.load(tmp_path / "m.json")
    assert [p.label for p in back.parameters()] == [
        "W1[0,0]",
        "W1[0,1]",
        "b1[0]",
        "W1[1,0]",
        "W1[1,1]",
        "b1[1]",
        "W1[2,0]",
        "W1[2,1]",
        "b1[2]",
        "W2[0,0]",
        "W2[0,1]",
        "W2[0,2]",
        "b2[0]",
        "W2[1,0]",
        "W2[1,1]",
        "W2[1,2]",
        "b2[1]",
    ]
    assert [n.activation for layer in back.layers for n in layer.neurons] == ["relu"] * 3 + [None] * 2
    x = [0.3, -1.2]
    assert [v.data for v in back(x)] == [v.data for v in net(x)]


def test_reference_network_file_is_the_documented_json(tmp_path):
    net = MLP.reference([[1.0, 2.0], [3.0, 4.0]], [0.5, -0.5], [[1.5, -2.5]], 0.25)
    net.layers[0].neurons[0].activation = "sigmoid"
    net.save(tmp_path / "m.json")
    doc = json.loads((tmp_path / "m.json").read_text())
    want = good_doc()
    want["activation"] = "sigmoid"
    assert doc == want


def test_file_mode_is_a_plain_files_and_an_existing_mode_is_kept(tmp_path):
    path = tmp_path / "m.json"
    small_net().save(path)
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask
    path.chmod(0o640)
    small_net().save(path)
    assert path.stat().st_mode & 0o777 == 0o640


# -- saving what JSON cannot hold ----------------------------------------------------------------


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_save_refuses_non_finite_weights_naming_the_parameter_and_keeps_the_old_file(tmp_path, bad):
    path = tmp_path / "m.json"
    small_net().save(path)
    before = path.read_bytes()
    net = small_net()
    net.layers[1].neurons[0].w[2].data = bad
    with pytest.raises(ModelFileError, match=rf"W2\[0,2\] is {bad!r}"):
        net.save(path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["m.json"]


def test_save_refuses_mixed_hidden_activations(tmp_path):
    net = MLP(2, [2, 2, 1], "relu", "sigmoid")
    net.layers[1].neurons[0].activation = "tanh"
    with pytest.raises(ModelFileError, match="mix activations"):
        net.save(tmp_path / "m.json")


def test_save_and_load_refuse_a_path_of_the_wrong_type():
    with pytest.raises(TypeError, match="path must be a str or os.PathLike, got int"):
        small_net().save(3)
    with pytest.raises(TypeError, match="path must be a str or os.PathLike, got NoneType"):
        MLP.load(None)


def test_load_of_a_missing_file_is_file_not_found_naming_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.json"):
        MLP.load(tmp_path / "nope.json")


# -- atomic writes ---------------------------------------------------------------------------------


def test_an_error_mid_write_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    old = small_net()
    old.save(path)
    before = path.read_bytes()

    def boom(*a):
        raise OSError("disk full")

    monkeypatch.setattr(serialize.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        MLP(3, [4, 1], "sigmoid", "sigmoid", seed=99).save(path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["m.json"]


def test_a_process_killed_mid_write_leaves_the_old_file_loadable(tmp_path):
    path = tmp_path / "m.json"
    old = small_net()
    old.save(path)
    # a real crash: the child dies (no cleanup, no exception handlers) after writing the temp file
    code = textwrap.dedent(f"""
        import os
        from microgr810 import serialize
        from microgr810.nn import MLP
        serialize.os.fsync = lambda fd: os._exit(9)
        MLP(3, [4, 1], "sigmoid", "sigmoid", seed=99).save({str(path)!r})
    """)
    r = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parents[1])
    assert r.returncode == 9
    assert bits(MLP.load(path)) == bits(old)
    leftovers = [n for n in os.listdir(tmp_path) if n != "m.json"]
    assert len(leftovers) == 1 and leftovers[0].startswith(".m.json.")  # the dead writer's temp file


# -- bad files: each refused with ModelFileError naming what is wrong ---------------------------------


def test_every_truncation_of_a_file_is_refused(tmp_path):
    small_net().save(tmp_path / "full.json")
    text = (tmp_path / "full.json").read_bytes().rstrip()
    for n in range(len(text)):
        p = write(tmp_path, text[:n])
        with pytest.raises(ModelFileError, match="cannot load"):
            MLP.load(p)


@given(st.integers(min_value=0), st.integers(min_value=0, max_value=255))
def test_a_corrupted_byte_is_refused_or_loads_a_whole_valid_net(tmp_path_factory, where, byte):
    base = tmp_path_factory.mktemp("c")
    MLP(2, [2, 1], "tanh", "sigmoid", seed=3).save(base / "m.json")
    raw = bytearray((base / "m.json").read_bytes())
    raw[where % len(raw)] = byte
    p = write(base, bytes(raw), "bad.json")
    try:
        net = MLP.load(p)
    except ModelFileError as e:
        assert str(e).startswith(f"cannot load {p}: ")
    else:  # e.g. one digit changed into another: still a whole, finite, right-shaped net
        assert {k: v.shape for k, v in net.arrays().items()} == {"W1": (2, 2), "b1": (2,), "W2": (1, 2), "b2": ()}
        assert all(math.isfinite(p.data) for p in net.parameters())


def edit(path_fn):
    doc = good_doc()
    path_fn(doc)
    return json.dumps(doc)


BAD = {
    "top-level list": ("[1, 2]", "expected a JSON object at the top, got list"),
    "a pickle": (b"\x80\x04\x95\x00", "not UTF-8 text"),
    "not json": ("hello", "not valid JSON"),
    "NaN constant": (json.dumps(good_doc()).replace("0.25", "NaN"), "NaN is not allowed"),
    "Infinity constant": (json.dumps(good_doc()).replace("0.25", "-Infinity"), "-Infinity is not allowed"),
    "overflowing float": (json.dumps(good_doc()).replace("0.25", "1e999"), r"b2 is inf, not a finite number"),
    "huge integer": (json.dumps(good_doc()).replace('"nin": 2', '"nin": ' + "9" * 5000), "integer 9+... is too large"),
    "duplicate key": (json.dumps(good_doc())[:-1] + ', "nin": 3}', "'nin' appears twice"),
    "wrong format": (edit(lambda d: d.update(format="pytorch")), "not a microgr810 model file"),
    "future version": (edit(lambda d: d.update(version=2)), "unsupported version 2"),
    "version as bool": (edit(lambda d: d.update(version=True)), "unsupported version True"),
    "missing key": (edit(lambda d: d.pop("nouts")), r"missing \['nouts'\]"),
    "unknown key": (edit(lambda d: d.update(evil=1)), r"unknown \['evil'\]"),
    "nin zero": (edit(lambda d: d.update(nin=0)), "nin must be a positive integer, got 0"),
    "nin float": (edit(lambda d: d.update(nin=2.0)), "nin must be a positive integer, got 2.0"),
    "nouts empty": (edit(lambda d: d.update(nouts=[])), "nouts must be a list of 1 to"),
    "layer of 0 neurons": (edit(lambda d: d.update(nouts=[0, 1])), r"nouts\[0\] must be a positive integer, got 0"),
    "nouts as string": (edit(lambda d: d.update(nouts="2,1")), "nouts must be a list"),
    "unknown activation": (edit(lambda d: d.update(activation="gelu")), "activation must be one of .* got 'gelu'"),
    "activation as list": (edit(lambda d: d.update(output_activation=["relu"])), "output_activation must be one of"),
    "parameters as list": (edit(lambda d: d.update(parameters=[1])), "parameters must be an object, got list"),
    "missing block": (edit(lambda d: d["parameters"].pop("b1")), r"missing \['b1'\]"),
    "extra block": (edit(lambda d: d["parameters"].update(W3=[[1.0]])), r"unknown \['W3'\]"),
    "too few rows": (
        edit(lambda d: d["parameters"].update(W1=[[1.0, 2.0]])),
        "W1 must be a list of 2 rows, got a list of 1",
    ),
    "short row": (
        edit(lambda d: d["parameters"]["W1"].__setitem__(1, [3.0])),
        r"W1\[1\] must be a list of 2 numbers, got a list of 1",
    ),
    "row as number": (
        edit(lambda d: d["parameters"]["W1"].__setitem__(0, 1.0)),
        r"W1\[0\] must be a list of 2 numbers, got float",
    ),
    "bias too long": (
        edit(lambda d: d["parameters"].update(b1=[1.0, 2.0, 3.0])),
        "b1 must be a list of 2 numbers, got a list of 3",
    ),
    "scalar bias as list": (edit(lambda d: d["parameters"].update(b2=[0.25])), "b2 must be a number, got a list of 1"),
    "string weight": (
        edit(lambda d: d["parameters"]["W1"][0].__setitem__(1, "2.0")),
        r"W1\[0\]\[1\] must be a number, got str '2.0'",
    ),
    "bool weight": (
        edit(lambda d: d["parameters"]["W2"][0].__setitem__(0, True)),
        r"W2\[0\]\[0\] must be a number, got bool True",
    ),
    "null bias": (
        edit(lambda d: d["parameters"]["b1"].__setitem__(0, None)),
        r"b1\[0\] must be a number, got NoneType",
    ),
    "declared giant shape": (edit(lambda d: d.update(nouts=[10**6, 10**6])), "more than the limit"),
    "deep nesting": ("[" * 100_000 + "]" * 100_000, "nesting 100000 levels deep"),
    "nesting in a block": (
        edit(lambda d: d["parameters"].update(b1=[[[[0.5]]], 1.0])),
        "nesting 6 levels deep",
    ),  # { { [ [ [ [
    "a million entries": ("[" + "0," * 1_000_000 + "0]", "too many entries"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_file_is_refused_naming_the_problem(tmp_path, case):
    text, message = BAD[case]
    p = write(tmp_path, text)
    with pytest.raises(ModelFileError, match=message) as info:
        MLP.load(p)
    assert str(info.value).startswith(f"cannot load {p}: ")


def test_a_bracket_inside_a_string_is_not_nesting(tmp_path):
    text = edit(lambda d: d.update(format="[[[[[[{{{{" + '\\"' + "]]]"))
    with pytest.raises(ModelFileError, match="not a microgr810 model file"):
        MLP.load(write(tmp_path, text))


def test_a_file_over_the_size_limit_is_refused_before_parsing(tmp_path, monkeypatch):
    p = write(tmp_path, json.dumps(good_doc()))
    monkeypatch.setattr(serialize, "MAX_BYTES", 100)
    with pytest.raises(ModelFileError, match="larger than 100 bytes"):
        MLP.load(p)


def test_the_hand_written_good_doc_loads_to_its_numbers(tmp_path):
    net = MLP.load(write(tmp_path, json.dumps(good_doc())))
    a = net.arrays()
    np.testing.assert_array_equal(a["W1"], [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(a["b1"], [0.5, -0.5])
    np.testing.assert_array_equal(a["W2"], [[1.5, -2.5]])
    assert a["b2"] == 0.25 and a["b2"].shape == ()
    assert net.layers[0].neurons[0].activation == "tanh"
