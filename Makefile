# The two commands of the README: `make demo` (the main job) and `make test`.
PY := .venv/bin/python

.PHONY: demo test bench notebooks setup clean
demo: .venv/ready
	$(PY) -m microgr810 demo --out demo-output

test: .venv/ready
	$(PY) -m pytest -q

# PyTorch is a peer in the same run: install the CPU build if the venv lacks it (micrograd: run.py)
bench: .venv/ready
	$(PY) -c 'import torch' 2>/dev/null || $(PY) -m pip install -q 'torch==2.13.0'
	$(PY) benchmarks/run.py

# rewrite notebooks/*.ipynb from notebooks/build.py and run them, so their outputs are committed
notebooks: .venv/ready
	cd notebooks && ../$(PY) build.py && rm -f loss.png decision_boundary.png

setup .venv/ready: setup.cfg pyproject.toml tools/setup.sh
	bash tools/setup.sh

clean:
	rm -rf .venv demo-output .pytest_cache .hypothesis
