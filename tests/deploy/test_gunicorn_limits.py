"""docker/gunicorn.conf.py lets long request lines through to Django, which answers them
itself as problem+json (414 `uri_too_long`) instead of gunicorn's own HTML page."""

from __future__ import annotations

import json
import os
import runpy
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.deploy.test_entrypoint import ALLOWED_HOST, _database_url, _free_port, _get, _prod_env

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG = REPO_ROOT / "docker" / "gunicorn.conf.py"


def _config(monkeypatch, **env: str) -> dict:
    for name in ("GUNICORN_LIMIT_REQUEST_LINE", "PROMETHEUS_MULTIPROC_DIR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONFIG))


def test_gunicorn_reads_request_lines_up_to_its_maximum_by_default(monkeypatch):
    assert _config(monkeypatch)["limit_request_line"] == 8190


@pytest.mark.parametrize(("configured", "used"), [("6000", 6000), ("20000", 8190)])
def test_the_request_line_limit_is_tunable_within_gunicorns_range(monkeypatch, configured, used):
    assert _config(monkeypatch, GUNICORN_LIMIT_REQUEST_LINE=configured)["limit_request_line"] == used


@pytest.fixture
def gunicorn(tmp_path):
    """gunicorn with the image's configuration and production settings, on a free port."""
    port = _free_port()
    env = _prod_env(
        DATABASE_URL=_database_url("postgres"),
        DJANGO_SECURE_SSL_REDIRECT="0",
        PORT=str(port),
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="1",
    )
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(  # noqa: S603 (fixed argv, no shell)
            [sys.executable, "-m", "gunicorn", "-c", str(CONFIG), "flightbook.wsgi"],
            env=env,
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, log_path.read_text(errors="replace")[-4000:]
            try:
                if _get(f"{base}/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("gunicorn did not answer /healthz within 60 s")
        yield base
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def test_a_6000_character_query_gets_djangos_problem_json_not_gunicorns_page(gunicorn):
    import urllib.error
    import urllib.request

    url = f"{gunicorn}/api/v1/airports/?q=" + "a" * 6000
    request = urllib.request.Request(url, headers={"Host": ALLOWED_HOST})  # noqa: S310 (loopback)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)  # noqa: S310

    assert refused.value.code == 414
    assert refused.value.headers["Content-Type"] == "application/problem+json"
    assert json.loads(refused.value.read())["code"] == "uri_too_long"
