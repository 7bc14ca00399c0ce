# Two commands do everything on a fresh machine: `make demo` and `make test`.
# Both create .venv with Python 3.10 (lava-nc and lava-dl need < 3.11) when it is missing.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
DEMO := out/demo
# Full MNIST (the IDX files, plain or .gz); override with  make mnist-deploy MNIST=/path/to/mnist
MNIST := ../shared/datasets/mnist
MNIST_SEED := 0

.PHONY: demo test test-fast clean mnist mnist-deploy

$(VENV)/.installed: pyproject.toml
	@PY310=""; \
	for c in $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.10.*/bin/python3.10 2>/dev/null) $$(command -v python3.10 2>/dev/null); do \
		if "$$c" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then PY310="$$c"; break; fi; \
	done; \
	if [ -z "$$PY310" ]; then \
		echo "ppf-neuro needs Python 3.10 (lava-nc 0.10 and lava-dl 0.6 do not run on 3.11+)."; \
		echo "Install it, e.g. 'pyenv install 3.10' or 'apt-get install python3.10 python3.10-venv', then re-run make."; \
		exit 1; \
	fi; \
	[ -x $(PY) ] || "$$PY310" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/ppf-neuro train --model ppf --data digits --epochs 30 --force -o $(DEMO)/run
	$(VENV)/bin/ppf-neuro export $(DEMO)/run -o $(DEMO)/model.h5
	$(VENV)/bin/ppf-neuro deploy $(DEMO)/model.h5 --data digits --report $(DEMO)/report.json --save-spikes $(DEMO)/rasters.npz
	$(VENV)/bin/ppf-neuro analyze $(DEMO)/report.json --plots $(DEMO)/analysis

# The shipped model on the 10,000 standard test images: Lava + PennyLane + fuser, every output checked.
mnist-deploy: $(VENV)/.installed
	$(VENV)/bin/ppf-neuro deploy examples/models/mnist_ppf.h5 --data idx:$(MNIST) --report out/mnist/report.json
	$(VENV)/bin/ppf-neuro analyze out/mnist/report.json --plots out/mnist/analysis

# The shipped model from scratch: its config and seed, one torch thread as in the comparison that chose it.
mnist: $(VENV)/.installed
	OMP_NUM_THREADS=1 $(VENV)/bin/ppf-neuro train --config examples/mnist_full.json --data idx:$(MNIST) \
		--seed $(MNIST_SEED) -o out/mnist/run
	$(VENV)/bin/ppf-neuro export out/mnist/run -o out/mnist/mnist_ppf.h5

# One pytest worker per core, at most 4 (pytest-xdist; each worker builds the shared fixtures and runs Lava).
test: $(VENV)/.installed
	$(PY) -m pytest -q -n auto --maxprocesses 4 --dist worksteal

# The modules that need neither Lava, subprocesses nor other frameworks (each module marks itself: pytestmark).
test-fast: $(VENV)/.installed
	$(PY) -m pytest -q -n auto --maxprocesses 4 -m "not lava and not slow and not interop"

clean:
	rm -rf out runs .pytest_cache
