# Two commands for people: `make run` (try it on SQLite) and `make test` (the whole suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8501
ADDRESS ?= 127.0.0.1

# The version of $(PYTHON) (e.g. 3.11.7), empty when it cannot be run. Asked once, before
# anything is installed: pip under an older Python fails with pages of unrelated errors.
PYTHON_VERSION := $(shell $(PYTHON) -c 'import sys; print(*sys.version_info[:3], sep=".")' 2>/dev/null)
# The venv's marker names the Python that made it: another Python means a new venv.
VENV_MARKER := $(VENV)/.made-by-python-$(PYTHON_VERSION)

.PHONY: run test lint migrate bench clean python-check

python-check:
	@if [ -z "$(PYTHON_VERSION)" ]; then \
		echo "make: PYTHON=$(PYTHON) cannot be run; install Python 3.11 or newer and pick it, e.g. \`make run PYTHON=python3.11\`" >&2; \
		exit 2; \
	elif ! printf '3.11\n%s\n' "$(PYTHON_VERSION)" | sort -V -C; then \
		echo "make: Python $(PYTHON_VERSION) found at PYTHON=$(PYTHON); the dashboard needs 3.11 or newer: pick another, e.g. \`make run PYTHON=python3.11\`" >&2; \
		exit 2; \
	fi

# A venv made by another Python (or left broken by one) is made again, not reused.
$(VENV_MARKER): | python-check
	@made="$$($(BIN)/python -c 'import sys; print(*sys.version_info[:3], sep=".")' 2>/dev/null)"; \
	if [ "$$made" != "$(PYTHON_VERSION)" ]; then \
		if [ -e "$(VENV)" ]; then \
			echo "make: $(VENV) was made by Python $${made:-unknown}; making it again with $(PYTHON_VERSION) ($(PYTHON))"; \
			rm -rf "$(VENV)"; \
		fi; \
		$(PYTHON) -m venv "$(VENV)" && $(BIN)/python -m pip install -q --upgrade pip || exit 1; \
	fi
	rm -f $(VENV)/.made-by-python-*
	touch $@

$(VENV)/.runtime-installed: requirements.txt $(VENV_MARKER)
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt $(VENV_MARKER)
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
