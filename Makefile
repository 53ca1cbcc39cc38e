# The two commands of the README: `make demo` (the main job) and `make test`.
PY := .venv/bin/python

.PHONY: demo test test-deep lint fmt notebook notebooks bench setup clean
demo: .venv/ready
	$(PY) -m microgr810 demo --out demo-output

# the reproducible profile CI runs (Hypothesis "ci", tests/conftest.py), one worker per core;
# worksteal: a worker that runs out takes tests from the other, so no long test waits alone at the end
test: .venv/ready
	$(PY) -m pytest -q -n auto --dist worksteal

# the wide search: four times the examples, fresh ones every run
test-deep: .venv/ready
	HYPOTHESIS_PROFILE=dev $(PY) -m pytest -q -n auto --dist worksteal

# ruff, mypy and pre-commit come with the `lint` extra, installed the first time
lint: .venv/ready
	$(PY) -c 'import ruff, mypy, importlinter' 2>/dev/null || $(PY) -m pip install -q -e '.[lint]'
	.venv/bin/lint-imports --no-cache
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy microgr810

fmt: .venv/ready
	$(PY) -c 'import ruff' 2>/dev/null || $(PY) -m pip install -q -e '.[lint]'
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# open the lessons in Jupyter, from the venv (the `notebook` extra is installed the first time)
notebook: .venv/ready
	$(PY) -c 'import notebook' 2>/dev/null || $(PY) -m pip install -q -e '.[notebook]'
	.venv/bin/jupyter notebook notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

# PyTorch is a peer in the same run: install the CPU build if the venv lacks it (micrograd: run.py)
bench: .venv/ready
	$(PY) -c 'import torch' 2>/dev/null || $(PY) -m pip install -q 'torch==2.13.0'
	$(PY) benchmarks/run.py

# rewrite notebooks/*.ipynb (and the teachers' notebooks/solutions/*.ipynb) from notebooks/build.py and run
# them, so their outputs are committed
notebooks: .venv/ready
	cd notebooks && ../$(PY) build.py && rm -f loss.png decision_boundary.png

setup .venv/ready: setup.cfg pyproject.toml tools/setup.sh
	bash tools/setup.sh

clean:
	rm -rf .venv demo-output .pytest_cache .hypothesis .mypy_cache .ruff_cache
