"""The load generator: processes of threads, each thread with its own keep-alive
connection (http.client), taking the next request from a shared counter until the list
is done or the time is up. Every request's latency, status and X-Cache are recorded.

Closed loop: a connection sends its next request when the previous answer is read, so
`concurrency` requests are in flight at any time. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import http.client
import json
import math
import multiprocessing
import os
import statistics
import threading
import time
from dataclasses import dataclass, field

HOST = "127.0.0.1"
SOCKET_TIMEOUT = 35  # beyond gunicorn's 30 s worker timeout
PROCESSES = 2  # two client processes, so the client is never one GIL behind the server
# Keep-alive connections are reopened after this many requests (0: never), as a proxy's
# upstream keep-alive does (nginx: keepalive_requests). gunicorn's gthread workers each
# keep the connections they accepted, so without this one unlucky accept could leave a
# worker with most connections for a whole scenario; see docs/performance.md.
REQUESTS_PER_CONNECTION = int(os.environ.get("BENCH_REQUESTS_PER_CONNECTION", "20"))
_RETRYABLE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError)


@dataclass(frozen=True)
class Job:
    port: int
    path: str
    tag: str = ""


@dataclass(frozen=True)
class Sample:
    tag: str
    seconds: float
    status: int  # 0: no answer
    cache: str  # the X-Cache header, "" when absent
    size: int
    offers: int | None = None  # offers in the answer (`count`), when inspecting
    error: str = ""


@dataclass
class Run:
    samples: list[Sample]
    elapsed: float  # first request sent to last answer read
    reconnects: int  # keep-alive connections the server had closed, reopened and retried
    client_cpu: float  # CPU seconds the load generator used
    timed_out: bool  # stopped by the time limit before the end of the list
    extra: dict = field(default_factory=dict)


def _fetch(conns: dict[int, http.client.HTTPConnection], served: dict[int, int], job: Job, inspect: bool):
    """One GET. A connection is closed after REQUESTS_PER_CONNECTION requests (the next
    request opens a new one); one the server closed meanwhile is reopened and retried once."""
    reconnected = 0
    started = time.perf_counter()
    for attempt in (1, 2):
        conn = conns.get(job.port)
        if conn is None:
            conn = conns[job.port] = http.client.HTTPConnection(HOST, job.port, timeout=SOCKET_TIMEOUT)
        if REQUESTS_PER_CONNECTION and served.get(job.port, 0) >= REQUESTS_PER_CONNECTION:
            conn.close()
            served[job.port] = 0
        try:
            conn.request("GET", job.path)
            response = conn.getresponse()
            body = response.read()
        except _RETRYABLE as exc:
            conn.close()
            if attempt == 1 and served.get(job.port, 0) > 0:
                served[job.port] = 0
                reconnected = 1
                continue
            return Sample(job.tag, time.perf_counter() - started, 0, "", 0, error=type(exc).__name__), reconnected
        except OSError as exc:
            conn.close()
            served[job.port] = 0
            return Sample(job.tag, time.perf_counter() - started, 0, "", 0, error=type(exc).__name__), reconnected
        seconds = time.perf_counter() - started
        served[job.port] = 0 if response.will_close else served.get(job.port, 0) + 1
        offers = None
        if inspect and response.status == 200 and body.startswith(b"{"):
            offers = json.loads(body).get("count")
        cache = response.getheader("X-Cache") or ""
        return Sample(job.tag, seconds, response.status, cache, len(body), offers), reconnected
    raise AssertionError("unreachable")


def _process(jobs, counter, barrier, threads, max_seconds, inspect, out) -> None:
    cpu_started = time.process_time()
    results: list[list] = [[] for _ in range(threads)]
    spans: list[list[float]] = [[] for _ in range(threads)]
    reconnects = [0] * threads
    stopped_by_time = [False] * threads
    deadline_box: list[float] = []

    def worker(index: int) -> None:
        conns: dict[int, http.client.HTTPConnection] = {}
        served: dict[int, int] = {}
        for port in {job.port for job in jobs[: 4 * threads]}:  # connect before the clock starts
            conns[port] = http.client.HTTPConnection(HOST, port, timeout=SOCKET_TIMEOUT)
            conns[port].connect()
        connected.wait()
        ready.wait()
        deadline = deadline_box[0]
        first = last = time.monotonic()
        while True:
            with counter.get_lock():
                position = counter.value
                if position >= len(jobs):
                    break
                counter.value = position + 1
            if time.monotonic() >= deadline:
                stopped_by_time[index] = True
                break
            sample, again = _fetch(conns, served, jobs[position], inspect)
            results[index].append(sample)
            reconnects[index] += again
            last = time.monotonic()
        spans[index] = [first, last]
        for conn in conns.values():
            conn.close()

    connected = threading.Barrier(threads + 1)
    ready = threading.Event()
    pool = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    for thread in pool:
        thread.start()
    connected.wait()  # this process's connections are open
    barrier.wait()  # and every other process's: start together
    deadline_box.append(time.monotonic() + max_seconds)
    ready.set()
    for thread in pool:
        thread.join()
    out.put(
        {
            "samples": [sample for part in results for sample in part],
            "start": min(span[0] for span in spans),
            "end": max(span[1] for span in spans),
            "reconnects": sum(reconnects),
            "timed_out": any(stopped_by_time),
            "cpu": time.process_time() - cpu_started,
        }
    )


def run(jobs: list[Job], *, concurrency: int, max_seconds: float, inspect: bool = False) -> Run:
    """Send `jobs` (at most, within `max_seconds`) over `concurrency` connections."""
    context = multiprocessing.get_context("fork")
    processes = max(1, min(PROCESSES, concurrency))
    shares = [concurrency // processes + (1 if i < concurrency % processes else 0) for i in range(processes)]
    counter = context.Value("l", 0)
    barrier = context.Barrier(processes)
    out = context.Queue()
    children = [
        context.Process(target=_process, args=(jobs, counter, barrier, threads, max_seconds, inspect, out), daemon=True)
        for threads in shares
    ]
    for child in children:
        child.start()
    parts = [out.get(timeout=max_seconds + 4 * SOCKET_TIMEOUT) for _ in children]
    for child in children:
        child.join(timeout=10)
        if child.is_alive():
            child.kill()
    return Run(
        samples=[sample for part in parts for sample in part["samples"]],
        elapsed=max(part["end"] for part in parts) - min(part["start"] for part in parts),
        reconnects=sum(part["reconnects"] for part in parts),
        client_cpu=sum(part["cpu"] for part in parts),
        timed_out=any(part["timed_out"] for part in parts),
    )


# --- Figures ---------------------------------------------------------------------------


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def summarize(samples: list[Sample], elapsed: float, *, expect_cache: str | None = None) -> dict:
    """Counts, req/s and latency percentiles (ms) of a run or of part of it."""
    latencies = sorted(sample.seconds * 1000 for sample in samples)
    errors = [sample for sample in samples if sample.status != 200]
    offers = [sample.offers for sample in samples if sample.offers is not None]
    error_kinds: dict[str, int] = {}
    for sample in errors:
        kind = sample.error or f"HTTP {sample.status}"
        error_kinds[kind] = error_kinds.get(kind, 0) + 1
    figures = {
        "requests": len(samples),
        "errors": len(errors),
        "error_kinds": error_kinds,
        "req_s": round(len(samples) / elapsed, 1) if elapsed > 0 else 0.0,
        "p50_ms": round(percentile(latencies, 50), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "mean_ms": round(statistics.fmean(latencies), 2) if latencies else math.nan,
        "max_ms": round(latencies[-1], 2) if latencies else math.nan,
        "mean_bytes": round(statistics.fmean(sample.size for sample in samples)) if samples else 0,
        "cache_hits": sum(1 for sample in samples if sample.cache == "hit"),
        "cache_misses": sum(1 for sample in samples if sample.cache == "miss"),
    }
    if expect_cache is not None:
        figures["cache_unexpected"] = sum(
            1 for sample in samples if sample.status == 200 and sample.cache != expect_cache
        )
    if offers:
        figures["offers_median"] = statistics.median(offers)
        figures["offers_empty_share"] = round(sum(1 for n in offers if n == 0) / len(offers), 3)
    return figures


def cpu_count() -> int:
    return len(os.sched_getaffinity(0))
