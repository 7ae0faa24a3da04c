# Buzz: `make run` sets up and serves the app; `make test` runs the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed-stamp
VENDOR := community/static/vendor
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
REDIS_TEST_URL ?= redis://127.0.0.1:6379/0
PYTEST_ARGS ?=

# The first Python >= 3.12 found (pyenv's, via .python-version, comes first).
PYTHON_FOR_VENV := $(shell for p in python3.12 python3.13 python3.14 python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; \
	then command -v $$p; break; fi; done)

.PHONY: help install assets migrate seed run worker test test-sqlite test-pg lint format messages bench check-deploy clean

help:
	@echo "make run        set up (.venv, assets, database, demo data) and serve on http://$(HOST):$(PORT)"
	@echo "make test       the whole suite on SQLite, then on PostgreSQL + Redis if reachable"
	@echo "make test-pg    the suite on PostgreSQL ($(PG_URL)) and Redis ($(REDIS_TEST_URL))"
	@echo "make lint       ruff check + format check"
	@echo "make worker     the background task worker (TASKS_BACKEND=database)"
	@echo "make bench      the benchmarks in bench/, results to docs/benchmarks.md"

$(STAMP): pyproject.toml requirements.lock
	@if [ -z "$(PYTHON_FOR_VENV)" ]; then \
		echo "error: Buzz needs Python >= 3.12 (python3.12 on PATH, or pyenv with .python-version)." >&2; exit 1; fi
	@[ -x $(PY) ] || $(PYTHON_FOR_VENV) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c requirements.lock -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

NODE_STAMP := node_modules/.buzz-installed

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "error: npm (Node.js) is needed to fetch htmx, Chart.js and axe-core." >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(VENDOR)/htmx.min.js: $(NODE_STAMP)
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $@

# The source map too: the minified file names it, and collectstatic's manifest
# storage refuses a reference to a missing file.
$(VENDOR)/chart.umd.min.js: $(NODE_STAMP)
	mkdir -p $(VENDOR)
	cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/dist/chart.umd.min.js.map $(VENDOR)/

assets: $(VENDOR)/htmx.min.js $(VENDOR)/chart.umd.min.js

migrate: install
	$(PY) manage.py migrate --no-input

seed: migrate
	$(PY) manage.py seed_demo --if-empty

run: install assets seed
	@echo "Serving Buzz on http://$(HOST):$(PORT) (Ctrl-C stops)"
	$(VENV)/bin/daphne -b $(HOST) -p $(PORT) asgi:application

worker: install
	$(PY) manage.py db_worker

# SQLite + in-memory layer always; PostgreSQL + Redis when they answer (CI: always).
# The two legs share nothing (a SQLite file per process, locmem vs Redis, random
# ports), so they run side by side, one per core; each leg's output is kept in
# var/test-<leg>.log and printed whole when both have finished.
test: install assets
	@mkdir -p var
	@if $(PY) -c "import socket,sys; socket.create_connection(('127.0.0.1', 5432), 1); socket.create_connection(('127.0.0.1', 6379), 1)" 2>/dev/null; then \
		echo "== both legs side by side: SQLite (var/test-sqlite.log) and PostgreSQL + Redis (var/test-pg.log) =="; \
		$(MAKE) --no-print-directory test-sqlite > var/test-sqlite.log 2>&1 & sqlite=$$!; \
		$(MAKE) --no-print-directory test-pg > var/test-pg.log 2>&1 & pg=$$!; \
		wait $$sqlite; sqlite_rc=$$?; wait $$pg; pg_rc=$$?; \
		cat var/test-sqlite.log; echo; cat var/test-pg.log; \
		echo "== SQLite leg: $$( [ $$sqlite_rc = 0 ] && echo passed || echo FAILED ); PostgreSQL + Redis leg: $$( [ $$pg_rc = 0 ] && echo passed || echo FAILED ) =="; \
		[ $$sqlite_rc = 0 ] && [ $$pg_rc = 0 ]; \
	elif [ -n "$$CI" ]; then echo "error: PostgreSQL/Redis not reachable in CI" >&2; exit 1; \
	else $(MAKE) --no-print-directory test-sqlite; \
		echo "PostgreSQL or Redis not reachable on 127.0.0.1: skipped the PostgreSQL + Redis leg (make test-pg runs it)."; fi

test-sqlite: install assets
	@echo "== tests on SQLite, in-memory channel layer, database search =="
	env -u DATABASE_URL -u REDIS_URL -u ELASTICSEARCH_URL $(VENV)/bin/pytest $(PYTEST_ARGS)

test-pg: install assets
	@echo "== tests on PostgreSQL ($(PG_URL)) and Redis ($(REDIS_TEST_URL)) =="
	DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_TEST_URL) $(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Needs GNU gettext; the compiled .mo files are committed so running does not.
messages: install
	$(PY) manage.py makemessages -l nl --ignore=.venv --ignore=node_modules --ignore=var
	$(PY) manage.py compilemessages -l nl --ignore=.venv

check-deploy: install
	DEBUG=false SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	ALLOWED_HOSTS=buzz.example.com EMAIL_HOST=smtp.example.com $(PY) manage.py check --deploy --fail-level WARNING

bench: install
	$(PY) -m bench

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var
