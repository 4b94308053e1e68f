"""gunicorn settings for flightbook: `gunicorn -c docker/gunicorn.conf.py flightbook.wsgi`.

Every value can be tuned from the environment:

- PORT (8000): the port bound on 0.0.0.0.
- WEB_CONCURRENCY: worker processes; by default 2 x cores + 1, at most 8.
- GUNICORN_THREADS (4): threads per worker (gthread).
- GUNICORN_TIMEOUT (30), GUNICORN_GRACEFUL_TIMEOUT (20), GUNICORN_KEEPALIVE (5): seconds.
- GUNICORN_MAX_REQUESTS (50000), GUNICORN_MAX_REQUESTS_JITTER (5000): recycle workers (a new
  worker costs ~0.7 s of CPU, so not too often: see docs/performance.md).
- GUNICORN_LIMIT_REQUEST_LINE (8190, gunicorn's maximum): longest request line (method, URI,
  protocol) gunicorn reads. Above it gunicorn answers its own HTML 414; below it Django
  answers a path and query over REQUEST_URI_MAX_LENGTH (4096) with problem+json
  `uri_too_long`, so keep it above that setting.
- GUNICORN_LOG_LEVEL (info).
- GUNICORN_CONTROL_SOCKET: path of gunicorn's control socket; off when unset.
- PROMETHEUS_MULTIPROC_DIR: when set, `/metrics` aggregates every worker through this
  directory, which is created and emptied when gunicorn starts.
- FORWARDED_ALLOW_IPS: read by gunicorn itself (proxies trusted for X-Forwarded-*).

Database connections persist per thread through CONN_MAX_AGE (see settings).
"""

from __future__ import annotations

import os
from pathlib import Path

# The longest request line gunicorn can be told to accept (0 would mean unlimited).
GUNICORN_MAX_REQUEST_LINE = 8190


def _env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SystemExit(f"gunicorn.conf: {name} must be an integer, not {raw!r}") from exc
    return max(minimum, value)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# A container listens on every interface; the port is published (or not) by its runtime.
bind = f"0.0.0.0:{_env_int('PORT', 8000, minimum=1)}"
worker_class = "gthread"
workers = _env_int("WEB_CONCURRENCY", min(2 * _cores() + 1, 8), minimum=1)
threads = _env_int("GUNICORN_THREADS", 4, minimum=1)
timeout = _env_int("GUNICORN_TIMEOUT", 30, minimum=1)
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 20, minimum=1)
keepalive = _env_int("GUNICORN_KEEPALIVE", 5)
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 50000)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 5000)
# gunicorn's default (4094) answered long search URLs with its own HTML page before Django saw them.
limit_request_line = min(
    _env_int("GUNICORN_LIMIT_REQUEST_LINE", GUNICORN_MAX_REQUEST_LINE, minimum=1), GUNICORN_MAX_REQUEST_LINE
)

# Heartbeat files on tmpfs: a disk-backed /tmp can stall workers (gunicorn's FAQ).
if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):  # noqa: S108
    worker_tmp_dir = "/dev/shm"  # noqa: S108

_control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "").strip()
if _control_socket:
    control_socket = _control_socket
else:
    control_socket_disable = True

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms rid=%({x-request-id}o)s'


def _prometheus_dir() -> Path | None:
    value = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
    return Path(value) if value else None


def on_starting(server) -> None:
    """In the master, before any worker forks: a clean multiprocess directory."""
    directory = _prometheus_dir()
    if directory is None:
        return
    directory.mkdir(parents=True, exist_ok=True)
    # Files left by a previous run would be summed into this one's metrics.
    for stale in directory.glob("*.db"):
        stale.unlink(missing_ok=True)
    server.log.info("Prometheus multiprocess metrics in %s", directory)


def child_exit(server, worker) -> None:
    """A worker has exited: drop its live-gauge files so `/metrics` stops counting it."""
    if _prometheus_dir() is None:
        return
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
