# Two commands for a new user: `make demo` and `make test`. Both create .venv with the system python3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench layers clean system-deps
.DELETE_ON_ERROR:

# a bare Debian's python3 lacks the venv module: the system-deps script installs python3-venv
# (sudo when not root) or says in one line what to install
$(BIN)/python:
	rm -rf $(VENV)
	@$(PYTHON) -c "import ensurepip, venv" 2>/dev/null || bash scripts/install-system-deps.sh --venv-only
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); exit 1; }
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
