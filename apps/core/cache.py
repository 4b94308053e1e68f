"""Redis as a cache should be: optional. When Redis does not answer, reads miss, writes are
dropped and the request carries on (DESIGN.md §5); each such operation is counted and
logged through `apps.core.degrade`.

Sockets time out after a fraction of a second, and after a failure this process leaves
Redis alone for RETRY_AFTER_SECONDS, so a dead Redis costs a request microseconds, not a
connect timeout per cache call. `ping()` bypasses all this for the readiness check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from apps.core import degrade

# BusyLoadingError (Redis still loading its data set) is a ConnectionError too.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
RETRY_AFTER_SECONDS = 2.0
DEFAULT_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}

# Per server, shared by every alias and thread of this process.
_breakers: dict[str, degrade.Breaker] = {}


class DegradingRedisCache(RedisCache):
    """Django's RedisCache whose connection errors and timeouts become misses and no-ops."""

    component = "cache"  # the label of flightbook_degraded_total

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        params = {**params, "OPTIONS": {**DEFAULT_OPTIONS, **(params.get("OPTIONS") or {})}}
        super().__init__(server, params)

    @property
    def _breaker(self) -> degrade.Breaker:
        return _breakers.setdefault(self._servers[0], degrade.Breaker(RETRY_AFTER_SECONDS))

    def _or(self, fallback: Any, operation: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self._breaker.tripped:
            degrade.degraded(self.component, "Redis did not answer a moment ago")
            return fallback
        try:
            return operation(*args, **kwargs)
        except UNREACHABLE as exc:
            self._breaker.trip()
            degrade.degraded(self.component, f"{type(exc).__name__}: {exc}")
            return fallback

    @property
    def available(self) -> bool:
        """False while this process leaves Redis alone after a failure: what the last call
        returned may have been the fallback, not Redis's answer."""
        return not self._breaker.tripped

    def ping(self) -> None:
        """Raise unless Redis answers now."""
        self._cache.get_client(write=True).ping()
        self._breaker.reset()

    def get(self, key, default=None, version=None):
        return self._or(default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._or({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._or(False, super().has_key, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._or(None, super().set, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._or(list(data), super().set_many, data, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # Reported as added: locks built on add() (allauth's rate limits) then fail open,
        # like the throttles, instead of waiting for a lock nobody can take.
        return self._or(True, super().add, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._or(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._or(False, super().delete, key, version)

    def delete_many(self, keys, version=None):
        return self._or(None, super().delete_many, keys, version)

    def incr(self, key, delta=1, version=None):
        missing = object()
        value = self._or(missing, super().incr, key, delta, version)
        if value is missing:
            raise ValueError(f"Key '{key}' not found")  # what a miss looks like to incr()
        return value

    def clear(self):
        return self._or(False, super().clear)


class ThrottleRedisCache(DegradingRedisCache):
    """The API throttles' store: a miss is an empty request history, so the throttles let
    requests through while Redis is away (counted as component="throttle")."""

    component = "throttle"
