"""Grades in the formats course platforms read, and ready folders for them:

- Gradescope: results.json as its autograder specification defines it (score, tests with name, score,
  max_score, output, visibility), and an autograder folder (setup.sh, run_autograder) that grades a
  submitted answers file.
- otter-grader: test files (`@test_case` functions with points) so `grader.check("q1")` in a student
  notebook runs microgr810's grader and shows its diagnosis.
- PrairieLearn: a question folder (info.json, question.html, server.py) whose grade(data) gives partial
  credit and feedback naming the wrong factor.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from html import escape
from pathlib import Path

from ...adapters.serialize import atomic_write
from ..reference import QUESTIONS
from .grading import REFERENCE, Record, Variant, grade_answer

__all__ = [
    "gradescope_results",
    "write_gradescope_autograder",
    "write_otter_tests",
    "otter_check",
    "write_prairielearn_question",
    "partial_credit",
    "VISIBILITY",
]

VISIBILITY = ("hidden", "after_due_date", "after_published", "visible")  # Gradescope's values
PACKAGE = Path(__file__).resolve().parents[2]  # the microgr810 folder, copied into the exported folders
REQUIREMENTS = "numpy sympy graphviz matplotlib tqdm Pillow"


def _question(parameter: str) -> str:
    return f"∂L/∂{parameter}"


def gradescope_results(records: list[Record], *, points: float = 1.0, visibility: str = "visible") -> dict:
    """One submission's results.json: a test per answer, full points when correct, the verdict as its output."""
    if visibility not in VISIBILITY:
        raise ValueError(f"unknown visibility {visibility!r}; Gradescope's are {', '.join(VISIBILITY)}")
    tests: list[dict] = []
    for i, r in enumerate(records, 1):
        tests.append(
            {
                "name": f"{_question(r.parameter) if r.parameter else f'row {r.row}'}",
                "number": str(i),
                "score": points if r.ok else 0.0,
                "max_score": points,
                "status": "passed" if r.ok else "failed",
                "output": r.message or r.verdict,
                "visibility": visibility,
            }
        )
    score = sum(t["score"] for t in tests)
    wrong = [r for r in records if not r.ok]
    summary = f"{len(records) - len(wrong)} of {len(records)} gradients correct" + (
        "; the first to look at: " + _question(wrong[0].parameter) if wrong and wrong[0].parameter else ""
    )
    return {"score": score, "output": summary, "visibility": visibility, "stdout_visibility": "hidden", "tests": tests}


def _copy_package(folder: Path) -> None:
    """The microgr810 package beside the scripts, so the platform needs no package index to run it."""
    target = folder / "microgr810"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


def _config(variant: Variant, assignment: str | None) -> str:
    return json.dumps({"variant": vars(variant), "assignment": assignment}, indent=1) + "\n"


_RUN_AUTOGRADER = '''#!/usr/bin/env python3
"""Gradescope runs this for every submission: it grades the submitted answers file (CSV with the columns
parameter, formula, and optionally student; or JSON) with microgr810 and writes results/results.json."""
import json
import os
import sys
from pathlib import Path

ROOT = Path(os.environ.get("AUTOGRADER_ROOT", "/autograder"))
sys.path.insert(0, str(ROOT / "source"))

from microgr810.teaching.classroom.platforms import grade_submission  # noqa: E402

config = json.loads((ROOT / "source" / "microgr810.json").read_text(encoding="utf-8"))
results = grade_submission(ROOT / "submission", config)
out = ROOT / "results"
out.mkdir(parents=True, exist_ok=True)
(out / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
print(results["output"])
'''

_SETUP = f"""#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder's image: microgr810's requirements.
set -euo pipefail
apt-get install -y python3 python3-pip
pip3 install {REQUIREMENTS}
"""


def grade_submission(folder: str | Path, config: dict) -> dict:
    """Gradescope's results.json for the answers file in `folder` (the first .csv or .json in it)."""
    from .batch import grade_batch, read_answers

    files = sorted(p for p in Path(folder).rglob("*") if p.suffix.lower() in (".csv", ".json"))
    if not files:
        return {"score": 0.0, "output": "no answers file (.csv or .json) was submitted", "tests": []}
    try:
        records = read_answers(files[0], default_student="submission")
    except ValueError as e:
        return {"score": 0.0, "output": f"the answers file cannot be read: {e}", "tests": []}
    variant = Variant(**config["variant"])
    grade_batch(records, lambda student: variant, processes=1, progress=False, seed=None)
    return gradescope_results(records)


