"""Exports to course platforms: Gradescope's results.json and autograder folder, otter-grader test files run
by otter itself, a PrairieLearn question whose server.py grade(data) is called with sample submissions."""

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from conftest import names_hidden_slope, require_module
from microgr810.teaching.classroom import platforms
from microgr810.teaching.classroom.grading import Record, Variant

RIGHT = {"q1": "y_hat - y", "q2": "z1[h]*(y_hat - y)", "q3": "W2[h]*z1[h]*(1 - z1[h])*(y_hat - y)"}


def check_gradescope(results):
    """The fields Gradescope's autograder specification defines, with their types and allowed values."""
    assert isinstance(results["score"], float)
    assert results.get("visibility", "visible") in platforms.VISIBILITY
    assert results.get("stdout_visibility", "hidden") in platforms.VISIBILITY
    assert isinstance(results["tests"], list)
    for t in results["tests"]:
        assert isinstance(t["name"], str) and t["name"]
        assert isinstance(t["score"], float) and isinstance(t["max_score"], float) and 0 <= t["score"] <= t["max_score"]
        assert isinstance(t["output"], str) and t["visibility"] in platforms.VISIBILITY
        assert t.get("status", "passed") in ("passed", "failed")
    assert results["score"] == sum(t["score"] for t in results["tests"])


def test_gradescope_results():
    records = [
        Record("ann", "b2", "z2 - y", "correct", message="ok"),
        Record("ann", "W2[h]", "x", "wrong", message="no"),
    ]
    results = platforms.gradescope_results(records, points=2.0)
    check_gradescope(results)
    assert results["score"] == 2.0 and [t["name"] for t in results["tests"]] == ["∂L/∂b2", "∂L/∂W2[h]"]
    assert results["tests"][1]["output"] == "no" and "∂L/∂W2[h]" in results["output"]
    with pytest.raises(ValueError):
        platforms.gradescope_results(records, visibility="public")


