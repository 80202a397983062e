# The two commands of the README. Both work on a fresh machine with nothing but Python 3.11+:
# they create .venv and install into it exactly the versions of requirements/dev.txt (the lock),
# again only when the lock or pyproject.toml changed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements/dev.txt
LOCKED := $(VENV)/.locked
STAMP := $(VENV)/.installed
DEMO_DB := promisebot-demo.db

.PHONY: demo test test-moved-clock lock messages

## demo: the demo on a fresh SQLite promisebot-demo.db of its own (never DATABASE_URL's), which
## `promisebot demo` migrates and fills with the demo factory, moved to today, and its past week
demo: $(STAMP)
	-scripts/ensure-fonts
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN)/promisebot demo

## test: lint, then the whole suite (PostgreSQL too when PROMISEBOT_TEST_POSTGRES_URL is set;
## the browser tests in tests/e2e use Debian's Chromium, installed here when it is missing)
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	scripts/ensure-chromium
	scripts/ensure-fonts
	$(BIN)/pytest

## test-moved-clock: the suite but the browser tests, on a clock moved by libfaketime (Debian's
## faketime, installed here when it is missing). FAKETIME is an offset (+400d, -3d) or a date
## (make test-moved-clock FAKETIME='2027-03-28 01:30'); the clock runs on from there.
## Chromium never finishes loading a page under libfaketime, so tests/e2e stay on the real clock.
FAKETIME ?= +400d
test-moved-clock: $(STAMP)
	scripts/ensure-faketime
	scripts/ensure-fonts
	scripts/moved-clock '$(FAKETIME)' $(BIN)/pytest --ignore=tests/e2e

## lock: requirements/dev.txt anew from pyproject.toml's ranges, the newest versions they allow
## today, for every Python from 3.11 on (one version of each package wherever one fits them all)
lock: $(LOCKED)
	$(BIN)/python -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"], sep="\n")' \
	| $(BIN)/uv pip compile pyproject.toml - --extra dev --upgrade --generate-hashes \
		--universal --fork-strategy fewest --python-version 3.11 \
		--custom-compile-command 'make lock' --quiet --output-file $(LOCK)

## messages: bot/locale/promisebot.pot anew from the code (Babel's extractor, babel.cfg), then
## every language's .po brought up to date with it: new messages come in untranslated (or fuzzy,
## a guess from a similar one), messages the code no longer has go. tests/unit/test_catalogs.py
## fails until each is translated and checked.
POT := bot/locale/promisebot.pot
messages: $(STAMP)
	$(BIN)/pybabel extract --mapping-file=babel.cfg --output-file=$(POT) --add-comments=TRANSLATORS: \
		--sort-by-file --project=promisebot --copyright-holder='promisebot developers' \
		--msgid-bugs-address='' --no-wrap . >/dev/null
	$(BIN)/pybabel update --input-file=$(POT) --output-dir=bot/locale --domain=promisebot \
		--ignore-obsolete --no-wrap >/dev/null

# .venv/.locked is a copy of the lock .venv was made from. A lock whose text changed makes a new
# .venv, so that a package the lock dropped goes too; a lock only touched (a checkout, `make lock`
# with nothing new) keeps it. pip installs only the lock's files (--require-hashes), none of their
# dependencies on its own (--no-deps: the lock lists them all). The build requirements are in the
# lock too, so promisebot's editable install builds with them, not with whatever setuptools the
# registry serves that day. scripts/check-lock then checks the lock against pyproject.toml's
# ranges and .venv against the lock.
$(LOCKED): $(LOCK)
	if cmp -s $(LOCK) $@; then touch $@; else \
		rm -rf $(VENV) && $(PYTHON) -m venv $(VENV) && \
		$(BIN)/python -m pip install --require-hashes --no-deps -r $(LOCK) && \
		cp $(LOCK) $@; \
	fi

$(STAMP): $(LOCKED) pyproject.toml
	$(BIN)/python -m pip install --no-deps --no-build-isolation --check-build-dependencies -e .
	$(BIN)/python scripts/check-lock
	touch $@
