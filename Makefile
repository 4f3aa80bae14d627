# civic: two commands for a fresh machine.
#   make demo   installs into .venv, migrates, loads demo data, serves http://127.0.0.1:8000
#   make test   installs test tools, runs the whole suite (unit/integration, then browser)
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

# Background tasks (PB counts) run in `manage.py db_worker`, started beside daphne and stopped with it.
WITH_WORKER = $(PY) manage.py db_worker --no-reload & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM;

ORACLE_VENV := .venv-oracle

.PHONY: demo test venv dev-venv oracle-venv lint serve browser-test unit-test

$(VENV)/.runtime: requirements.txt
	@test -x $(PY) || $$(scripts/find_python.sh) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

# pref_voting (a test oracle) needs numba, which caps NumPy: it gets its own environment so that
# the runtime's NumPy is not held back (tests/voting/ranked_oracle_worker.py runs it).
$(ORACLE_VENV)/.oracle: requirements-oracle.txt
	@test -x $(ORACLE_VENV)/bin/python || $$(scripts/find_python.sh) -m venv $(ORACLE_VENV)
	$(ORACLE_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(ORACLE_VENV)/bin/python -m pip install --quiet -r requirements-oracle.txt
	@touch $@

venv: $(VENV)/.runtime
dev-venv: $(VENV)/.dev
oracle-venv: $(ORACLE_VENV)/.oracle

demo: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v0
	PORT=$(PORT) $(PY) manage.py demo_data
	@echo "Starting civic on http://127.0.0.1:$(PORT)/ and the background worker (Ctrl+C to stop)"
	$(WITH_WORKER) $(VENV)/bin/daphne -b 127.0.0.1 -p $(PORT) civic.asgi:application

serve: venv
	$(PY) manage.py collectstatic --noinput -v0
	$(WITH_WORKER) $(VENV)/bin/daphne -b 127.0.0.1 -p $(PORT) civic.asgi:application

lint: dev-venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

unit-test: dev-venv oracle-venv
	$(VENV)/bin/pytest

browser-test: dev-venv
	$(VENV)/bin/pytest -p no:django tests/browser -c tests/browser/pytest.ini

test: dev-venv oracle-venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest
	$(VENV)/bin/pytest tests/browser -c tests/browser/pytest.ini
