# Two commands for a fresh machine (Python 3.11 to 3.13 and pip, nothing else):
#   make run    set up, load the catalogue and demo data, serve on 127.0.0.1:8000 (HOST=, PORT=) with a Celery worker + beat
#   make test   set up and run the whole test suite (PostgreSQL when DATABASE_URL is set, SQLite otherwise)

# The first of these that runs (a pyenv shim of a version not selected is found but does not run)
first_python = $(shell for p in $(1); do "$$p" -c "" >/dev/null 2>&1 && { command -v "$$p"; break; }; done)
PYTHON ?= $(call first_python,python3.11 python3.12 python3.13 python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in e-mails follow the address `make run` serves on, unless SITE_URL is set.
SITE_URL ?= http://$(HOST):$(PORT)
VAR_DIR ?= var

.PHONY: install install-runtime run test test-newest e2e faults scaleout bench bench-scale lint format lock check-deploy

# The runtime (what `make run` needs), and the test and lint tools on top of it (`make test`).
# setuptools' advice about an editable install of top-level packages is not for this layout.
RUNTIME_STAMP := $(VENV)/.runtime-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
PIP_INSTALL := PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet --disable-pip-version-check

$(RUNTIME_STAMP):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 to 3.13 is needed (set PYTHON=/path/to/python3)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) --upgrade "pip>=24"
	$(PIP_INSTALL) -c constraints.txt -e .
	rm -f $(VENV)/.runtime-* && touch $@

$(STAMP): $(RUNTIME_STAMP)
	$(PIP_INSTALL) -c constraints.txt -e ".[dev]"
	rm -f $(VENV)/.installed-* && touch $@

install-runtime: $(RUNTIME_STAMP)

install: $(STAMP)

run: install-runtime
	mkdir -p $(VAR_DIR)/broker $(VAR_DIR)/broker-control $(VAR_DIR)/mail $(VAR_DIR)/media
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@echo "Serving on http://$(HOST):$(PORT)/ with a Celery worker and beat; links in e-mails use $(SITE_URL). Ctrl-C stops both."
	@# the trap is cleared before it signals the group it belongs to, or each signal would run it again
	@export SITE_URL='$(SITE_URL)'; trap 'trap - INT TERM EXIT; kill 0' INT TERM EXIT; \
	$(BIN)/celery -A config --quiet worker -Q celery,pdf --beat --loglevel=WARNING --concurrency=1 & \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/pytest -m "not e2e"

# The newest supported Python (3.13), in a virtualenv of its own: the pure rule tests and the
# catalogue's suite (the whole suite runs on the oldest, 3.11, in `make test`). CI runs both.
NEWEST_PYTHON ?= $(call first_python,python3.13 $$(pyenv root 2>/dev/null)/versions/3.13*/bin/python3.13)
NEWEST_VENV := .venv-3.13
NEWEST_TESTS := tests/certificates/test_due_rules.py tests/certificates/test_change_rules.py \
	tests/certificates/test_certificate_rules.py tests/audits/test_audit_rules.py tests/audits/test_team_rules.py \
	tests/improvement/test_readiness_rules.py tests/improvement/test_internal_audit_rules.py tests/standards tests/core
test-newest:
	@test -n "$(NEWEST_PYTHON)" || { echo "Python 3.13 is needed (set NEWEST_PYTHON=/path/to/python3.13)"; exit 1; }
	test -x $(NEWEST_VENV)/bin/python || $(NEWEST_PYTHON) -m venv $(NEWEST_VENV)
	$(NEWEST_VENV)/bin/python -m pip install --quiet --upgrade "pip>=24"
	$(NEWEST_VENV)/bin/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	$(NEWEST_VENV)/bin/python --version
	$(NEWEST_VENV)/bin/pytest -m "not e2e" $(NEWEST_TESTS)

# Browser tests: need Chromium (Debian: apt-get install chromium); CI installs it.
e2e: install
	$(BIN)/pytest -m e2e

# The fault drill: gunicorn (2 workers), a Celery worker, a Redis of its own on port 6391 and the
# local PostgreSQL (DATABASE_URL's server, database isocert_faults); stops Redis, kills a worker,
# makes the mail server refuse and cuts the database connections (tests/faults/drill.py).
faults: install
	$(BIN)/python -m tests.faults.drill

# The scale-out race: three gunicorn processes, three Celery workers and one beat on one database
# (isocert_scaleout), one Redis of its own (port 6392) and one MEDIA_ROOT; certificates granted, a PDF
# asked for and the daily job started at the same moment from several processes (tests/faults/scaleout.py).
scaleout: install
	$(BIN)/python -m tests.faults.scaleout

# Query counts and server times of every page on the demo data, against the admin changelist of
# organisations (PostgreSQL when DATABASE_URL is set). Extra options: make bench BENCH_ARGS="--fail-over 1.5"
bench: install
	mkdir -p $(VAR_DIR)/broker $(VAR_DIR)/broker-control $(VAR_DIR)/mail $(VAR_DIR)/media $(VAR_DIR)/static
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo --force
	$(BIN)/python manage.py benchmark $(BENCH_ARGS)

# National scale (docs/performance.md): a database of its own, SCALE_DB on DATABASE_URL's server,
# made afresh; 2,000 organisations, 6,000 certificates, 100,000 findings (manage.py seed_scale,
# sizes in SEED_ARGS); then the benchmark of the pages that grow with them (BENCH_ARGS).
SCALE_DB ?= isocert_scale
bench-scale: install
	mkdir -p $(VAR_DIR)/broker $(VAR_DIR)/broker-control $(VAR_DIR)/mail $(VAR_DIR)/media $(VAR_DIR)/static
	@export DATABASE_URL=$$($(BIN)/python -m core.databases $(SCALE_DB)) && \
	$(BIN)/python manage.py migrate --noinput -v0 && \
	$(BIN)/python manage.py seed_scale $(SEED_ARGS) && \
	$(BIN)/python manage.py benchmark --scale $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Production as docker-compose.yml deploys it: behind its proxy, with Redis as the shared cache
# (the check reads the settings only; it connects to nothing).
check-deploy: install
	DJANGO_SETTINGS_MODULE=config.settings.production \
	SECRET_KEY=$$($(BIN)/python -c "import secrets; print(secrets.token_urlsafe(64))") \
	ALLOWED_HOSTS=certification.example.org \
	REDIS_URL=$${REDIS_URL:-redis://redis:6379/0} \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

# Rewrite constraints.txt from what is installed (after changing pyproject.toml).
lock: install
	$(BIN)/python -m pip freeze --exclude-editable | { echo "# Exact versions of every installed package, direct and transitive (pip install -c)."; echo "# Regenerate after changing pyproject.toml: make lock"; cat; } > constraints.txt
