"""gunicorn as production runs it (docker/gunicorn.conf.py, flightbook.wsgi, production
settings), bound to a free loopback port, on a bench database."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.databases import django_env
from tests.bench.paths import ARTIFACTS, REPO_ROOT

HOST = "127.0.0.1"
# Two gthread workers of four threads on two cores: see docs/performance.md for why.
WEB_CONCURRENCY = os.environ.get("BENCH_WEB_CONCURRENCY", "2")
START_SECONDS = 60
STOP_SECONDS = 30


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _healthy(port: int) -> bool:
    conn = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


class Server:
    """One gunicorn master and its workers, in their own process group."""

    def __init__(
        self,
        *,
        label: str,
        database: str,
        cache_prefix: str,
        env: dict[str, str] | None = None,
        artifacts: Path = ARTIFACTS,
    ) -> None:
        self.label, self.database, self.cache_prefix = label, database, cache_prefix
        self.extra_env = env or {}  # on top of the bench environment (e.g. another Redis)
        self.artifacts = artifacts
        self.port = 0
        self.process: subprocess.Popen | None = None
        self._metrics_dir: tempfile.TemporaryDirectory | None = None
        self.log_path = artifacts / f"gunicorn-{label}.log"

    def start(self) -> Server:
        self.artifacts.mkdir(parents=True, exist_ok=True)
        self._metrics_dir = tempfile.TemporaryDirectory(prefix="flightbook-bench-metrics-")
        env = django_env(
            database=self.database,
            CACHE_KEY_PREFIX=self.cache_prefix,
            PROMETHEUS_MULTIPROC_DIR=self._metrics_dir.name,
            WEB_CONCURRENCY=WEB_CONCURRENCY,
            LOG_LEVEL="WARNING",
            **self.extra_env,
        )
        gunicorn = Path(sys.executable).with_name("gunicorn")
        for attempt in range(3):
            self.port = _free_port()
            log = self.log_path.open("w")
            self.process = subprocess.Popen(  # noqa: S603 - the venv's gunicorn, fixed arguments
                [
                    str(gunicorn),
                    "-c",
                    "docker/gunicorn.conf.py",
                    # Loopback only: the config binds 0.0.0.0 for containers.
                    "--bind",
                    f"{HOST}:{self.port}",
                    "flightbook.wsgi",
                ],
                cwd=REPO_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            log.close()
            deadline = time.monotonic() + START_SECONDS
            while time.monotonic() < deadline and self.process.poll() is None:
                if _healthy(self.port):
                    return self
                time.sleep(0.2)
            self.stop()
            if attempt < 2 and "Address already in use" in self.log_path.read_text():
                continue  # another process took the port between our probe and gunicorn's bind
            break
        raise SystemExit(f"bench: gunicorn ({self.label}) did not answer /healthz; see {self.log_path}")

    def stop(self) -> None:
        """SIGTERM to the whole group (graceful), SIGKILL if it outlives STOP_SECONDS."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=STOP_SECONDS)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                # The master and any worker still in its group.
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        if self._metrics_dir is not None:
            self._metrics_dir.cleanup()
            self._metrics_dir = None

    def requests_by_worker(self) -> dict[str, float]:
        """Requests served so far by each worker process (pid), from the Prometheus
        multiprocess files that the app's metrics middleware writes."""
        from prometheus_client.mmap_dict import MmapedDict

        counts: dict[str, float] = {}
        if self._metrics_dir is None:
            return counts
        for path in Path(self._metrics_dir.name).glob("counter_*.db"):
            pid = path.stem.rsplit("_", 1)[-1]
            try:
                values = MmapedDict.read_all_values_from_file(str(path))
            except (OSError, ValueError):
                continue
            counts[pid] = sum(
                value for key, value, *_ in values if json.loads(key)[1] == "flightbook_http_requests_total"
            )
        return counts

    def restarts(self) -> int:
        """Workers recycled so far (gunicorn's max_requests)."""
        return self.log_path.read_text(errors="replace").count("Autorestarting worker")

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
