# The two commands of the README. Both work on a fresh machine with nothing but Python 3.11+:
# they create .venv and install promisebot into it (again only when pyproject.toml changed).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB := promisebot.db
DEMO_DATABASE_URL := sqlite:///$(DEMO_DB)

.PHONY: demo test

## demo: a fresh SQLite promisebot.db with the demo factory, then the demo run
demo: $(STAMP)
	rm -f $(DEMO_DB)
	$(BIN)/promisebot --database-url $(DEMO_DATABASE_URL) db upgrade
	$(BIN)/promisebot --database-url $(DEMO_DATABASE_URL) import bot/demo
	$(BIN)/promisebot --database-url $(DEMO_DATABASE_URL) demo

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
