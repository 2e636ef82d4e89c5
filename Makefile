# Two commands for a fresh machine (Python 3.11 and pip, nothing else):
#   make run    set up, load the catalogue and demo data, serve on 127.0.0.1:8000 with a Celery worker + beat
#   make test   set up and run the whole test suite (PostgreSQL when DATABASE_URL is set, SQLite otherwise)

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test e2e lint format lock check-deploy

$(STAMP):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed (set PYTHON=/path/to/python3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

run: install
	mkdir -p var/broker var/mail var/media
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@echo "Serving on http://$(HOST):$(PORT)/ with a Celery worker and beat. Ctrl-C stops both."
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/celery -A config worker --beat --loglevel=INFO --concurrency=1 & \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/pytest -m "not e2e"

# Browser tests: need Chromium (Debian: apt-get install chromium); CI installs it.
e2e: install
	$(BIN)/pytest -m e2e

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-deploy: install
	DJANGO_SETTINGS_MODULE=config.settings.production \
	SECRET_KEY=$$($(BIN)/python -c "import secrets; print(secrets.token_urlsafe(64))") \
	ALLOWED_HOSTS=certification.example.org \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

# Rewrite constraints.txt from what is installed (after changing pyproject.toml).
lock: install
	$(BIN)/python -m pip freeze --exclude-editable | { echo "# Exact versions of every installed package, direct and transitive (pip install -c)."; echo "# Regenerate after changing pyproject.toml: make lock"; cat; } > constraints.txt
