from __future__ import annotations

import secrets
from urllib.parse import quote

import pytest

from tests.faults.servers import CeleryWorker, Gunicorn, RedisServer, SmtpServer, clean_env


def database_url(*, dbname: str | None = None) -> str:
    """The URL of the test database (or another on the same server), as this process uses it."""
    from django.db import connection

    db = connection.settings_dict
    credentials = quote(db["USER"] or "postgres", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{dbname or db['NAME']}"


def production_env(*, database: str, redis: str, **extra: str) -> dict[str, str]:
    """Production settings (tests/faults/server_settings.py) on `database` and `redis`, with
    this process's encryption keys so that both sides read each other's passengers."""
    from apps.core.crypto import configured_keys

    return clean_env(
        DJANGO_SETTINGS_MODULE="tests.faults.server_settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DATABASE_URL=database,
        REDIS_URL=redis,
        FIELD_ENCRYPTION_KEYS=",".join(configured_keys()),
        LOG_FORMAT="text",
        LOG_LEVEL="WARNING",
        GUNICORN_LOG_LEVEL="warning",
        **extra,
    )


@pytest.fixture
def redis_server(tmp_path):
    """A Redis server of this test's own, which the test may kill and start again."""
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server(tmp_path):
    """An SMTP server of this test's own (aiosmtpd), which the test may kill and start again."""
    server = SmtpServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def smtp_delivery(settings, smtp_server):
    """This process sends its email over SMTP to the test's own server."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_TIMEOUT = 5
    return smtp_server


@pytest.fixture
def serve(tmp_path):
    """Start gunicorn with an environment; every server started is stopped at the end."""
    servers: list[Gunicorn] = []

    def start(env: dict[str, str]) -> Gunicorn:
        server = Gunicorn(env=env, log=tmp_path / f"gunicorn-{len(servers)}.log")
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def celery_on(redis_server):
    """This process's Celery app publishes to the test's own Redis, not in-process."""
    from flightbook.celery import app
    from tests.conftest import _reset_celery_connections

    previous = app.conf.broker_url
    app.conf.broker_url = redis_server.url(1)
    app.conf.task_always_eager = False
    _reset_celery_connections(app)
    yield app
    app.conf.broker_url = previous
    app.conf.task_always_eager = True
    _reset_celery_connections(app)


@pytest.fixture
def start_worker(tmp_path, redis_server):
    """Start a real Celery worker (test settings, the test's own broker) with extra
    environment; every worker started is stopped at the end."""
    from django.conf import settings

    workers: list[CeleryWorker] = []

    def start(*, include: str = "", **env: str) -> CeleryWorker:
        worker = CeleryWorker(
            env=clean_env(
                DJANGO_SETTINGS_MODULE="tests.faults.worker_settings",
                DATABASE_URL=database_url(),
                TEST_BROKER_URL=redis_server.url(1),
                TEST_CACHE_URL=settings.CACHES["default"]["LOCATION"],
                **env,
            ),
            log=tmp_path / f"worker-{len(workers)}.log",
            include=include,
        )
        workers.append(worker)
        return worker.start()

    yield start
    for worker in workers:
        worker.stop()
