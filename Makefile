# openrvu: every target sets up what it needs itself (venv, Debian packages, servers).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export OPENRVU_CMS_DIR ?= $(abspath $(CURDIR)/../shared/data)
export OPENRVU_HOME ?= $(CURDIR)/.openrvu-home
PG_PORT ?= 54329
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test check bench setup system-deps postgres-start postgres-stop clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml setup.py src/openrvu/pricing/_csvout.c
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,spark]'
	touch $@

# Debian packages the test suite drives for real: Chromium (Playwright), PostgreSQL, a JRE for Spark.
system-deps:
	@bash scripts/system-deps.sh

postgres-start: system-deps
	@bash scripts/pg.sh start $(PG_PORT)

postgres-stop:
	@bash scripts/pg.sh stop $(PG_PORT)

run: setup
	$(BIN)/openrvu ingest "$(OPENRVU_CMS_DIR)"
	$(BIN)/openrvu serve --host 127.0.0.1 --port 8000

test: setup system-deps postgres-start
	OPENRVU_TEST_DATABASE_URL=postgresql+psycopg://openrvu@127.0.0.1:$(PG_PORT)/openrvu_test \
	OPENRVU_CHROMIUM=$(CHROMIUM) \
	$(BIN)/pytest -n 2 --dist loadgroup -p no:cacheprovider

check: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .openrvu-home test-artifacts .pg
