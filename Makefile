# Relais — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test setup vendor db demo serve bench clean translations messages

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
# the integration suite again on PostgreSQL. Each run on every core (pytest-xdist,
# TEST_WORKERS=auto; each worker has its own database), listing the 15 slowest tests.
TEST_WORKERS ?= auto
PYTEST_RUN := $(PY) -m pytest -n $(TEST_WORKERS) --durations=15
test: $(VENV)/.dev-deps vendor translations
	$(PYTEST_RUN) $(PYTEST_ARGS)
	@case "$${DATABASE_URL:-}" in \
	  postgres*) echo "== integration tests on PostgreSQL ==" && \
	    RELAIS_TEST_DB=postgresql $(PYTEST_RUN) tests/integration $(PYTEST_ARGS) ;; \
	  *) echo "DATABASE_URL is not PostgreSQL: integration tests ran on SQLite only" ;; \
	esac

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
