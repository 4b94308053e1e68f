"""Real servers that the fault tests own and break: a Redis server, a PostgreSQL cluster,
gunicorn serving the project, a Celery worker and an SMTP server (aiosmtpd), each on its own free loopback port (or
queue), started as child processes and stopped or killed mid-flight.

Nothing here is a mock: a "Redis outage" is a SIGKILLed redis-server, a "database restart"
is `pg_ctl stop -m immediate` followed by `pg_ctl start`."""

from __future__ import annotations

import contextlib
import glob
import http.client
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
START_SECONDS = 60
# Variables of the pytest process that must not leak into the servers it starts.
_STRIPPED_PREFIXES = ("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "PROMETHEUS_", "TEST_", "GUNICORN_", "SENTRY_")
_STRIPPED_NAMES = {"PORT", "WEB_CONCURRENCY", "LOG_FORMAT", "LOG_LEVEL", "API_THROTTLE_RATES"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def clean_env(**overrides: str) -> dict[str, str]:
    """This process's environment without its Django, database and Redis settings, with
    the virtualenv's bin first on PATH, plus `overrides`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(_STRIPPED_PREFIXES) and key not in _STRIPPED_NAMES
    }
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["PYTHONUNBUFFERED"] = "1"
    env.update(overrides)
    return env


def _wait(condition, *, seconds: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise AssertionError(f"{what} did not come up within {seconds}s\n{tail}")


def _stop_group(process: subprocess.Popen | None, *, sig: int = signal.SIGTERM, seconds: float = 20) -> None:
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout=seconds)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


class _Process:
    """A server the test started in its own process group: `kill()` is a crash (SIGKILL to
    the whole group, nothing gets to clean up), `stop()` a clean shutdown."""

    process: subprocess.Popen | None = None

    def kill(self) -> None:
        _stop_group(self.process, sig=signal.SIGKILL)
        self.process = None

    def stop(self) -> None:
        _stop_group(self.process)
        self.process = None


class RedisServer(_Process):
    """redis-server on a free port, without persistence: killed, it comes back empty."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = directory / "redis.log"

    def url(self, db: int = 0) -> str:
        return f"redis://{HOST}:{self.port}/{db}"

    def ping(self) -> bool:
        try:
            with socket.create_connection((HOST, self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                HOST,
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _wait(self.ping, seconds=START_SECONDS, what="redis-server", log=self.log)
        return self


MAIL_FOLDER = "tests.faults.smtp.MailFolder"  # aiosmtpd's handler: one file per message


class SmtpServer(_Process):
    """aiosmtpd on a free port, in its own process, writing what it accepts to `folder`
    (tests/faults/smtp.py); killed, senders are refused until it starts again."""

    def __init__(self, directory: Path) -> None:
        self.folder = directory / "smtp"
        self.folder.mkdir(exist_ok=True)
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = directory / "smtp.log"

    def greets(self) -> bool:
        try:
            with socket.create_connection((HOST, self.port), timeout=1) as sock:
                return sock.recv(64).startswith(b"220")
        except OSError:
            return False

    def start(self) -> SmtpServer:
        self.process = subprocess.Popen(  # noqa: S603 - the venv's python, fixed arguments
            [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"{HOST}:{self.port}", "-c", MAIL_FOLDER, str(self.folder)],
            cwd=REPO_ROOT,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _wait(self.greets, seconds=START_SECONDS, what="aiosmtpd", log=self.log)
        return self


def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        raise RuntimeError("the fault tests need PostgreSQL's server binaries (initdb, pg_ctl)")
    return Path(found[-1]).parent


class PostgresCluster:
    """A throw-away PostgreSQL cluster (initdb) on a free port, trust authentication, no
    fsync. Run as the `postgres` OS user when the tests run as root (PostgreSQL refuses root)."""

    def __init__(self) -> None:
        self.bin = _postgres_bin()
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="flightbook-faults-pg-"))
        self.data = self.directory / "data"
        self.log = self.directory / "postgres.log"
        self._as_postgres: list[str] = []
        if os.geteuid() == 0:
            postgres = pwd.getpwnam("postgres")
            os.chown(self.directory, postgres.pw_uid, postgres.pw_gid)
            self._as_postgres = ["runuser", "-u", "postgres", "--"]

    def url(self, dbname: str) -> str:
        return f"postgres://postgres@{HOST}:{self.port}/{dbname}"

    def _run(self, *args: str) -> None:
        result = subprocess.run(  # noqa: S603 - fixed argv
            [*self._as_postgres, *args], capture_output=True, text=True, timeout=120, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")

    def init(self) -> PostgresCluster:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
        return self.start()

    def start(self) -> PostgresCluster:
        options = (
            f"-p {self.port} -c listen_addresses={HOST} -k {self.directory} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")
        return self

    def stop(self, mode: str = "immediate") -> None:
        """`immediate` is a crash as far as clients can tell: connections are cut mid-query."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError):  # already stopped
                self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


class Gunicorn(_Process):
    """The project under gunicorn as production runs it (docker/gunicorn.conf.py,
    flightbook.wsgi), one worker process, on a free loopback port."""

    def __init__(self, *, env: dict[str, str], log: Path) -> None:
        self.env = {"WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "4", **env}
        self.log = log
        self.port = 0
        self.process: subprocess.Popen | None = None

    def request(
        self, method: str, path: str, *, body: dict | None = None, headers: dict | None = None, timeout: float = 30
    ) -> Answer:
        headers = dict(headers or {})
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers.setdefault("Content-Type", "application/json")
        connection = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        finally:
            connection.close()

    def _healthy(self) -> bool:
        try:
            return self.request("GET", "/healthz", timeout=2).status == 200
        except OSError:
            return False

    def start(self) -> Gunicorn:
        for attempt in range(3):
            self.port = free_port()
            self.process = subprocess.Popen(  # noqa: S603 - the venv's gunicorn, fixed arguments
                [
                    str(Path(sys.executable).with_name("gunicorn")),
                    "-c",
                    "docker/gunicorn.conf.py",
                    "--bind",
                    f"{HOST}:{self.port}",
                    "flightbook.wsgi",
                ],
                cwd=REPO_ROOT,
                env=self.env,
                stdout=self.log.open("a"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                _wait(
                    lambda: self.process.poll() is None and self._healthy(),
                    seconds=START_SECONDS,
                    what="gunicorn",
                    log=self.log,
                )
                return self
            except AssertionError:
                self.stop()
                if attempt < 2 and "Address already in use" in self.log.read_text(errors="replace"):
                    continue  # another process took the port between our probe and gunicorn's bind
                raise
        raise AssertionError("unreachable")


class CeleryWorker(_Process):
    """`celery -A flightbook worker` with the prefork pool (where time limits are
    enforced), one child process, in its own process group."""

    def __init__(self, *, env: dict[str, str], log: Path, include: str = "") -> None:
        self.env, self.log, self.include = env, log, include
        self.process: subprocess.Popen | None = None

    def start(self) -> CeleryWorker:
        argv = [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "flightbook",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "--loglevel=INFO",
        ]
        if self.include:
            argv += ["--include", self.include]
        self.process = subprocess.Popen(  # noqa: S603 - the venv's celery, fixed arguments
            argv,
            cwd=REPO_ROOT,
            env=self.env,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _wait(
            lambda: self.process.poll() is None and " ready." in self.log.read_text(errors="replace"),
            seconds=START_SECONDS,
            what="celery worker",
            log=self.log,
        )
        return self
