"""The benchmark's own PostgreSQL databases: created if absent, migrated, filled with the
bench network (tests.bench.build, in subprocesses) and reused while they are complete.

A small table, `bench_build`, records each finished build or top-up (network version,
days covered, seconds taken). A database whose record covers the days a run needs, and
whose flights still carry the fares the project's code opens today, is reused as it is;
one that only lacks days at the end is topped up; any other (no record, another network
version, days long past, fares from older code) is dropped and built again.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import date, timedelta

import psycopg

from tests.bench import build
from tests.bench.paths import REPO_ROOT

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
BUILD_JOBS = max(1, int(os.environ.get("BENCH_BUILD_JOBS", str(len(os.sched_getaffinity(0))))))


def database_url(name: str) -> str:
    return f"{PG_URL}/{name}"


# A fixed Fernet key for the bench databases only (rebuilt, or holding no passengers).
BENCH_FIELD_KEY = "YmVuY2gtb25seS1maWVsZC1rZXktbm90LXNlY3JldCE="
THROTTLE_SCOPES = [
    f"{scope}_{window}"
    for scope in ("anon", "user", "search_anon", "booking", "payment", "login", "lookup")
    for window in ("sustained", "burst")
]


def django_env(*, database: str, **extra: str) -> dict[str, str]:
    """The environment of a Django process on a bench database, with production settings."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "flightbook.settings.prod",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DATABASE_URL": database_url(database),
            "DATABASE_POOL": "false",
            "REDIS_URL": REDIS_URL,
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            # One client address drives the whole load: lift the per-client throttles.
            "API_THROTTLE_RATES": ",".join(f"{scope}=1000000/minute" for scope in THROTTLE_SCOPES),
            "FIELD_ENCRYPTION_KEYS": BENCH_FIELD_KEY,
        }
    )
    env.update(extra)
    return env


@dataclass
class Database:
    """A bench database and how this run got it."""

    label: str
    name: str
    first_day: date  # the days of flights a run needs
    last_day: date
    action: str = "reused"  # reused, built, topped up
    build_seconds: float = 0.0  # spent in this run
    recorded_build_seconds: float = 0.0  # from bench_build: what building it took
    flights: int = 0
    fare_classes: int = 0
    size_mb: float = 0.0

    def as_dict(self) -> dict:
        data = asdict(self)
        data["first_day"], data["last_day"] = str(self.first_day), str(self.last_day)
        return data


def _admin() -> psycopg.Connection:
    return psycopg.connect(f"{PG_URL}/postgres", autocommit=True)


def connect(name: str) -> psycopg.Connection:
    return psycopg.connect(database_url(name), autocommit=True)


def _exists(name: str) -> bool:
    with _admin() as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def _create(name: str) -> None:
    with _admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')


def _drop(name: str) -> None:
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(args: list[str], *, database: str) -> str:
    """Run a Django command on `database`; its stderr goes to ours, its stdout is returned."""
    result = subprocess.run(  # noqa: S603 - our own interpreter and modules
        [sys.executable, *args],
        cwd=REPO_ROOT,
        env=django_env(database=database),
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"bench: `{' '.join(args)}` failed on {database} (exit {result.returncode})")
    return result.stdout


def _record(name: str) -> tuple[date, date, float] | None:
    """The days the database's finished builds cover and the seconds they took; None when
    no build finished. Raises `_Foreign` when it was built from another network."""
    with connect(name) as conn:
        if not conn.execute("SELECT to_regclass('bench_build') IS NOT NULL").fetchone()[0]:
            return None
        others = conn.execute(
            "SELECT count(*) FROM bench_build WHERE network_version <> %s", [build.NETWORK_VERSION]
        ).fetchone()[0]
        if others:
            raise _Foreign()
        row = conn.execute("SELECT min(first_day), max(last_day), sum(seconds) FROM bench_build").fetchone()
    return None if row[0] is None else (row[0], row[1], float(row[2]))


class _Foreign(Exception):
    """The database holds another version of the bench network."""


def _write_record(name: str, *, first_day: date, last_day: date, seconds: float) -> None:
    with connect(name) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_build (id serial PRIMARY KEY, network_version text NOT NULL, "
            "first_day date NOT NULL, last_day date NOT NULL, seconds double precision NOT NULL, "
            "built_at timestamptz NOT NULL DEFAULT now())"
        )
        conn.execute(
            "INSERT INTO bench_build (network_version, first_day, last_day, seconds) VALUES (%s, %s, %s, %s)",
            [build.NETWORK_VERSION, first_day, last_day, seconds],
        )


