"""The container's entrypoint (docker/entrypoint.sh), run for real under production settings.

No Docker here: the script runs as a subprocess with the virtualenv first on PATH, just as the
image runs it with its own. Each test that needs a database creates a fresh one and drops it,
so pytest-django's test database is never touched.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from psycopg import sql

REPO_ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = REPO_ROOT / "docker" / "entrypoint.sh"
DOCKERFILE = REPO_ROOT / "Dockerfile"
ALLOWED_HOST = "flightbook.example"  # not localhost: requests must carry a Host the app accepts
# Variables of the pytest process that must not leak into the production-settings subprocesses.
_STRIPPED_PREFIXES = ("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "PROMETHEUS_", "TEST_", "GUNICORN_", "SENTRY_")
_STRIPPED_NAMES = {"PORT", "WEB_CONCURRENCY", "MIGRATE_ON_START", "DB_WAIT_SECONDS", "LOG_FORMAT", "LOG_LEVEL"}


def _server() -> dict:
    """Where the test PostgreSQL server is, as the test settings (and DATABASE_URL) say."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    return {
        "host": db["HOST"] or "127.0.0.1",
        "port": int(db["PORT"] or 5432),
        "user": db["USER"] or "postgres",
        "password": db["PASSWORD"] or "",
    }


def _redis_url() -> str:
    """The test Redis database (15 by default), so a developer's cache and queue stay apart."""
    from django.conf import settings

    return settings.CACHES["default"]["LOCATION"]


def _admin_connect() -> psycopg.Connection:
    server = _server()
    return psycopg.connect(
        host=server["host"],
        port=server["port"],
        user=server["user"],
        password=server["password"] or None,
        dbname="postgres",
        autocommit=True,
        connect_timeout=5,
    )


def _database_url(name: str) -> str:
    server = _server()
    credentials = quote(server["user"], safe="")
    if server["password"]:
        credentials += ":" + quote(server["password"], safe="")
    return f"postgres://{credentials}@{server['host']}:{server['port']}/{name}"


def _prod_env(**overrides: str) -> dict[str, str]:
    """A clean environment for production settings, with this virtualenv's bin first on PATH."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(_STRIPPED_PREFIXES) and key not in _STRIPPED_NAMES
    }
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = venv_bin + os.pathsep + env.get("PATH", "")
    env.update(
        DJANGO_SETTINGS_MODULE="flightbook.settings.prod",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=ALLOWED_HOST,
        REDIS_URL=settings.CACHES["default"]["LOCATION"],
        LOG_FORMAT="text",
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
    )
    env.update(overrides)
    return env


def _run(args: list[str], env: dict[str, str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (fixed argv, no shell)
        args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


def _output(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def _tables(dbname: str) -> set[str]:
    server = _server()
    with psycopg.connect(
        host=server["host"],
        port=server["port"],
        user=server["user"],
        password=server["password"] or None,
        dbname=dbname,
        connect_timeout=5,
    ) as conn:
        rows = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        return {name for (name,) in rows}


def _expected_tables() -> set[str]:
    from django.apps import apps

    return {model._meta.db_table for model in apps.get_models() if model._meta.managed and not model._meta.proxy}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, *, host: str = ALLOWED_HOST, timeout: float = 5) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Host": host})  # noqa: S310 (http on loopback only)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _dockerfile_healthcheck() -> list[str]:
    """The argv of the Dockerfile's HEALTHCHECK (exec form), continuation lines joined."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    for line in text.splitlines():
        if line.startswith("HEALTHCHECK"):
            argv = json.loads(line.split(" CMD ", 1)[1].strip())
            assert isinstance(argv, list), "HEALTHCHECK must use the exec (JSON) form"
            return argv
    raise AssertionError("the Dockerfile has no HEALTHCHECK")


@pytest.fixture
def fresh_database() -> Iterator[str]:
    """An empty PostgreSQL database of its own; dropped afterwards even if connections linger."""
    name = f"fb_entrypoint_{secrets.token_hex(6)}"
    with _admin_connect() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with _admin_connect() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_migrate_applies_every_migration_to_a_fresh_database(fresh_database, tmp_path):
    env = _prod_env(DATABASE_URL=_database_url(fresh_database), DB_WAIT_SECONDS="10")

    # From an unrelated working directory: the script finds the project by its own location.
    result = _run([str(ENTRYPOINT), "migrate"], env, cwd=tmp_path, timeout=300)

    assert result.returncode == 0, _output(result)
    assert "is accepting connections" in result.stderr
    tables = _tables(fresh_database)
    missing = _expected_tables() - tables
    assert not missing, f"tables not created by migrate: {sorted(missing)}"
    # `manage ARGS` passes through to manage.py: nothing is left unapplied.
    check = _run([str(ENTRYPOINT), "manage", "migrate", "--check", "--noinput"], env, cwd=tmp_path, timeout=120)
    assert check.returncode == 0, _output(check)
    # The demo data loads on the migrated database under production settings.
    seeded = _run([str(ENTRYPOINT), "seed-demo", "--days", "1"], env, cwd=tmp_path, timeout=300)
    assert seeded.returncode == 0, _output(seeded)
    assert "Demo network ready" in seeded.stdout


