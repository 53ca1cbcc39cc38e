"""Every notebook runs top to bottom: a failing cell fails the suite."""

import shutil
from pathlib import Path

import pytest

from conftest import require_module

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 2


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path):
    nbformat = require_module("nbformat")
    nbclient = require_module("nbclient")
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    nb = nbformat.read(copy, as_version=4)
    if any("widget(" in c.source for c in nb.cells if c.cell_type == "code"):
        require_module("anywidget")  # the live widget: the `notebook` (and `test`) extra
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors


def _build_module():
    require_module("nbformat")
    require_module("nbclient")
    import importlib.util

    spec = importlib.util.spec_from_file_location("notebooks_build", NOTEBOOKS[0].parent / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _text(nb) -> str:
    """Every cell's source and every output's text, as one string."""
    parts = []
    for c in nb.cells:
        parts.append(c.source)
        for o in c.get("outputs", []):
            parts.append(o.get("text", "") if isinstance(o.get("text", ""), str) else "".join(o["text"]))
            for value in o.get("data", {}).values():
                parts.append(value if isinstance(value, str) else "".join(value) if isinstance(value, list) else "")
    return "\n".join(parts)


def _quoted(source: str) -> list[str]:
    """The formulas a solution cell gives: its quoted strings that read as one (have an operator)."""
    import re

    return [q for q in re.findall(r'"([^"]{3,})"', source) if any(op in q for op in "*-+/")]


def test_student_versions_contain_no_solution_text():
    """Every notebook with solution cells: the student's version (notebooks/*.ipynb) holds none of their
    text, and the teacher's version (notebooks/solutions/) holds all of it."""
    nbformat = require_module("nbformat")
    build = _build_module()
    checked = 0
    for name, cells in build.NOTEBOOKS.items():
        solutions = [c for c in build.teacher_cells(cells) if "solution" in c.metadata.get("tags", [])]
        if not solutions:
            continue
        student = _text(nbformat.read(NOTEBOOKS[0].parent / f"{name}.ipynb", as_version=4))
        teacher = _text(nbformat.read(NOTEBOOKS[0].parent / "solutions" / f"{name}.ipynb", as_version=4))
        for cell in solutions:
            assert cell.source in teacher, (name, cell.source)
            if cell.cell_type == "code":
                assert cell.source not in student, (name, cell.source)
                for formula in _quoted(cell.source):  # neither written out nor accepted by the checker
                    assert f'"{formula}"' not in student and f"= {formula}: correct" not in student, (name, formula)
                checked += 1
    assert checked >= 6  # 01's four fixes, 02's answer key, 06's answers


def test_no_answer_before_its_turn():
    """Notebook 01: before each "Your turn", no cell (source or output) holds that exercise's accepted formula,
    written as the checker reports it (`∂L/∂b2 = y_hat - y: correct`) or as derive writes it."""
    nbformat = require_module("nbformat")
    nb = nbformat.read(NOTEBOOKS[0].parent / "01_backprop_by_hand.ipynb", as_version=4)
    answers = {
        "b_2$": ["y_hat - y: correct", "= z2 − y"],
        "W_2[h]$": ["z1[h] * (y_hat - y): correct", "z1[1]·(z2 − y)"],
        "b_1[h]$": ["W2[h] * z1[h] * (1 - z1[h]) * (y_hat - y)", "W2[0,1]·z1[1]·(1 − z1[1])·(z2 − y)"],
        "W_1[h, m]$": ["x[m] * z1[h] * (1 - z1[h])", "x[0]·z1[1]·(1 − z1[1])·(z2 − y)"],
    }
    turns = 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and "Your turn" in cell.source:
            key = next(k for k in answers if k in cell.source.splitlines()[0])
            before = _text(nbformat.v4.new_notebook(cells=nb.cells[:i]))
            for written in answers[key]:
                assert written not in before, (key, written)
            turns += 1
    assert turns == 4
