"""Readiness checks: each returns None when the dependency answers, else why not."""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import connections


def check_database() -> str | None:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not ready"
        return f"{type(exc).__name__}: {exc}"
    return None


def check_cache() -> str | None:
    probe = uuid.uuid4().hex
    try:
        # The cache hides an unreachable Redis from requests (apps/core/cache.py); ask it directly.
        ping = getattr(cache, "ping", None)
        if ping is not None:
            ping()
        cache.set("readyz:probe", probe, timeout=5)
        if cache.get("readyz:probe") != probe:
            return "cache did not return the value just written"
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def check_broker() -> str | None:
    from flightbook.celery import app

    if app.conf.task_always_eager:
        return None  # tasks run in-process: there is no broker to reach
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


CHECKS = {"database": check_database, "cache": check_cache, "broker": check_broker}


def readiness() -> dict[str, str | None]:
    return {name: check() for name, check in CHECKS.items()}
