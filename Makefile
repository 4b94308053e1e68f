# flightbook — the commands a newcomer needs. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help venv run serve worker test test-fast lint fmt migrations-check check-deploy api-check chromium clean bench bench-search bench-booking

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(INSTALLED): requirements/base.txt requirements/dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	@touch $@

venv: $(INSTALLED) ## Create .venv and install the pinned requirements

run: $(INSTALLED) ## Migrate, load demo data and serve http://127.0.0.1:8000 (SQLite unless DATABASE_URL)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py serve $(HOST):$(PORT)

worker: $(INSTALLED) ## Run a Celery worker with the beat scheduler (needs REDIS_URL)
	@test -n "$$REDIS_URL" || { echo "make worker needs REDIS_URL (without it tasks run in-process)"; exit 2; }
	$(BIN)/celery -A flightbook worker --beat --loglevel=INFO --concurrency=2

test: $(INSTALLED) chromium ## Run the whole suite on PostgreSQL and Redis (DATABASE_URL/REDIS_URL override)
	$(BIN)/pytest

lint: $(INSTALLED) ## ruff check and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(INSTALLED) ## Format and fix what ruff can
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrations-check: $(INSTALLED) ## Fail when a model change has no migration
	DJANGO_SETTINGS_MODULE=flightbook.settings.dev $(BIN)/python manage.py makemigrations --check --dry-run

check-deploy: $(INSTALLED) ## manage.py check --deploy under production settings, with sample values
	DJANGO_SETTINGS_MODULE=flightbook.settings.prod DJANGO_SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
	DJANGO_ALLOWED_HOSTS=flightbook.example DATABASE_URL=postgres://postgres@127.0.0.1:5432/flightbook \
	REDIS_URL=redis://127.0.0.1:6379/0 \
	FIELD_ENCRYPTION_KEYS=$$($(BIN)/python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())') \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

api-check: $(INSTALLED) ## Fuzz the OpenAPI contract with schemathesis (customer, then partner key) on a served copy; fails on any finding
	$(BIN)/python -m tests.contract.api_check

chromium: ## Make sure Debian's Chromium is there for the browser tests (installs it as root)
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "The browser tests need Chromium: sudo apt-get install chromium"; exit 2; fi; }

clean: ## Remove the venv, the SQLite database and collected files
	rm -rf $(VENV) var staticfiles test-artifacts

bench: bench-search bench-booking ## Run every benchmark (DESIGN.md §7; results in docs/performance.md)

bench-search: $(INSTALLED) ## Search benchmark: builds its own 1M-flight database, serves it with gunicorn, prints a table
	$(BIN)/python -m tests.bench.search

bench-booking: $(INSTALLED) ## Booking benchmark: holds on many flights, the hot-flight race, search-hold-pay end to end
	$(BIN)/python -m tests.bench.booking
