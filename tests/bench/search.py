"""The search benchmark (DESIGN.md §7): `make bench-search`.

Builds (or reuses) a year of flights (about a million) and the same network over four
days (about 10,800), serves each with gunicorn as production does, loads the servers
from other processes and prints one table: p50/p95/p99 and req/s of direct, connecting
and round-trip searches, cached and uncached, each with its ratio to `/healthz` measured
in the same run, then the same connecting searches at 10k and at 1M flights.
docs/performance.md explains the figures; the JSON of every run lands in
test-artifacts/bench/.

Environment (all optional): BENCH_PG_URL (postgres://postgres@127.0.0.1:5432),
BENCH_DB_1M (flightbook_bench_1m), BENCH_DB_10K (flightbook_bench_10k), BENCH_REDIS_URL
(redis://127.0.0.1:6379/13, flushed before every uncached scenario), BENCH_BUILD_JOBS
(cores), BENCH_WEB_CONCURRENCY (2), BENCH_CONCURRENCY (8), BENCH_SECONDS (limit of each
measured scenario, 20), BENCH_REQUESTS_PER_CONNECTION (20: keep-alive connections are
reopened after that many requests), BENCH_SEED (1); BENCH_YEAR_DAYS (365) only to
smoke-test the benchmark itself on a small database.
"""

from __future__ import annotations

import json
import os
import platform
import random
import re
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import metadata
from urllib.parse import urlencode

import redis

from tests.bench import cpu, databases, load
from tests.bench.build import HUBS, flights_per_day
from tests.bench.paths import ARTIFACTS
from tests.bench.server import WEB_CONCURRENCY, Server

SEARCH_PATH = "/api/v1/flights/search/"
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
SEED = int(os.environ.get("BENCH_SEED", "1"))
# Days of flights in the big database; only a smoke run of the benchmark itself shortens it.
YEAR_DAYS = int(os.environ.get("BENCH_YEAR_DAYS", "365"))
SMALL_DAYS = 4

# Requests per measured scenario at most (the time limit usually ends them first).
UNCACHED_REQUESTS = 6_000
CACHED_REQUESTS = 40_000
HEALTHZ_REQUESTS = 40_000
GROWTH_REQUESTS = 600  # per database
ALONE_REQUESTS = 400  # one search at a time: the latency a customer sees on an idle server
CACHED_QUERIES = 20  # the small set a cached scenario repeats
WARMUP_SECONDS = 3.0

DIRECT_P95_MS = 50.0
ONE_STOP_P95_MS = 150.0
CACHED_SHARE_OF_HEALTHZ = 0.5
GROWTH_MAX_RATIO = 1.5
# Other work on the machine above this share of its capacity makes a scenario's figures suspect.
DISTURBED_SHARE = 0.10


def _database_name(variable: str, default: str) -> str:
    name = os.environ.get(variable, default)
    # The benchmark drops and rebuilds these: never let it near a database of another purpose.
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or "bench" not in name:
        raise SystemExit(f"bench: {variable}={name!r}: a lower-case identifier containing 'bench', please")
    return name


# --- Queries ---------------------------------------------------------------------------------


def search_path(**params) -> str:
    return f"{SEARCH_PATH}?{urlencode(params)}"


@dataclass(frozen=True)
class Query:
    path: str
    tag: str


