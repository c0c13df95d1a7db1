# Pont: `make run` to try it, `make test` to test it. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STATIC_BUILD := build/static
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help run test test-full test-fast lint format bench install assets messages migrate demo clean

help:
	@echo "make run    set up everything and start Pont on http://127.0.0.1:8000 (SQLite, demo data)"
	@echo "make test   run the whole test suite (SQLite; PostgreSQL when DATABASE_URL is set)"
	@echo "make lint   ruff, formatting, mypy, migrations and system checks"
	@echo "make bench  run the benchmarks in bench/ and print their figures"
	@echo "make test-full  make test, then the long runs: full API fuzzing and the load test"

# Python: a virtual environment with the pinned, hash-checked dependencies.
$(BIN)/.installed: requirements/dev.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements/dev.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

# Benchmarks only: pandas and DuckDB, the comparisons bench/stop_search.py makes (not
# dependencies of Pont; pinned and hash-checked like the rest).
$(BIN)/.bench-installed: $(BIN)/.installed requirements/bench.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements/bench.lock
	touch $@

# Front end: govuk-frontend, MoJ Frontend and htmx from npm, compiled and copied.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(STATIC_BUILD)/.built: node_modules/.installed $(wildcard assets/scss/*.scss)
	rm -rf $(STATIC_BUILD)
	mkdir -p $(STATIC_BUILD)/govuk/assets/images $(STATIC_BUILD)/vendor $(STATIC_BUILD)/pont/css
	cp node_modules/govuk-frontend/dist/govuk/assets/images/* $(STATIC_BUILD)/govuk/assets/images/
	cp node_modules/@ministryofjustice/frontend/moj/assets/images/* $(STATIC_BUILD)/govuk/assets/images/
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js $(STATIC_BUILD)/vendor/
	cp node_modules/@ministryofjustice/frontend/moj/moj-frontend.min.js $(STATIC_BUILD)/vendor/
	cp node_modules/htmx.org/dist/htmx.min.js $(STATIC_BUILD)/vendor/
	node_modules/.bin/sass --load-path=. --style=compressed --no-source-map --quiet assets/scss/pont.scss $(STATIC_BUILD)/pont/css/pont.css
	touch $@

install: $(BIN)/.installed
assets: $(STATIC_BUILD)/.built

# Translations: compiled from locale/*/LC_MESSAGES/django.po.
messages: install
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0

migrate: install
	mkdir -p var
	$(BIN)/python manage.py migrate --no-input -v 0

demo: migrate
	$(BIN)/pont demo --quiet-personas

run: install assets messages
	mkdir -p var
	$(BIN)/python manage.py collectstatic --no-input -v 0
	$(BIN)/python manage.py migrate --no-input -v 0
	$(BIN)/pont demo --quiet-personas
	$(BIN)/pont up

# The whole suite. DATABASE_URL=postgres://... runs it on PostgreSQL.
test: install assets messages
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

# The long runs, before resolving the quality-gates issue and before a release: the API
# fuzzing at 200 examples an operation, then the 5-minute load test (on the database
# DATABASE_URL names, SQLite without it).
test-full: test $(BIN)/.bench-installed
	PONT_FUZZ_EXAMPLES=200 $(BIN)/python -m pytest -q -p no:cacheprovider pont/core/tests/test_api_fuzz_all.py
	$(BIN)/python bench/load.py

test-fast: install
	$(BIN)/python -m pytest -q -x

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy pont config
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run -v 1
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py check --fail-level WARNING

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install assets messages $(BIN)/.bench-installed
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) node_modules build var/staticfiles