def test_grade_batch_format_gradescope(tmp_path):
    (tmp_path / "a.csv").write_text("student,parameter,formula\nann,b2,y_hat - y\nann,W2[h],W2[h]*(y_hat - y)\n")
    done = subprocess.run(
        [sys.executable, "-m", "microgr810", "grade", "--batch", str(tmp_path / "a.csv"), "--out", str(tmp_path / "o"),
         "--format", "gradescope"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    results = json.loads((tmp_path / "o" / "results.json").read_text())
    check_gradescope(results)
    assert results["score"] == 1.0 and "WRONG" not in results["tests"][0]["output"]
    assert "z1" in results["tests"][1]["output"]  # the diagnosis names the factor in W2[h]'s place
    assert (tmp_path / "o" / "gradescope" / "ann" / "results.json").exists()


def test_gradescope_autograder_folder_runs(tmp_path):
    """run_autograder as Gradescope runs it (here with AUTOGRADER_ROOT for /autograder)."""
    root = tmp_path / "autograder"
    platforms.write_gradescope_autograder(root / "source", Variant(M=2, H=3))
    assert os.access(root / "source" / "run_autograder", os.X_OK) and os.access(root / "source" / "setup.sh", os.X_OK)
    (root / "submission").mkdir()
    (root / "submission" / "answers.csv").write_text(
        "parameter,formula\nb2,y_hat - y\nb1[h],W2[h]*(y_hat - y)\nW1[h,m],W2[h]*x[m]*((\n"
    )
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), PYTHONPATH="")  # only the folder's own copy of microgr810
    done = subprocess.run(
        [sys.executable, str(root / "source" / "run_autograder")], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    check_gradescope(results)
    assert [t["score"] for t in results["tests"]] == [1.0, 0.0, 0.0]
    assert names_hidden_slope(results["tests"][1]["output"])
    assert "malformed" in results["tests"][2]["output"]


def test_gradescope_with_no_answers_file(tmp_path):
    results = platforms.grade_submission(tmp_path, {"variant": vars(Variant())})
    assert results["score"] == 0.0 and "no answers file" in results["output"]


def test_otter_check_runs_under_otter(tmp_path, monkeypatch):
    """grader.check("q1") in a student's notebook: otter's own runner loads the generated test files."""
    otter = require_module("otter")
    platforms.write_otter_tests(tmp_path / "tests", Variant(M=2, H=2), points=2)
    monkeypatch.chdir(tmp_path)
    grader = otter.Notebook(tests_dir=str(tmp_path / "tests"))
    passed = grader.check("q1", global_env={"q1": RIGHT["q1"]})
    assert passed.grade == 1.0 and passed.passed_all
    failed = grader.check("q3", global_env={"q3": "W2[h]*(y_hat - y)"})
    assert failed.grade == 0.0 and not failed.passed_all
    feedback = repr(failed)
    assert names_hidden_slope(feedback) and "WRONG" in feedback  # microgr810's verdict is otter's feedback
    missing = grader.check("q2", global_env={})
    assert missing.grade == 0.0 and "formula in quotes" in repr(missing)


def load_server(folder):
    spec = importlib.util.spec_from_file_location("pl_server_under_test", folder / "server.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_prairielearn_question(tmp_path):
    folder = tmp_path / "question"
    platforms.write_prairielearn_question(folder, Variant(M=2, H=2))
    info = json.loads((folder / "info.json").read_text())
    assert {"uuid", "title", "topic", "type"} <= set(info) and info["type"] == "v3"
    html = (folder / "question.html").read_text()
    assert all(f'answers-name="q{i}"' in html for i in range(1, 5))
    server = load_server(folder)
    data = {"params": {}, "correct_answers": {}, "submitted_answers": dict(RIGHT, q4="W2[h]*x[m]*(y_hat - y)")}
    server.generate(data)
    server.grade(data)
    scores = data["partial_scores"]
    assert [scores[q]["score"] for q in ("q1", "q2", "q3")] == [1.0, 1.0, 1.0]
    assert scores["q4"]["score"] == platforms.PARTIAL  # one factor away: partial credit
    assert names_hidden_slope(scores["q4"]["feedback"])
    assert data["score"] == pytest.approx((3 + platforms.PARTIAL) / 4)
    data = {"params": {}, "submitted_answers": {"q1": "nonsense((", "q2": "y", "q3": ""}}
    server.grade(data)
    assert data["score"] == 0.0 and "malformed" in data["partial_scores"]["q1"]["feedback"]
    assert "no answer" in data["partial_scores"]["q3"]["feedback"]


def test_export_command(tmp_path):
    for platform, wanted in [("gradescope", "run_autograder"), ("otter", "q4.py"), ("prairielearn", "server.py")]:
        done = subprocess.run(
            [sys.executable, "-m", "microgr810", "export", platform, "--out", str(tmp_path / platform)],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0 and (tmp_path / platform / wanted).exists(), done.stderr


def test_otter_check_in_a_student_notebook(tmp_path):
    """The student's side for real: a notebook that runs grader.check("q3") in a Jupyter kernel."""
    require_module("otter")
    nbformat = require_module("nbformat")
    nbclient = require_module("nbclient")
    platforms.write_otter_tests(tmp_path / "tests")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import otter\ngrader = otter.Notebook(tests_dir='tests')"),
        nbformat.v4.new_code_cell('q3 = "W2[h]*(y_hat - y)"\ngrader.check("q3")'),
        nbformat.v4.new_code_cell('q1 = "y_hat - y"\ngrader.check("q1")'),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()

    def shown(cell):
        return "".join(str(v) for o in cell.outputs for v in o.get("data", {}).values()) + "".join(
            o.get("text", "") for o in cell.outputs
        )

    assert "Test case failed" in shown(nb.cells[1]) and names_hidden_slope(shown(nb.cells[1]))
    assert "All test cases passed" in shown(nb.cells[2])
