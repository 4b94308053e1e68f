"""Tests run on real PostgreSQL and Redis. If either is unreachable the run stops at once
with a message saying which and how to point at it: never a silent skip."""

from __future__ import annotations

import os

import pytest


def _unreachable_services() -> list[str]:
    import psycopg
    import redis
    from django.conf import settings

    problems = []
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        problems.append(f"DATABASE_URL must point at PostgreSQL, not {db['ENGINE']}")
    else:
        try:
            psycopg.connect(
                host=db["HOST"] or "127.0.0.1",
                port=db["PORT"] or 5432,
                user=db["USER"],
                password=db["PASSWORD"] or None,
                dbname="postgres",
                connect_timeout=3,
            ).close()
        except Exception as exc:
            problems.append(f"PostgreSQL at {db['HOST']}:{db['PORT']} ({exc})")
    location = settings.CACHES["default"]["LOCATION"]
    try:
        redis.Redis.from_url(location, socket_connect_timeout=3).ping()
    except Exception as exc:
        problems.append(f"Redis at {location} ({exc})")
    return problems


def pytest_configure(config: pytest.Config) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flightbook.settings.test")
    django.setup()
    problems = _unreachable_services()
    if problems:
        pytest.exit(
            "The tests need PostgreSQL and Redis. Unreachable: "
            + "; ".join(problems)
            + ". Start them (see README) or set DATABASE_URL / REDIS_URL.",
            returncode=3,
        )


@pytest.fixture(autouse=True)
def _clean_cache():
    from django.core.cache import cache

    from apps.flights.selectors import airport_cache_clear

    cache.clear()
    airport_cache_clear()


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


def _reset_celery_connections(app) -> None:
    """Forget pooled broker connections (and the outbox's memory of a broker that just
    failed) so the next publish uses `app.conf` as it is now."""
    from kombu import pools

    from apps.core import outbox

    outbox._broker.reset()
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    pools.reset()


@pytest.fixture
def celery_via_broker():
    """Tasks go through the real Redis broker instead of running in-process."""
    from flightbook.celery import app

    app.conf.task_always_eager = False
    _reset_celery_connections(app)
    yield app
    app.conf.task_always_eager = True
    _reset_celery_connections(app)


@pytest.fixture
def broker_down(celery_via_broker):
    """The broker is unreachable: nothing listens on the port it points at."""
    app = celery_via_broker
    previous = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    _reset_celery_connections(app)
    yield app
    app.conf.broker_url = previous
    _reset_celery_connections(app)


@pytest.fixture
def celery_worker(celery_via_broker):
    """A real Celery worker (celery's testing worker, in a thread) consuming from Redis."""
    from celery.contrib.testing.worker import start_worker
    from django.db import connections

    app = celery_via_broker
    # Start from an empty queue: messages left by an earlier, interrupted run are not ours.
    with app.connection_for_write() as connection:
        app.amqp.queues["celery"].bind(connection).purge()
    with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=15) as worker:
        yield worker
    connections.close_all()


def wait_for(condition, *, timeout: float = 15.0, interval: float = 0.05):
    """Poll until `condition()` is truthy (for work done by another thread or process)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


@pytest.fixture
def later(monkeypatch):
    """Move the clock every service reads, in every thread, instead of waiting: `later(minutes=16)`."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.core import clock

    shift = [timedelta(0)]
    monkeypatch.setattr(clock, "now", lambda: timezone.now() + shift[0])

    def move(**delta) -> None:
        shift[0] += timedelta(**delta)

    return move