class Queries:
    """Search queries drawn (seeded) from the network, never the same one twice in a run."""

    def __init__(self, *, routes, connecting, first_day: date, last_day: date, seed: int) -> None:
        self.rng = random.Random(seed)
        self.direct = [(o, d, "from hub" if hub else "to hub") for o, d, hub in routes]
        hubs = set(HUBS.values())
        pairs = set(connecting)
        self.one_stop = [(o, d, "from hub" if o in hubs else "from spoke") for o, d in connecting]
        # Round trips between places that connect both ways.
        self.round_trip = [(o, d, tag) for o, d, tag in self.one_stop if (d, o) in pairs]
        self.first_day, self.last_day = first_day, last_day
        self.used: set[str] = set()

    def _day(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randrange((last - first).days + 1))

    def _fresh(self, make, count: int) -> list[Query]:
        queries = []
        attempts = 0
        while len(queries) < count:
            attempts += 1
            if attempts > 50 * count + 1000:
                raise SystemExit("bench: not enough distinct queries for this network and these days")
            query = make()
            if query.path not in self.used:
                self.used.add(query.path)
                queries.append(query)
        return queries

    def direct_queries(self, count: int) -> list[Query]:
        def make() -> Query:
            origin, destination, tag = self.rng.choice(self.direct)
            day = self._day(self.first_day, self.last_day)
            return Query(search_path(origin=origin, destination=destination, departure_date=day, max_stops=0), tag)

        return self._fresh(make, count)

    def one_stop_queries(self, count: int, *, first: date | None = None, last: date | None = None) -> list[Query]:
        first, last = first or self.first_day, last or self.last_day

        def make() -> Query:
            origin, destination, tag = self.rng.choice(self.one_stop)
            day = self._day(first, last)
            return Query(search_path(origin=origin, destination=destination, departure_date=day, max_stops=1), tag)

        return self._fresh(make, count)

    def round_trip_queries(self, count: int) -> list[Query]:
        def make() -> Query:
            origin, destination, tag = self.rng.choice(self.round_trip)
            out = self._day(self.first_day, self.last_day - timedelta(days=2))
            back = min(out + timedelta(days=self.rng.randint(2, 21)), self.last_day)
            path = search_path(origin=origin, destination=destination, departure_date=out, return_date=back)
            return Query(path, tag)

        return self._fresh(make, count)


# --- Scenarios -------------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    kind: str  # healthz, uncached, cached, growth
    concurrency: int
    figures: dict
    by_tag: dict
    cpu: dict
    elapsed: float
    client_cpu: float
    reconnects: int
    timed_out: bool
    target: str = ""
    verdict: str = ""
    ratio_to_healthz: float | None = None


class Bench:
    def __init__(self, servers: list[Server], databases_served: tuple[str, ...]) -> None:
        self.servers = servers
        self.groups = {server.process.pid for server in servers if server.process is not None}
        self.databases_served = databases_served
        self.cache = redis.Redis.from_url(databases.REDIS_URL)

    def flush(self) -> None:
        self.cache.flushdb()

    def measure(
        self,
        name: str,
        kind: str,
        jobs: list[load.Job],
        *,
        warmup: list[load.Job],
        concurrency: int = CONCURRENCY,
        expect_cache: str | None = None,
        seconds: float = SECONDS,
    ) -> Scenario:
        inspected = load.run(warmup, concurrency=concurrency, max_seconds=WARMUP_SECONDS, inspect=True)
        workers_before = {server.label: server.requests_by_worker() for server in self.servers}
        restarts_before = sum(server.restarts() for server in self.servers)
        with cpu.Sampler(self.groups, self.databases_served) as sampler:
            run = load.run(jobs, concurrency=concurrency, max_seconds=seconds)
            used = sampler.stop(client=run.client_cpu)
        restarts = sum(server.restarts() for server in self.servers) - restarts_before
        figures = load.summarize(run.samples, run.elapsed, expect_cache=expect_cache)
        warm = load.summarize(inspected.samples, inspected.elapsed)
        for key in ("offers_median", "offers_empty_share"):
            if key in warm:
                figures[key] = warm[key]
        figures["warmup_requests"] = warm["requests"]
        figures["warmup_errors"] = warm["errors"]
        served = used["gunicorn"] + used["postgres"] + used["redis"]
        figures["server_cpu_ms_per_request"] = round(1000 * served / max(figures["requests"], 1), 2)
        figures["worker_restarts"] = restarts
        figures["requests_by_worker"] = {
            server.label: _spread(workers_before[server.label], server.requests_by_worker()) for server in self.servers
        }
        tags = sorted({sample.tag for sample in run.samples if sample.tag})
        by_tag = {
            tag: load.summarize([s for s in run.samples if s.tag == tag], run.elapsed, expect_cache=expect_cache)
            for tag in tags
        }
        scenario = Scenario(
            name=name,
            kind=kind,
            concurrency=concurrency,
            figures=figures,
            by_tag=by_tag,
            cpu=cpu.shares(used, elapsed=run.elapsed),
            elapsed=round(run.elapsed, 2),
            client_cpu=round(run.client_cpu, 2),
            reconnects=run.reconnects,
            timed_out=run.timed_out,
        )
        share = ", ".join(f"{key} {value:.0%}" for key, value in scenario.cpu.items())
        print(
            f"  {name:<24} {figures['requests']:>6} req {figures['req_s']:>7.1f} req/s  "
            f"p50 {figures['p50_ms']:.1f}  p95 {figures['p95_ms']:.1f}  p99 {figures['p99_ms']:.1f} ms  "
            f"errors {figures['errors']}  workers recycled {restarts}  cpu: {share}",
            flush=True,
        )
        return scenario