def _chunks(first_day: date, last_day: date, parts: int) -> list[tuple[date, date]]:
    days = (last_day - first_day).days + 1
    parts = max(1, min(parts, days))
    bounds = [first_day + timedelta(days=days * i // parts) for i in range(parts + 1)]
    return [(bounds[i], bounds[i + 1] - timedelta(days=1)) for i in range(parts)]


def _fill(name: str, *, first_day: date, last_day: date) -> None:
    """Schedules for the whole period, then its flights in BUILD_JOBS processes at once."""
    out = _run(
        ["-m", "tests.bench.build", "prepare", "--first-day", str(first_day), "--last-day", str(last_day)],
        database=name,
    )
    print(f"  {name}: network ready {out.strip().splitlines()[-1]}", flush=True)
    processes = []
    for start, end in _chunks(first_day, last_day, BUILD_JOBS):
        args = ["-m", "tests.bench.build", "generate", "--first-day", str(start), "--last-day", str(end)]
        processes.append(
            subprocess.Popen(  # noqa: S603 - our own interpreter and modules
                [sys.executable, *args],
                cwd=REPO_ROOT,
                env=django_env(database=name),
                stdout=subprocess.PIPE,
                text=True,
            )
        )
    failed = []
    for process in processes:
        out, _ = process.communicate()
        if process.returncode != 0:
            failed.append(process.returncode)
    if failed:
        raise SystemExit(f"bench: generating flights in {name} failed (exit codes {failed})")


def _vacuum(name: str) -> None:
    with connect(name) as conn:
        conn.execute("VACUUM ANALYZE")


def _measure(db: Database) -> None:
    with connect(db.name) as conn:
        db.flights = conn.execute("SELECT count(*) FROM flights_flight").fetchone()[0]
        db.fare_classes = conn.execute("SELECT count(*) FROM inventory_fareclass").fetchone()[0]
        db.size_mb = round(conn.execute("SELECT pg_database_size(current_database())").fetchone()[0] / 2**20, 1)


def _migrate(name: str) -> None:
    _run(["manage.py", "migrate", "--noinput", "-v", "0"], database=name)


def _why_rebuild(db: Database, record: tuple[date, date, float], *, stale_after_days: int) -> str | None:
    """Why a database with a finished build cannot be reused or topped up, or None."""
    if record[0] > db.first_day:
        return f"its flights start on {record[0]}, after {db.first_day}"
    if record[0] < db.first_day - timedelta(days=stale_after_days):
        return f"its flights start on {record[0]}, too long before {db.first_day}"
    last = min(record[1], db.last_day)
    out = _run(
        ["-m", "tests.bench.build", "check", "--first-day", str(db.first_day), "--last-day", str(last)],
        database=db.name,
    )
    verdict = json.loads(out.strip().splitlines()[-1])
    if not verdict["fresh"]:
        return f"built by other code ({'; '.join(verdict['differences'])})"
    return None


def ensure(db: Database, *, stale_after_days: int) -> Database:
    """Make `db` hold the bench network for its days, building only what is missing.

    `stale_after_days`: how many days of flights already in the past a reused database may
    keep before it is built again from scratch (0: it must start exactly on `first_day`)."""
    started = time.monotonic()
    record = None
    if _exists(db.name):
        try:
            record = _record(db.name)
            _migrate(db.name)
            reason = None if record is None else _why_rebuild(db, record, stale_after_days=stale_after_days)
        except _Foreign:
            reason = "built from another version of the bench network"
        if reason is not None:
            print(f"  {db.name}: {reason}: rebuilding", flush=True)
            _drop(db.name)
            record = None
        elif record is None:
            print(f"  {db.name}: no finished build recorded: building (days already there are kept)", flush=True)
    if not _exists(db.name):
        _create(db.name)
        _migrate(db.name)

    if record is not None and record[1] >= db.last_day:
        db.action, db.recorded_build_seconds = "reused", record[2]
    else:
        fill_from = db.first_day if record is None else record[1] + timedelta(days=1)
        db.action = "built" if record is None else "topped up"
        print(f"  {db.name}: {db.action} with flights from {fill_from} to {db.last_day} ...", flush=True)
        _fill(db.name, first_day=fill_from, last_day=db.last_day)
        _vacuum(db.name)
        seconds = round(time.monotonic() - started, 1)
        _write_record(db.name, first_day=fill_from, last_day=db.last_day, seconds=seconds)
        db.build_seconds = seconds
        db.recorded_build_seconds = _record(db.name)[2]
    _measure(db)
    return db


# --- What the load generator asks for -----------------------------------------------------


def routes(name: str) -> list[tuple[str, str, bool]]:
    """Every scheduled route as (origin, destination, origin is a hub)."""
    hubs = set(build.HUBS.values())
    with connect(name) as conn:
        rows = conn.execute(
            "SELECT DISTINCT o.iata_code, d.iata_code FROM flights_schedule s "
            "JOIN flights_airport o ON o.id = s.origin_id JOIN flights_airport d ON d.id = s.destination_id "
            "ORDER BY 1, 2"
        ).fetchall()
    return [(origin, destination, origin in hubs) for origin, destination in rows]


def connecting_pairs(name: str, *, day: date) -> list[tuple[str, str]]:
    """Pairs of airports with no direct flight where some flight leaving on `day` connects
    (60 minutes to 6 hours) into a flight to the destination."""
    with connect(name) as conn:
        rows = conn.execute(
            """
            WITH f AS (
                SELECT origin_id, destination_id, departure_at, arrival_at FROM flights_flight
                WHERE departure_date = %s
            )
            SELECT DISTINCT o.iata_code, d.iata_code
            FROM f a
            JOIN f b ON b.origin_id = a.destination_id
            JOIN flights_airport o ON o.id = a.origin_id
            JOIN flights_airport d ON d.id = b.destination_id
            WHERE a.origin_id <> b.destination_id
              AND b.departure_at BETWEEN a.arrival_at + interval '60 minutes' AND a.arrival_at + interval '6 hours'
              AND NOT EXISTS (
                  SELECT 1 FROM flights_schedule s
                  WHERE s.origin_id = a.origin_id AND s.destination_id = b.destination_id
              )
            ORDER BY 1, 2
            """,
            [day],
        ).fetchall()
    return [(origin, destination) for origin, destination in rows]


def server_versions(name: str) -> dict[str, str]:
    with connect(name) as conn:
        return {
            "postgresql": conn.execute("SHOW server_version").fetchone()[0],
            "shared_buffers": conn.execute("SHOW shared_buffers").fetchone()[0],
        }


def dump(databases: list[Database]) -> str:
    return json.dumps([db.as_dict() for db in databases], indent=2)
