# Two commands set everything up on a fresh machine:
#   make run    create .venv if missing, install, run configs/quickstart.yaml locally, print its results
#   make test   same environment, the whole test suite
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
NEURO  := $(VENV)/bin/neuro
STAMP  := $(VENV)/.installed

.PHONY: run test bench clean

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

bench: $(STAMP)
	$(PY) bench/snn_epoch.py
	$(PY) bench/dispatch.py
	$(PY) bench/v1_fit.py
	$(PY) bench/msi_generate.py
	$(PY) bench/strf_fit.py
	$(PY) bench/nif_fit.py
	$(PY) bench/search.py

clean:
	rm -rf $(VENV) .pytest_cache
