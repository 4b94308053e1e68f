#!/usr/bin/env bash
# flightbook container entrypoint.
#
#   web [GUNICORN ARGS...]    wait for the database, migrate when MIGRATE_ON_START=1, serve with gunicorn
#   worker [CELERY ARGS...]   wait for the database, run a Celery worker
#   beat [CELERY ARGS...]     wait for the database, run celery beat (schedule file under /tmp)
#   migrate                   wait for the database, apply migrations
#   seed-demo [ARGS...]       wait for the database, load the demo network and accounts
#   manage ARGS...            python manage.py ARGS...
#   anything else             executed as given (e.g. `bash`, `python -c ...`)
#
# Environment: DB_WAIT_SECONDS (default 60) bounds the wait for the database;
# DJANGO_SETTINGS_MODULE defaults to flightbook.settings.prod. `python`, `gunicorn` and
# `celery` are taken from PATH (the image puts its virtualenv first).
set -euo pipefail

# Work from the project root whatever the caller's working directory.
APP_ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$APP_ROOT"

export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-flightbook.settings.prod}"

log() {
  printf 'entrypoint: %s\n' "$*" >&2
}

# Block until the default database accepts a connection, at most DB_WAIT_SECONDS.
# Exits non-zero with one clear line (never a password, never a traceback) when it does not.
wait_for_database() {
  python - <<'PY'
import os
import sys
import time

import django
from django.db import connections

try:
    budget = float(os.environ.get("DB_WAIT_SECONDS", "60"))
except ValueError:
    sys.exit("entrypoint: DB_WAIT_SECONDS must be a number of seconds")

django.setup()

connection = connections["default"]
params = connection.settings_dict
options = params.setdefault("OPTIONS", {})
# One direct connection answers "is the server up?"; a pool would retry on its own clock.
options.pop("pool", None)
where = f"{params.get('HOST') or 'localhost'}:{params.get('PORT') or 5432}/{params.get('NAME')}"
if connection.vendor != "postgresql":
    where = str(params.get("NAME"))

deadline = time.monotonic() + budget
attempt = 0
while True:
    attempt += 1
    remaining = deadline - time.monotonic()
    if connection.vendor == "postgresql":
        options["connect_timeout"] = max(1, min(5, int(remaining)))
    try:
        connection.ensure_connection()
    except Exception as exc:
        last_error = " ".join(str(exc).split()) or type(exc).__name__
        connection.close()
        if time.monotonic() + 1 >= deadline:
            sys.exit(
                f"entrypoint: the database at {where} did not accept connections within {budget:g}s "
                f"({attempt} attempts). Last error: {last_error}"
            )
        print(f"entrypoint: waiting for the database at {where}: {last_error}", file=sys.stderr, flush=True)
        time.sleep(1)
    else:
        connection.close()
        print(f"entrypoint: the database at {where} is accepting connections", file=sys.stderr, flush=True)
        break
PY
}

command="${1:-web}"
if [ "$#" -gt 0 ]; then
  shift
fi

case "$command" in
  web)
    wait_for_database
    if [ "${MIGRATE_ON_START:-0}" = "1" ]; then
      log "MIGRATE_ON_START=1: applying migrations"
      python manage.py migrate --noinput
    fi
    exec gunicorn -c docker/gunicorn.conf.py "$@" flightbook.wsgi
    ;;
  worker)
    wait_for_database
    exec celery -A flightbook worker -l INFO "$@"
    ;;
  beat)
    wait_for_database
    exec celery -A flightbook beat -l INFO --schedule "${CELERY_BEAT_SCHEDULE_FILE:-/tmp/celerybeat-schedule}" "$@"
    ;;
  migrate)
    wait_for_database
    exec python manage.py migrate --noinput "$@"
    ;;
  seed-demo)
    wait_for_database
    exec python manage.py seed_demo "$@"
    ;;
  manage)
    exec python manage.py "$@"
    ;;
  *)
    exec "$command" "$@"
    ;;
esac
