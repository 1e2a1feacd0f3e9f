# Two commands for a new user: `make demo` and `make test`. Both create .venv with the system python3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench layers clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/ecospace demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

layers: $(STAMP)
	$(BIN)/python scripts/make_demo_layers.py

bench: $(STAMP)
	$(BIN)/python scripts/bench_area.py
	$(BIN)/python scripts/bench_overlap.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
