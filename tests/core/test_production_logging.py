"""Production settings, loaded in a fresh interpreter as gunicorn would load them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]

PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "flightbook.settings.prod",
    "DJANGO_SECRET_KEY": "test-only-secret-key-that-is-long-enough-for-the-deploy-check-0123456789",
    "DJANGO_ALLOWED_HOSTS": "flightbook.example",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "REDIS_URL": settings.CACHES["default"]["LOCATION"],
    "FIELD_ENCRYPTION_KEYS": "dGVzdC1vbmx5LWZpZWxkLWtleS1ub3QtYS1zZWNyZXQ=",
}


def _run(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (our own interpreter, fixed code)
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, **PROD_ENV, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_production_logs_are_json_lines_carrying_the_request_id():
    result = _run(
        "import django, logging; django.setup();"
        "from apps.core.logging import request_id_var; request_id_var.set('req-42');"
        "logging.getLogger('apps.bookings').warning('seat %s taken', '12A')"
    )
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "seat 12A taken"
    assert line["request_id"] == "req-42"
    assert line["level"] == "WARNING"
    assert line["logger"] == "apps.bookings"


def test_sentry_starts_only_when_a_dsn_is_set():
    code = "import django; django.setup(); import sentry_sdk; print(sentry_sdk.get_client().is_active())"
    assert _run(code).stdout.strip() == "False"
    assert _run(code, SENTRY_DSN="https://public@sentry.invalid/1").stdout.strip() == "True"


def test_production_sends_the_referrer_policy_the_security_docs_promise():
    code = (
        "import django; django.setup(); from django.test import Client;"
        "print(Client().get('/healthz', secure=True, HTTP_HOST='flightbook.example')['Referrer-Policy'])"
    )
    sent = _run(code).stdout.strip()
    assert sent == "strict-origin-when-cross-origin"
    assert f"`Referrer-Policy: {sent}`" in (ROOT / "docs" / "security.md").read_text()


def test_development_settings_link_account_emails_over_plain_http():
    # `make run` serves plain HTTP: a sign-up link to https:// could not be followed.
    code = (
        "import django; django.setup(); from django.conf import settings; print(settings.ACCOUNT_DEFAULT_HTTP_PROTOCOL)"
    )
    dev = {"DJANGO_SETTINGS_MODULE": "flightbook.settings.dev"}
    assert _run(code, **dev).stdout.strip() == "http"
    assert _run(code).stdout.strip() == "https"
