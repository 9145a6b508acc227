# Two commands set everything up on a fresh machine:
#   make run    create .venv if missing, install, run configs/quickstart.yaml locally, print its results
#   make test   same environment, the whole test suite
#   make lint   ruff (lint, import order) and mypy (the engine and the CLI), tools pinned in requirements-dev.txt
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
NEURO  := $(VENV)/bin/neuro
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

run: $(STAMP)
	$(NEURO) run configs/quickstart.yaml
	$(NEURO) results configs/quickstart.yaml

test: $(STAMP)
	$(PY) -m pytest -q

$(VENV)/.dev-installed: $(STAMP) requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check cli utils experiments tests bench
	rm -rf build/typecheck && mkdir -p build/typecheck/neuro
	ln -s ../../../cli ../../../utils ../../../experiments build/typecheck/neuro/
	ln -s ../../../utils/api/__init__.py build/typecheck/neuro/__init__.py
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) bench/snn_epoch.py
	$(PY) bench/dispatch.py
	$(PY) bench/v1_fit.py
	$(PY) bench/msi_generate.py
	$(PY) bench/strf_fit.py
	$(PY) bench/nif_fit.py
	$(PY) bench/search.py
	$(PY) bench/checkpoint_overhead.py
	$(PY) bench/hostile_inputs.py
	$(PY) bench/million_runs.py
	$(PY) bench/packing.py
	$(PY) bench/remote.py

clean:
	rm -rf $(VENV) .pytest_cache build
