# The two commands of the README. Both work on a fresh machine with nothing but Python 3.11+:
# they create .venv and install promisebot into it (again only when pyproject.toml changed).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB := promisebot-demo.db

.PHONY: demo test

## demo: the demo on a fresh SQLite promisebot-demo.db of its own (never DATABASE_URL's), which
## `promisebot demo` migrates and fills with the demo factory, moved to today, and its past week
demo: $(STAMP)
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN)/promisebot demo

## test: lint, then the whole suite (PostgreSQL too when PROMISEBOT_TEST_POSTGRES_URL is set;
## the browser tests in tests/e2e use Debian's Chromium, installed here when it is missing)
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	scripts/ensure-chromium
	$(BIN)/pytest

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml is newer than the last install.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[dev]'
	touch $(STAMP)