def test_web_migrates_serves_health_and_readiness_then_stops_on_sigterm(fresh_database, tmp_path):
    port = _free_port()
    metrics_dir = tmp_path / "prometheus" / "multiproc"  # does not exist yet: gunicorn makes it
    env = _prod_env(
        DATABASE_URL=_database_url(fresh_database),
        REDIS_URL=_redis_url(),
        DJANGO_SECURE_SSL_REDIRECT="0",
        MIGRATE_ON_START="1",
        PORT=str(port),
        WEB_CONCURRENCY="2",
        GUNICORN_THREADS="2",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        DB_WAIT_SECONDS="10",
    )
    log_path = tmp_path / "web.log"
    base = f"http://127.0.0.1:{port}"

    with log_path.open("w") as log:
        process = subprocess.Popen(  # noqa: S603 (fixed argv, no shell)
            [str(ENTRYPOINT), "web"],
            env=env,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: gunicorn and its workers
        )

    def log_tail() -> str:
        return log_path.read_text(errors="replace")[-6000:]

    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline:
            assert process.poll() is None, f"web exited early with {process.returncode}:\n{log_tail()}"
            try:
                status, body = _get(f"{base}/healthz", timeout=2)
            except OSError:
                status = None
            if status == 200:
                break
            time.sleep(0.5)
        assert status == 200, f"/healthz never answered 200 (last: {status}):\n{log_tail()}"
        assert json.loads(body) == {"status": "ok"}

        # `exec`: the entrypoint has become the gunicorn master, so signals reach it directly.
        cmdline = Path(f"/proc/{process.pid}/cmdline")
        if cmdline.exists():
            assert b"gunicorn" in cmdline.read_bytes(), cmdline.read_bytes()

        # MIGRATE_ON_START=1 migrated the empty database before serving.
        assert not (_expected_tables() - _tables(fresh_database)), log_tail()

        status, body = _get(f"{base}/readyz")
        assert status == 200, f"{body!r}\n{log_tail()}"
        assert json.loads(body)["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}

        # A Host outside DJANGO_ALLOWED_HOSTS is refused: production settings are in force.
        status, _ = _get(f"{base}/healthz", host="localhost")
        assert status == 400

        # /metrics sums every worker through the multiprocess directory gunicorn created.
        assert metrics_dir.is_dir()
        status, body = _get(f"{base}/metrics")
        assert status == 200
        assert b'flightbook_http_requests_total{method="GET",route="healthz",status="200"}' in body

        # The image's HEALTHCHECK command passes against this server (it must send an allowed Host).
        probe = _run(_dockerfile_healthcheck(), env, cwd=tmp_path, timeout=15)
        assert probe.returncode == 0, _output(probe)
        # ...and fails when nothing listens.
        dead = _run(_dockerfile_healthcheck(), {**env, "PORT": str(_free_port())}, cwd=tmp_path, timeout=15)
        assert dead.returncode != 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        try:
            returncode = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
            pytest.fail(f"gunicorn did not stop within 30 s of SIGTERM:\n{log_tail()}")

    assert returncode == 0, f"gunicorn exited {returncode} on SIGTERM:\n{log_tail()}"
    assert "Shutting down: Master" in log_tail()


def test_migrate_gives_up_clearly_when_the_database_host_is_unknown(tmp_path):
    env = _prod_env(
        DATABASE_URL="postgres://flightbook@db-host-that-does-not-exist.invalid:5432/flightbook",
        DB_WAIT_SECONDS="3",
    )

    started = time.monotonic()
    result = _run([str(ENTRYPOINT), "migrate"], env, cwd=tmp_path, timeout=60)
    elapsed = time.monotonic() - started

    assert result.returncode != 0, _output(result)
    assert elapsed < 30, f"took {elapsed:.1f} s to give up"
    assert "db-host-that-does-not-exist.invalid" in result.stderr
    assert "did not accept connections within 3s" in result.stderr, _output(result)
    assert "Traceback" not in result.stderr, _output(result)
    assert "Applying" not in result.stdout  # migrate itself never ran


def test_unknown_commands_are_executed_as_given(tmp_path):
    result = _run(
        [str(ENTRYPOINT), "python", "-c", "import os, sys; print(os.getcwd()); print(sys.argv[1:])", "a b", "c"],
        _prod_env(),
        cwd=tmp_path,
        timeout=60,
    )

    assert result.returncode == 0, _output(result)
    lines = result.stdout.splitlines()
    assert Path(lines[0]).resolve() == REPO_ROOT  # run from the project root
    assert lines[1] == str(["a b", "c"])  # arguments passed through intact


def test_check_deploy_under_production_settings_is_clean(tmp_path):
    env = _prod_env(DATABASE_URL="postgres://postgres@127.0.0.1:5432/flightbook")
    args = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]

    result = _run(args, env, cwd=REPO_ROOT, timeout=120)

    assert result.returncode == 0, f"{shlex.join(args)} failed:\n{_output(result)}"
    output = result.stdout + result.stderr
    assert "WARNING" not in output, output
    assert "System check identified no issues" in output, output
