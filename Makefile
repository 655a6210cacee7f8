# truelift: `make demo` and `make test` work on a fresh clone of a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/truelift demo --report truelift-demo.html --json truelift-demo.json
	$(BIN)/truelift demo --kind readout --report truelift-readout-demo.html
	$(BIN)/truelift demo --kind uplift --report truelift-uplift-demo.html
	$(BIN)/truelift demo --kind did --report truelift-did-demo.html
	$(BIN)/truelift project truelift-demo.json --customers 1000000 --outcome revenue --cost 0.2 \
		--brief truelift-brief.html --report truelift-project.html

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Heavy validation and timing (not part of `make test`); see benchmarks/README.md.
# Peers (DoWhy, causalml, tea-tasting) live in their own venv so they never touch the project's.
bench: $(STAMP)
	$(BIN)/python benchmarks/coverage_observational.py --spec raw --reps 1000
	$(BIN)/python benchmarks/coverage_observational.py --spec true --reps 1000
	test -x benchmarks/.venv-peers/bin/python || ($(PYTHON) -m venv benchmarks/.venv-peers && \
	  benchmarks/.venv-peers/bin/pip install --quiet -e . -r benchmarks/requirements-peers.txt)
	$(BIN)/python benchmarks/speed_matching.py
	benchmarks/.venv-peers/bin/pip install --quiet -r benchmarks/requirements-peers.txt
	$(BIN)/python benchmarks/speed_readout.py --rows 10000000
	$(BIN)/python benchmarks/speed_readout.py
	$(BIN)/python benchmarks/experiment_aa.py --reps 4000

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build src/*.egg-info truelift-demo.html truelift-readout-demo.html truelift-uplift-demo.html truelift-did-demo.html \
		truelift-demo.json truelift-brief.html truelift-project.html
