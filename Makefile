# Two commands do everything on a fresh Debian 12 machine (as root): `make run`, `make test`.
# DATABASE_URL set in the environment: use that PostGIS instead of the project-local cluster.

SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PGPORT ?= 55432
export PGPORT

ifeq ($(strip $(DATABASE_URL)),)
LOCAL_DB := 1
export DATABASE_URL := postgresql+psycopg://postgres@127.0.0.1:$(PGPORT)/vollsmose
endif

.PHONY: run test bench lint db db-stop deps test-deps clean-db

# One Python start-up: migrations and the reference data (when the database is empty) are
# checked, one query each, by the process that then serves.
run: deps $(VENV)/.installed db
	$(BIN)/vollsmose serve --upgrade --load-reference-if-empty

test: test-deps $(VENV)/.installed db
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: deps $(VENV)/.installed db
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .

deps:
	@bash scripts/system-deps.sh

test-deps:
	@bash scripts/system-deps.sh test

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@

db: deps
ifdef LOCAL_DB
	@bash scripts/pg.sh start
endif

db-stop:
	@bash scripts/pg.sh stop

clean-db: db-stop
	rm -rf .pgdata
