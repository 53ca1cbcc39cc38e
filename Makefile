# The two commands of the README: `make demo` (the main job) and `make test`.
PY := .venv/bin/python

.PHONY: demo test bench setup clean
demo: .venv/ready
	$(PY) -m microgr810 demo --out demo-output

test: .venv/ready
	$(PY) -m pytest -q

bench: .venv/ready
	$(PY) benchmarks/run.py

setup .venv/ready: setup.cfg pyproject.toml tools/setup.sh
	bash tools/setup.sh

clean:
	rm -rf .venv demo-output .pytest_cache .hypothesis
