# Relais — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lighthouse setup vendor db demo serve bench clean translations messages

$(VENV)/.deps: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || (echo "Python 3.11+ is required" && exit 1)
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-deps: $(VENV)/.deps requirements-dev.txt
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	touch $@

static/vendor/.built: package.json package-lock.json scripts/copy_vendor.py
	npm ci --no-audit --no-fund --loglevel=error
	$(PYTHON) scripts/copy_vendor.py
	touch $@

vendor: static/vendor/.built

setup: $(VENV)/.deps vendor translations

# Compile the French and English catalogues (translations/*/LC_MESSAGES/messages.mo,
# ignored by git). `make messages` re-extracts the strings and updates the .po files.
translations: $(VENV)/.deps
	$(VENV)/bin/pybabel -q compile -d translations

messages: $(VENV)/.deps
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k N_ -k _l -k T_ -k Tn_:1,2 --no-location --sort-output -o translations/messages.pot .
	$(VENV)/bin/pybabel -q update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete --no-wrap

db: $(VENV)/.deps
	$(FLASK) db upgrade

demo: db
	$(FLASK) relais demo --if-empty

# The development server publishes due items by itself (the in-process scheduler,
# every RELAIS_SCHEDULER_INTERVAL seconds; RELAIS_SCHEDULER=0 turns it off).
run: setup demo
	RELAIS_SCHEDULER=$${RELAIS_SCHEDULER:-1} RELAIS_SCHEDULER_INTERVAL=$${RELAIS_SCHEDULER_INTERVAL:-15} \
	  $(FLASK) run --host $(HOST) --port $(PORT)

# The whole suite on SQLite; then, when DATABASE_URL points at PostgreSQL,
# the integration suite again on PostgreSQL. Each run with one worker more than the
# cores (pytest-xdist; each worker has its own database), listing the 15 slowest tests:
# many tests wait on a browser, a server process or a database, and with one worker per
# core the 2-core CI machine was busy 60 % of the time (a third worker: 447 s → 397 s).
TEST_WORKERS ?= $(shell python3 -c 'import os; print((os.cpu_count() or 1) + 1)')
# The PostgreSQL pass leaves out what the first pass already ran against PostgreSQL and
# Redis (the tests marked postgres/redis start their own servers on DATABASE_URL/REDIS_URL)
# and the checks that read no database (the OpenAPI status check's own test, `make run`,
# the catalogues, the tests marked own_database), and the migration checks (each builds
# its own SQLite file; their PostgreSQL twins are marked postgres).
PG_PASS_SKIPS := -m "not postgres and not redis and not own_database" --ignore=tests/integration/test_openapi_statuses.py \
	--ignore=tests/integration/test_make_run.py --ignore=tests/integration/test_i18n.py \
	--ignore=tests/integration/test_migrations.py
# Bytecode is written even where the environment says not to (PYTHONDONTWRITEBYTECODE):
# the suite starts dozens of app processes (servers, workers, CLI runs) that would each
# compile the code from source again.
PYTEST_RUN := PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal --durations=15
# The PostgreSQL pass shares the cores with PostgreSQL itself and the 1,100-socket test:
# one worker per core there.
PG_TEST_WORKERS ?= $(shell python3 -c 'import os; print(os.cpu_count() or 1)')
# Lighthouse on the board (tests/browser/test_lighthouse.py, about 30 s) runs with
# `make lighthouse`, not in every run.
# The 1,100-socket test (tests/integration/test_thousand_sockets.py, about 20 s) starts
# thousands of threads, so it stays out of the first pass: it runs beside the PostgreSQL
# pass (integration tests only, mostly waiting on the database), or alone after the first
# pass without PostgreSQL. Its output follows the pass's; either failing fails the run.
SOCKETS_TEST := $(PY) -m pytest -q -p no:cacheprovider -m sockets1100 tests/integration/test_thousand_sockets.py
test: $(VENV)/.dev-deps vendor translations
	$(PYTEST_RUN) -m "not lighthouse and not sockets1100" $(PYTEST_ARGS)
	@case "$${DATABASE_URL:-}" in \
	  postgres*) echo "== integration tests on PostgreSQL, and beside them the 1,100-socket test ==" ; \
	    log=$$(mktemp); $(SOCKETS_TEST) > "$$log" 2>&1 & sockets=$$!; \
	    RELAIS_TEST_DB=postgresql $(PYTEST_RUN) -n $(PG_TEST_WORKERS) tests/integration $(PG_PASS_SKIPS) $(PYTEST_ARGS); pg=$$?; \
	    wait $$sockets; s=$$?; echo "== the 1,100-socket test =="; cat "$$log"; rm -f "$$log"; \
	    [ $$pg -eq 0 ] && [ $$s -eq 0 ] ;; \
	  *) $(SOCKETS_TEST) && echo "DATABASE_URL is not PostgreSQL: integration tests ran on SQLite only" ;; \
	esac

lighthouse: $(VENV)/.dev-deps vendor translations
	$(PY) -m pytest -m lighthouse tests/browser/test_lighthouse.py

# Production serving: gunicorn, WEB_WORKERS processes on PORT, PORT+1, ... (see
# scripts/serve.sh and docs/deploy.md). Reads DATABASE_URL, REDIS_URL, SECRET_KEY,
# WEB_WORKERS, WEB_THREADS, HOST, PORT from the environment.
serve: setup
	$(FLASK) db upgrade
	HOST=$(HOST) PORT=$(PORT) sh scripts/serve.sh

# Every benchmark under bench/, each printing its table (DATABASE_URL / REDIS_URL
# add the PostgreSQL and two-process rows).
bench: $(VENV)/.dev-deps
	$(PY) -m bench.run_all $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules static/vendor instance/relais.sqlite3*
