# Two commands for people: `make run` (try it on SQLite) and `make test` (the whole suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8501
ADDRESS ?= 127.0.0.1

.PHONY: run test lint migrate bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

run: $(VENV)/.runtime-installed  ## migrate the database, then serve on http://127.0.0.1:8501
	$(BIN)/python -m app serve --address $(ADDRESS) --port $(PORT)

.PHONY: demo
demo: $(VENV)/.dev-installed  ## a throwaway Synapse with rooms and members, the dashboard on it; Ctrl-C deletes both
	$(BIN)/python -m demo --address $(ADDRESS) --port $(PORT)

migrate: $(VENV)/.runtime-installed
	$(BIN)/python -m app migrate

lint: $(VENV)/.dev-installed  ## ruff, then mypy (strict on app/, configured in pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/mypy

test: $(VENV)/.dev-installed lint  ## lint, then every test (PostgreSQL, Synapse, browser included when available)
	$(BIN)/python -m pytest

bench: $(VENV)/.dev-installed
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
