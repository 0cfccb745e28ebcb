# The two commands of the README: `make run` and `make test`. Everything they need is set up here.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app esafety
PORT ?= 5000
export PORT
PYTEST_ARGS ?=
# `make run` is the local demo; set ESAFETY_ENV=production (and a secret key) for a real school.
ESAFETY_ENV ?= development
export ESAFETY_ENV

.PHONY: install run test test-sqlite test-postgresql test-tools bench clean

$(VENV)/.installed: pyproject.toml constraints.txt
	python=$$(scripts/python-for-venv.sh) && echo "making $(VENV) with $$python" && $$python -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

install: $(VENV)/.installed

# The DSL alert worker runs beside the server and stops with it (Ctrl-C, or the server exiting); it says where
# its emails go: printed in this terminal unless ESAFETY_SMTP_HOST is set.
run: install
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	$(FLASK) coverage rebuild
	@$(FLASK) alerts send --loop & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	  $(FLASK) run --host 127.0.0.1 --port $(PORT)

test-tools:
	@scripts/ensure-test-tools.sh

# The SQLite and PostgreSQL runs go side by side (scripts/test-both.sh); each starts what it needs beside it
# (Redis; PostgreSQL for the second run) and stops it after. Tests marked content_only run in the SQLite run only.
test: install test-tools
	scripts/test-both.sh $(PY) -m pytest $(PYTEST_ARGS)

test-sqlite: install test-tools
	scripts/with-redis.sh $(PY) -m pytest $(PYTEST_ARGS)

test-postgresql: install test-tools
	scripts/with-redis.sh scripts/with-postgres.sh $(PY) -m pytest $(PYTEST_ARGS)

# The benchmark (benchmarks/README.md): SQLite, then PostgreSQL on a throwaway server when its binaries are
# installed (on its own port, so a test run's server can run at the same time).
bench: install
	@if ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || command -v pg_ctl >/dev/null 2>&1; then \
	  ESAFETY_PG_PORT=55433 scripts/with-postgres.sh \
	    sh -c 'ESAFETY_BENCH_DATABASE_URL="$$ESAFETY_TEST_DATABASE_URL" exec $(PY) benchmarks/run.py'; \
	else \
	  $(PY) benchmarks/run.py; \
	fi

clean:
	rm -rf $(VENV) instance build *.egg-info