def _spread(before: dict[str, float], after: dict[str, float]) -> list[int]:
    """Requests each worker process served meanwhile, busiest first."""
    served = (int(after[pid] - before.get(pid, 0)) for pid in after)
    return sorted((count for count in served if count > 0), reverse=True)


def _jobs(port: int, queries: list[Query]) -> list[load.Job]:
    return [load.Job(port, query.path, query.tag) for query in queries]


def _repeat(jobs: list[load.Job], count: int) -> list[load.Job]:
    return [jobs[i % len(jobs)] for i in range(count)]


def run_scenarios(*, main: Server, small: Server, queries: Queries, small_first: date, small_last: date) -> list:
    bench = Bench([main, small], (main.database, small.database))
    port = main.port
    results = []
    healthz = [load.Job(port, "/healthz")]
    concurrency_note = f"c={CONCURRENCY}"
    print(f"\nScenarios ({concurrency_note}, at most {SECONDS:g} s each after a {WARMUP_SECONDS:g} s warm-up):")

    baseline = bench.measure(
        "healthz", "healthz", _repeat(healthz, HEALTHZ_REQUESTS), warmup=_repeat(healthz, HEALTHZ_REQUESTS)
    )
    results.append(baseline)

    kinds = [
        ("direct", queries.direct_queries, DIRECT_P95_MS),
        ("one-stop", queries.one_stop_queries, ONE_STOP_P95_MS),
        ("round trip", queries.round_trip_queries, None),
    ]
    for label, make, _target in kinds:
        bench.flush()
        warm = _jobs(port, make(UNCACHED_REQUESTS // 4))
        jobs = _jobs(port, make(UNCACHED_REQUESTS))
        results.append(bench.measure(f"{label} uncached", "uncached", jobs, warmup=warm, expect_cache="miss"))
    # Latency of one search on an otherwise idle server: no queueing for a core.
    for label, make in (("direct", queries.direct_queries), ("one-stop", queries.one_stop_queries)):
        bench.flush()
        warm = _jobs(port, make(50))
        jobs = _jobs(port, make(ALONE_REQUESTS))
        results.append(
            bench.measure(
                f"{label} uncached, alone", "alone", jobs, warmup=warm, concurrency=1, expect_cache="miss", seconds=30
            )
        )
    for label, make, _target in kinds:
        bench.flush()
        cached = _jobs(port, make(CACHED_QUERIES))
        # The warm pass answers (and caches) each query once; then only hits.
        load.run(cached, concurrency=CONCURRENCY, max_seconds=30)
        results.append(
            bench.measure(
                f"{label} cached",
                "cached",
                _repeat(cached, CACHED_REQUESTS),
                warmup=cached * 20,
                expect_cache="hit",
            )
        )
    results.append(
        bench.measure(
            "healthz (again, at end)",
            "healthz",
            _repeat(healthz, HEALTHZ_REQUESTS),
            warmup=_repeat(healthz, 2_000),
        )
    )

    # Growth: the same connecting searches at 10k and at 1M flights, one request at a time,
    # alternating between the two servers so that both see the same machine.
    bench.flush()
    growth_queries = queries.one_stop_queries(GROWTH_REQUESTS + 100, first=small_first, last=small_last)
    warm, measured = growth_queries[:100], growth_queries[100:]
    interleaved = [load.Job(server.port, q.path, server.label) for q in measured for server in (small, main)]
    warm_jobs = [load.Job(server.port, q.path, server.label) for q in warm for server in (small, main)]
    growth = bench.measure(
        "growth one-stop", "growth", interleaved, warmup=warm_jobs, concurrency=1, expect_cache="miss", seconds=120
    )
    results.append(growth)
    return results


# --- Verdicts and the table ---------------------------------------------------------------------


def baseline_of(results: list[Scenario]) -> Scenario:
    """The better of the two /healthz runs (start and end): a baseline disturbed by other
    work on the machine would flatter every ratio to it."""
    return max((s for s in results if s.kind == "healthz"), key=lambda s: s.figures["req_s"])


def judge(results: list[Scenario]) -> dict:
    baseline = baseline_of(results)
    base_rps = baseline.figures["req_s"]
    summary: dict = {"targets": [], "baseline": baseline.name}
    for scenario in results:
        figures = scenario.figures
        if scenario.kind != "growth":
            scenario.ratio_to_healthz = round(figures["req_s"] / base_rps, 3) if base_rps else None
        failed = figures["errors"] > 0 or figures.get("cache_unexpected", 0) > 0
        if scenario.name == "direct uncached":
            scenario.target = f"p95 < {DIRECT_P95_MS:g} ms"
            met = figures["p95_ms"] < DIRECT_P95_MS
            scenario.verdict = f"{'met' if met else 'MISSED'} (p95/target {figures['p95_ms'] / DIRECT_P95_MS:.2f})"
        elif scenario.name == "one-stop uncached":
            scenario.target = f"p95 < {ONE_STOP_P95_MS:g} ms"
            met = figures["p95_ms"] < ONE_STOP_P95_MS
            scenario.verdict = f"{'met' if met else 'MISSED'} (p95/target {figures['p95_ms'] / ONE_STOP_P95_MS:.2f})"
        elif scenario.kind == "alone":
            limit = DIRECT_P95_MS if scenario.name.startswith("direct") else ONE_STOP_P95_MS
            scenario.target = f"p95 < {limit:g} ms, one at a time"
            met = figures["p95_ms"] < limit
            scenario.verdict = f"{'met' if met else 'MISSED'} (p95/target {figures['p95_ms'] / limit:.2f})"
        elif scenario.kind == "cached":
            scenario.target = f"req/s >= {CACHED_SHARE_OF_HEALTHZ:.0%} of healthz"
            met = (scenario.ratio_to_healthz or 0) >= CACHED_SHARE_OF_HEALTHZ
            scenario.verdict = f"{'met' if met else 'MISSED'} ({scenario.ratio_to_healthz:.0%})"
        elif scenario.kind == "growth":
            small, big = scenario.by_tag.get("10k", {}), scenario.by_tag.get("1m", {})
            ratio95 = big.get("p95_ms", 0) / small["p95_ms"] if small.get("p95_ms") else float("nan")
            ratio50 = big.get("p50_ms", 0) / small["p50_ms"] if small.get("p50_ms") else float("nan")
            scenario.target = f"p95 1M/10k <= {GROWTH_MAX_RATIO:g}"
            met = ratio95 <= GROWTH_MAX_RATIO
            scenario.verdict = f"{'met' if met else 'MISSED'} (p95 x{ratio95:.2f}, p50 x{ratio50:.2f})"
            summary["growth"] = {"p50_ratio": round(ratio50, 3), "p95_ratio": round(ratio95, 3)}
        else:
            met = True
        if failed:
            scenario.verdict = (
                f"FAILED ({figures['errors']} errors, {figures.get('cache_unexpected', 0)} wrong X-Cache)"
            )
            met = False
        if scenario.target or failed:
            summary["targets"].append({"scenario": scenario.name, "target": scenario.target, "met": met})
    return summary


def table(results: list[Scenario]) -> str:
    base = baseline_of(results).figures
    header = (
        "scenario",
        "conc",
        "requests",
        "errors",
        "req/s",
        "req/s ÷ healthz",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "p50 ÷ healthz",
        "server CPU ms/req",
        "other load",
        "target",
        "result",
    )

    def cells(name: str, s: Scenario | None, f: dict, conc: int) -> tuple[str, ...]:
        return (
            name,
            str(conc),
            str(f["requests"]),
            str(f["errors"]),
            "" if s is None else f"{f['req_s']:.0f}",
            "" if s is None or s.ratio_to_healthz is None else f"{s.ratio_to_healthz:.2f}",
            f"{f['p50_ms']:.1f}",
            f"{f['p95_ms']:.1f}",
            f"{f['p99_ms']:.1f}",
            "" if s is None or s.kind == "growth" else f"{f['p50_ms'] / base['p50_ms']:.1f}",
            "" if s is None else f"{f['server_cpu_ms_per_request']:.1f}",
            "" if s is None else f"{s.cpu['other']:.0%}",
            "" if s is None else s.target,
            "" if s is None else s.verdict,
        )

    rows = []
    for s in results:
        rows.append(cells(s.name, s, s.figures, s.concurrency))
        if s.kind == "growth":
            for tag, label in (("10k", "  at 10k flights"), ("1m", "  at 1M flights")):
                if tag in s.by_tag:
                    rows.append(cells(label, None, s.by_tag[tag], s.concurrency))
    widths = [max(len(header[i]), *(len(row[i]) for row in rows)) for i in range(len(header))]

    def line(row) -> str:
        return "| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) + " |"

    out = [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out.extend(line(row) for row in rows)
    return "\n".join(out)


def machine() -> dict:
    model = ""
    with open("/proc/cpuinfo") as info:
        for text in info:
            if text.startswith("model name"):
                model = text.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as info:
        total_kb = int(next(text for text in info if text.startswith("MemTotal")).split()[1])
    return {
        "cores": load.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(total_kb / 2**20, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "django": metadata.version("django"),
        "gunicorn": metadata.version("gunicorn"),
    }


def _preflight() -> None:
    """One clear line, not a traceback, when PostgreSQL or Redis is not there."""
    problems = []
    try:
        databases.connect("postgres").close()
    except Exception as exc:
        problems.append(f"PostgreSQL at {databases.PG_URL} ({' '.join(str(exc).split())})")
    try:
        redis.Redis.from_url(databases.REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as exc:
        problems.append(f"Redis at {databases.REDIS_URL} ({exc})")
    if problems:
        raise SystemExit(
            f"bench: unreachable: {'; '.join(problems)}. Start them (see README) or set BENCH_PG_URL / BENCH_REDIS_URL."
        )


def main() -> int:
    started = time.monotonic()
    today = datetime.now(UTC).date()
    big = databases.Database(
        "1m", _database_name("BENCH_DB_1M", "flightbook_bench_1m"), today, today + timedelta(days=YEAR_DAYS - 1)
    )
    small = databases.Database(
        "10k",
        _database_name("BENCH_DB_10K", "flightbook_bench_10k"),
        today + timedelta(days=1),
        today + timedelta(days=SMALL_DAYS),
    )
    _preflight()
    print(f"Search benchmark: {flights_per_day():,} flights a day; databases {big.name} and {small.name}")
    print("Data:")
    for db, stale in ((big, 31), (small, 0)):
        databases.ensure(db, stale_after_days=stale)
        how = f"built in {db.build_seconds:.0f} s" if db.action == "built" else db.action
        if db.action == "topped up":
            how += f" in {db.build_seconds:.0f} s"
        print(
            f"  {db.name}: {db.flights:,} flights, {db.fare_classes:,} fare classes, {db.size_mb:,.0f} MB, "
            f"{db.first_day}..{db.last_day}: {how} (recorded build time {db.recorded_build_seconds:.0f} s)",
            flush=True,
        )

    queries = Queries(
        routes=databases.routes(big.name),
        connecting=databases.connecting_pairs(big.name, day=small.first_day),
        first_day=today + timedelta(days=1),
        last_day=big.last_day,
        seed=SEED,
    )
    print(
        f"Queries: {len(queries.direct)} direct routes, {len(queries.one_stop)} connecting pairs "
        f"({len(queries.round_trip)} both ways), dates {queries.first_day}..{queries.last_day}"
    )
    busy = cpu.machine_busy()
    print(f"Machine busy before the run: {busy:.0%} of its {load.cpu_count()} cores")
    main_server = Server(label="1m", database=big.name, cache_prefix="bench1m")
    small_server = Server(label="10k", database=small.name, cache_prefix="bench10k")
    try:
        main_server.start()
        small_server.start()
        print(
            f"gunicorn: docker/gunicorn.conf.py, WEB_CONCURRENCY={WEB_CONCURRENCY}, "
            f"ports {main_server.port} (1M) and {small_server.port} (10k)"
        )
        results = run_scenarios(
            main=main_server,
            small=small_server,
            queries=queries,
            small_first=small.first_day,
            small_last=small.last_day,
        )
    finally:
        main_server.stop()
        small_server.stop()

    summary = judge(results)
    info = machine()
    info.update(databases.server_versions(big.name))
    info["redis"] = redis.Redis.from_url(databases.REDIS_URL).info("server")["redis_version"]
    print()
    print(
        f"Machine: {info['cores']} cores ({info['cpu_model']}), {info['memory_gib']} GiB, Python {info['python']}, "
        f"PostgreSQL {info['postgresql']}"
    )
    print(table(results))
    failed = [t["scenario"] for t in summary["targets"] if not t["met"]]
    print(f"\nTargets missed or failed: {', '.join(failed) if failed else 'none'}")
    disturbed = [s.name for s in results if s.cpu["other"] > DISTURBED_SHARE]
    summary["disturbed"] = disturbed
    if disturbed:
        print(
            f"WARNING: other work used more than {DISTURBED_SHARE:.0%} of the machine during: {', '.join(disturbed)}. "
            "Those figures are disturbed; run again on a quiet machine."
        )

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    report = {
        "benchmark": "search",
        "when": stamp,
        "machine": info,
        "settings": {
            "concurrency": CONCURRENCY,
            "web_concurrency": WEB_CONCURRENCY,
            "seconds_per_scenario": SECONDS,
            "warmup_seconds": WARMUP_SECONDS,
            "seed": SEED,
            "flights_per_day": flights_per_day(),
            "requests_per_connection": load.REQUESTS_PER_CONNECTION,
        },
        "machine_busy_before": round(busy, 3),
        "databases": [big.as_dict(), small.as_dict()],
        "scenarios": [s.__dict__ for s in results],
        "summary": summary,
        "total_seconds": round(time.monotonic() - started, 1),
    }
    text = json.dumps(report, indent=2, default=str)
    (ARTIFACTS / f"search-{stamp}.json").write_text(text)
    (ARTIFACTS / "search-latest.json").write_text(text)
    print(f"Results: test-artifacts/bench/search-{stamp}.json ({report['total_seconds']:.0f} s in all)")
    errors = any(s.figures["errors"] for s in results)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
