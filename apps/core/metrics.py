"""Prometheus metrics. Under gunicorn with several workers set PROMETHEUS_MULTIPROC_DIR
so that `/metrics` aggregates every worker (prometheus_client's multiprocess mode)."""

from __future__ import annotations

import os

from prometheus_client import REGISTRY as DEFAULT_REGISTRY
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess

HTTP_REQUESTS = Counter("flightbook_http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_LATENCY = Histogram(
    "flightbook_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
OUTBOX_DISPATCHED = Counter("flightbook_outbox_events_dispatched_total", "Outbox events dispatched", ["topic"])
# Work done without a dependency that did not answer (apps/core/degrade.py): component is
# "throttle", "cache", "broker" or "database".
DEGRADED = Counter(
    "flightbook_degraded_total", "Operations served without a dependency that did not answer", ["component"]
)


def observe_request(*, method: str, route: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(method, route, str(status)).inc()
    HTTP_LATENCY.labels(method, route).observe(seconds)


def render() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(DEFAULT_REGISTRY)
