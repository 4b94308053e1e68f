"""Serving without a dependency (DESIGN.md §5, "Degrade, don't fall over").

Redis is a cache, broker and throttle store, not a system of record: when it does not
answer, throttles let requests through, caches miss and events wait in the outbox. Each
such operation is counted in `flightbook_degraded_total{component=...}` and logged as a
warning, at most once per LOG_EVERY_SECONDS per component and process, so an outage does
not flood the log. PostgreSQL is the system of record: without it a request answers 503
`service_unavailable` with `Retry-After` (`database_unavailable` tells the cases apart)."""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict

from django.db import InterfaceError, OperationalError

from apps.core import metrics

logger = logging.getLogger(__name__)

LOG_EVERY_SECONDS = 10.0
# What a client is told to wait before retrying while the database is away.
DATABASE_RETRY_AFTER_SECONDS = 5
# SQLSTATEs of a server that is shutting down, starting up or out of connections; class 08
# is "connection exception". Lock timeouts (55P03) and deadlocks (40P01) are not here:
# the database answered, and they are 409 `try_again`.
_UNAVAILABLE_SQLSTATES = {"57P01", "57P02", "57P03", "53300"}

_lock = threading.Lock()
_last_logged: dict[str, float] = {}
_suppressed: dict[str, int] = defaultdict(int)


def degraded(component: str, reason: object) -> None:
    """Count one operation done without `component`, and say so in the log (rate-limited)."""
    metrics.DEGRADED.labels(component).inc()
    now = time.monotonic()
    with _lock:
        last = _last_logged.get(component)
        if last is not None and now - last < LOG_EVERY_SECONDS:
            _suppressed[component] += 1
            return
        _last_logged[component] = now
        suppressed = _suppressed.pop(component, 0)
    more = f" ({suppressed} more since the last report)" if suppressed else ""
    logger.warning("degraded: %s unavailable, carrying on without it: %s%s", component, reason, more)


class Breaker:
    """After a failure, this process skips the dependency for `seconds`: one timeout per
    window instead of one per call while it hangs."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._until = 0.0

    @property
    def tripped(self) -> bool:
        return time.monotonic() < self._until

    def trip(self) -> None:
        self._until = time.monotonic() + self.seconds

    def reset(self) -> None:
        self._until = 0.0


def database_unavailable(exc: BaseException) -> bool:
    """True when `exc` means the database cannot be reached (down, restarting, connection
    lost), as opposed to a query it refused."""
    if isinstance(exc, InterfaceError):
        return True  # the connection was closed under us
    if isinstance(exc, OperationalError):
        sqlstate = getattr(exc.__cause__, "sqlstate", None)
        # No SQLSTATE: the driver could not connect or lost the server mid-query.
        return sqlstate is None or sqlstate.startswith("08") or sqlstate in _UNAVAILABLE_SQLSTATES
    return False
