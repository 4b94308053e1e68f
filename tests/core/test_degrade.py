"""Redis unreachable, in-process (tests/faults/ does it to a running server): the cache
misses, the throttles let requests through, signing in still works; each is counted in
`flightbook_degraded_total` and said in the log."""

from __future__ import annotations

import logging

import pytest
from prometheus_client import REGISTRY
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework.test import APIClient

from apps.core import degrade
from apps.core.cache import DegradingRedisCache
from tests.accounts.helpers import PASSWORD, verified_user

UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens there


def _degraded(component: str) -> float:
    return REGISTRY.get_sample_value("flightbook_degraded_total", {"component": component}) or 0.0


@pytest.fixture(autouse=True)
def _fresh_log_budget():
    degrade._last_logged.clear()  # the warning is rate-limited per process; each test sees its own


@pytest.fixture
def redis_unreachable_for(settings):
    """Point one cache alias (or several) at a Redis that does not answer."""

    def point(*aliases: str) -> None:
        settings.CACHES = {
            **settings.CACHES,
            **{alias: {**settings.CACHES[alias], "LOCATION": UNREACHABLE} for alias in aliases},
        }

    return point


def test_cache_answers_as_a_miss_while_redis_is_unreachable_and_counts_it(caplog):
    store = DegradingRedisCache(UNREACHABLE, {})
    before = _degraded("cache")

    with caplog.at_level(logging.WARNING, logger="apps.core.degrade"):
        store.set("seatmap:1", {"rows": 30})  # dropped, not raised
        assert store.get("seatmap:1", "miss") == "miss"
        assert store.get_many(["seatmap:1"]) == {}
        assert store.add("lock:1", 1) is True
        with pytest.raises(ValueError, match="not found"):
            store.incr("counter")

    assert _degraded("cache") == before + 5
    assert "degraded: cache unavailable" in caplog.text
    with pytest.raises(RedisConnectionError):
        store.ping()  # what /readyz asks: the real answer, not the miss


@pytest.mark.django_db
def test_api_lets_requests_through_while_the_throttle_store_is_unreachable(settings, redis_unreachable_for, caplog):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "anon_burst": "1/minute"}
    redis_unreachable_for("throttles")
    before = _degraded("throttle")

    with caplog.at_level(logging.WARNING, logger="apps.core.degrade"):
        client = APIClient()
        answers = [client.get("/api/v1/airports/", {"q": "lon"}).status_code for _ in range(3)]

    assert answers == [200, 200, 200]  # with the store up, the second would be 429
    assert _degraded("throttle") > before
    assert "degraded: throttle unavailable" in caplog.text


@pytest.mark.django_db
def test_signing_in_works_while_the_cache_is_unreachable(api_client, redis_unreachable_for):
    # allauth keeps its login rate limits (and their lock) in the default cache.
    user = verified_user()
    redis_unreachable_for("default", "throttles")

    response = api_client.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD})

    assert response.status_code == 200, response.content
    assert response.json()["access"]
