# Two commands for a new user: `make demo` and `make test`. Both create .venv with the system python3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench layers clean system-deps
.DELETE_ON_ERROR:

# a half-made .venv (python3 without the venv module leaves one behind) is removed and retried
$(BIN)/python:
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
	  echo "python3 cannot create a virtual environment: on Debian/Ubuntu run 'apt install python3-venv'"; \
	  exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/ecospace demo

# the Debian packages the tests need (chromium, poppler, PostGIS): installed when missing
system-deps:
	@bash scripts/install-system-deps.sh

test: system-deps $(STAMP)
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
