# Two commands matter on a fresh machine: `make demo` and `make test`.
# Both create .venv and install what they need: `make demo` only the runtime
# dependencies, `make test` the development tools as well (separate stamps, so
# a demo after a test installs nothing, and a test after a demo adds the tools).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev

.PHONY: demo test e2e lint typecheck screenshots bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

# Byte-code written at install, as a wheel install does: an editable install leaves it to
# the first import, which writes nothing under PYTHONDONTWRITEBYTECODE (every start would
# then compile the package again, about a tenth of a second).
$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	$(BIN)/python -m compileall -q coordinator_tui
	touch $(RUNTIME)

$(DEV): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/python -m compileall -q coordinator_tui
	touch $(DEV) $(RUNTIME)

demo: $(RUNTIME)
	$(BIN)/coordinator-tui demo

test: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest

# The real agents' CLIs, pinned, installed from npm into a gitignored folder (npm's own
# cache makes a fresh clone's install offline), run against a mock of each model API in
# a network namespace with loopback alone (e2e/run). About three minutes.
E2E_AGENTS ?= e2e/.agents
E2E_PACKAGES := @anthropic-ai/claude-code@2.1.332 @openai/codex@0.171.0 @google/gemini-cli@0.61.0
E2E_STAMP := $(E2E_AGENTS)/.installed-$(shell echo '$(E2E_PACKAGES)' | cksum | cut -d' ' -f1)

$(E2E_STAMP):
	mkdir -p $(E2E_AGENTS)
	npm install --prefix $(E2E_AGENTS) --no-audit --no-fund --no-save --prefer-offline \
		--loglevel=error $(E2E_PACKAGES)
	touch $@

e2e: $(DEV) $(E2E_STAMP)
	E2E_AGENTS=$(abspath $(E2E_AGENTS)) sh e2e/run $(abspath $(BIN))/pytest

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(DEV)
	$(BIN)/mypy

screenshots: $(DEV)
	$(BIN)/python scripts/export_screenshots.py

bench: $(DEV)
	$(BIN)/python bench/bench_core.py
	$(BIN)/python bench/bench_run.py
	$(BIN)/python bench/bench_dashboard.py
	$(BIN)/python bench/bench_live.py
	$(BIN)/python bench/bench_hooks.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
