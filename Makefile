# Two commands matter on a fresh machine: `make demo` and `make test`.
# Both create .venv and install what they need.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck screenshots bench clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/coordinator-tui demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

screenshots: $(STAMP)
	$(BIN)/python scripts/export_screenshots.py

bench: $(STAMP)
	$(BIN)/python bench/bench_core.py
	$(BIN)/python bench/bench_run.py
	$(BIN)/python bench/bench_dashboard.py
	$(BIN)/python bench/bench_live.py
	$(BIN)/python bench/bench_hooks.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