def write_gradescope_autograder(folder: str | Path, variant: Variant = REFERENCE) -> list[Path]:
    """folder/setup.sh, folder/run_autograder, folder/microgr810.json and a copy of microgr810: zip the
    folder's contents (not the folder) and upload them as the assignment's autograder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _copy_package(folder)
    written = [
        atomic_write(folder / "setup.sh", _SETUP),
        atomic_write(folder / "run_autograder", _RUN_AUTOGRADER),
        atomic_write(folder / "microgr810.json", _config(variant, None)),
    ]
    for script in written[:2]:
        os.chmod(script, 0o755)
    return written


# -- otter-grader ---------------------------------------------------------------------------------------


def otter_check(parameter: str, formula: object, variant: dict | None = None) -> None:
    """What an otter test case runs: nothing when `formula` is ∂L/∂parameter, else AssertionError with the
    grader's verdict (otter shows it to the student as the check's feedback)."""
    if not isinstance(formula, str) or not formula.strip():
        raise AssertionError(f'write your answer for {_question(parameter)} as a formula in quotes, e.g. "z2 - y"')
    verdict, _, _, message = grade_answer(parameter, formula, Variant(**(variant or {})), seed=None)
    if verdict != "correct":
        raise AssertionError(message)


_OTTER_TEST = '''OK_FORMAT = False

from otter.test_files import test_case

name = {name!r}
points = {points!r}


@test_case(points={points!r}, hidden=False)
def {function}({variable}):
    """{question}: graded by microgr810 (the variable {variable} holds the formula as text)."""
    from microgr810.teaching.classroom.platforms import otter_check

    otter_check({parameter!r}, {variable}, {variant!r})
'''


def write_otter_tests(folder: str | Path, variant: Variant = REFERENCE, *, points: float = 1) -> list[Path]:
    """folder/q1.py ... q4.py, one per question (∂L/∂b2, ∂L/∂W2[h], ∂L/∂b1[h], ∂L/∂W1[h,m]): in a student
    notebook `q1 = "z2 - y"` then `grader.check("q1")`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for i, parameter in enumerate(QUESTIONS, 1):
        name = f"q{i}"
        source = _OTTER_TEST.format(
            name=name,
            points=points,
            function=f"test_{name}",
            variable=name,
            question=_question(parameter),
            parameter=parameter,
            variant=vars(variant),
        )
        written.append(atomic_write(folder / f"{name}.py", source))
    return written


# -- PrairieLearn ---------------------------------------------------------------------------------------

PARTIAL = 0.5  # a wrong answer one factor, sign or name away from the chain rule


def partial_credit(verdict: str, mistake: str) -> float:
    """1 for correct; PARTIAL for a wrong answer whose mistake the grader names (one classic slip); else 0."""
    if verdict == "correct":
        return 1.0
    return PARTIAL if verdict == "wrong" and mistake else 0.0


_SERVER = '''"""PrairieLearn question server: grade(data) asks microgr810 about each gradient the student wrote."""
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from microgr810.teaching.classroom.platforms import prairielearn_grade  # noqa: E402

CONFIG = json.loads((HERE / "microgr810.json").read_text(encoding="utf-8"))


def generate(data):
    data["params"]["variant"] = CONFIG["variant"]


def grade(data):
    prairielearn_grade(data, CONFIG)
'''


def prairielearn_grade(data: dict, config: dict) -> None:
    """Fill data["partial_scores"] (score and feedback per answer), data["feedback"] and data["score"]."""
    variant = Variant(**config["variant"])
    answers = data.setdefault("submitted_answers", {})
    scores = data.setdefault("partial_scores", {})
    feedback = data.setdefault("feedback", {})
    for i, parameter in enumerate(QUESTIONS, 1):
        name = f"q{i}"
        formula = answers.get(name)
        if not isinstance(formula, str) or not formula.strip():
            scores[name] = {"score": 0.0, "weight": 1, "feedback": f"no answer for {_question(parameter)}"}
            continue
        verdict, mistake, _, message = grade_answer(parameter, formula, variant, seed=None)
        credit = partial_credit(verdict, mistake)
        scores[name] = {"score": credit, "weight": 1, "feedback": message}
        feedback[name] = message
    data["score"] = sum(s["score"] for s in scores.values()) / max(len(scores), 1)


def _question_html(variant: Variant) -> str:
    act = "\\sigma" if variant.activation == "sigmoid" else "\\tanh"
    loss = "L = -(y \\log \\hat{y} + (1-y)\\log(1-\\hat{y}))" if variant.loss == "bce" else "L = (\\hat{y} - y)^2"
    inputs = "\n".join(
        f'  <p>q{i}. <code>{escape(_question(p))}</code> =</p>\n  <pl-string-input answers-name="q{i}" '
        f'label="q{i}" placeholder="e.g. W2[h]*x[m]*(y_hat - y)" size="60"></pl-string-input>'
        for i, p in enumerate(QUESTIONS, 1)
    )
    return f"""<pl-question-panel>
  <p>The network: $a_1 = W_1 x + b_1$, $z_1 = {act}(a_1)$, $a_2 = W_2 z_1 + b_2$, $\\hat{{y}} = z_2 = \\sigma(a_2)$,
  ${loss}$, with $M = {variant.M}$ inputs and $H = {variant.H}$ hidden units.</p>
  <p>Write each gradient for a general hidden unit <code>h</code> and input <code>m</code> in the names
  <code>x[m], W1[h,m], b1[h], a1[h], z1[h], W2[h], b2, a2, z2 (= y_hat), y</code>.</p>
</pl-question-panel>
{inputs}
<pl-submission-panel>
  <pl-external-grader-results></pl-external-grader-results>
</pl-submission-panel>
"""


def write_prairielearn_question(folder: str | Path, variant: Variant = REFERENCE, *, title: str = "") -> list[Path]:
    """folder/info.json, question.html, server.py, microgr810.json and a copy of microgr810: copy the folder
    into a course's questions/ directory."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _copy_package(folder)
    qid = uuid.uuid5(uuid.NAMESPACE_URL, f"microgr810/backprop/{sorted(vars(variant).items())}")
    info = {
        "uuid": str(qid),
        "title": title or f"Backprop by hand ({variant.describe()})",
        "topic": "Backpropagation",
        "tags": ["microgr810", "backprop", "chain rule"],
        "type": "v3",
        "gradingMethod": "Internal",
        "singleVariant": True,
    }
    return [
        atomic_write(folder / "info.json", json.dumps(info, indent=1, ensure_ascii=False) + "\n"),
        atomic_write(folder / "question.html", _question_html(variant)),
        atomic_write(folder / "server.py", _SERVER),
        atomic_write(folder / "microgr810.json", _config(variant, None)),
    ]
