"""API throttles on Redis (the default cache): each client — an API key, else a user, else
an IP address — has a sustained and a burst rate for the API as a whole, and for the
endpoints that cost most or are abused most (anonymous search, booking, paying, signing
in) a pair of their own. Rates live in `settings.API_THROTTLE_RATES` and are read per
request; a partner's plan (`Partner.rate_limits`, set in the admin) overrides some of them
for its keys and agents. A refusal is 429 problem+json `throttled` with `Retry-After`.

Every throttle that counts a request leaves its budget on the request; the
`RateLimitHeadersMiddleware` then sends the one closest to running out as
`RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (DESIGN.md §4).

The counters live in the `throttles` cache (apps/core/cache.py). While Redis does not
answer, that store misses, so every request is let through: the throttles fail open,
counted in `flightbook_degraded_total{component="throttle"}` and logged (DESIGN.md §5).
The budgets are then unknown, and no RateLimit header is sent rather than a wrong one."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from apps.core.api.clients import client_ident

# (URL name, method, who) → endpoint scope; who is "anon", "any".
ENDPOINT_SCOPES = {
    ("flight-search", "GET", "anon"): "search_anon",
    ("booking-list", "POST", "any"): "booking",
    ("booking-payment-create", "POST", "any"): "payment",
    ("token_obtain_pair", "POST", "any"): "login",
    ("booking-lookup", "POST", "any"): "lookup",
    # Erasure asks for the password: as guessable as signing in.
    ("me", "DELETE", "any"): "login",
}
WINDOWS = ("sustained", "burst")
# The scopes a partner's plan may set for its keys and agents (who are never anonymous).
PARTNER_SCOPES = {
    "user": "API as a whole",
    "booking": "booking creation",
    "payment": "payments",
    "lookup": "booking lookup",
}
RATE = re.compile(r"(?P<count>[1-9][0-9]{0,8})/(?P<period>second|minute|hour|day)")
RATE_MESSAGE = "Write a rate as a number of requests per second, minute, hour or day, e.g. “600/minute”."


def rate_check(value: str) -> None:
    """Refuse a rate that is not `<requests>/<second|minute|hour|day>` with at least one request."""
    if not RATE.fullmatch(value or ""):
        raise ValidationError(RATE_MESSAGE, code="invalid_rate")


def partner_scope_names() -> list[str]:
    """The `API_THROTTLE_RATES` entries a partner's plan may override."""
    return [f"{scope}_{window}" for scope in PARTNER_SCOPES for window in WINDOWS]


def _partner_rates(request: Request) -> dict[str, str]:
    """The overrides of the plan of the partner whose key or agent is calling, if any."""
    user = request.user
    api_key = getattr(user, "api_key", None)
    if api_key is not None:
        partner = api_key.partner
    elif getattr(user, "partner_id", None) is not None:
        partner = user.partner
    else:
        return {}
    return partner.rate_limits or {}


@dataclass(frozen=True)
class Budget:
    """One window's budget for this client after this request: `reset` is the seconds until
    the oldest request counted in it leaves the window (with none left, when the next is let in)."""

    limit: int
    remaining: int
    reset: int


def _budgets(request: HttpRequest) -> list[Budget | None]:
    if not hasattr(request, "rate_limit_budgets"):
        request.rate_limit_budgets = []
    return request.rate_limit_budgets


def tightest_budget(request: HttpRequest) -> Budget | None:
    """The budget closest to running out (fewest requests left; of those, the longest wait),
    or None when no throttle counted this request or one could not read its counter."""
    budgets = getattr(request, "rate_limit_budgets", [])
    if not budgets or None in budgets:
        return None
    return min(budgets, key=lambda budget: (budget.remaining, -budget.reset))


class _RateFromSettings(SimpleRateThrottle):
    window = ""  # "sustained" or "burst"

    def __init__(self) -> None:  # the rate depends on the request: set in allow_request
        self.rate = None

    @property
    def cache(self):
        return caches["throttles"]

    def scope_for(self, request: Request, view) -> str | None:
        raise NotImplementedError

    def rate_for(self, request: Request) -> str | None:
        override = _partner_rates(request).get(self.scope)
        if override and RATE.fullmatch(override):
            return override
        return settings.API_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request: Request, view) -> bool:
        scope = self.scope_for(request, view)
        if scope is None:
            return True
        self.scope = f"{scope}_{self.window}"
        self.rate = self.rate_for(request)
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        allowed = super().allow_request(request, view)
        # A store that did not answer read as an empty history: the budget is unknown.
        known = getattr(self.cache, "available", True)
        _budgets(request._request).append(self._budget() if known else None)
        return allowed

    def _seconds_until_one_leaves(self) -> float:
        # The history is newest first; once the entry at index num_requests - 1 has left the
        # window, fewer than num_requests remain in it (and one more request is let in).
        if not self.history:
            return self.duration
        oldest_that_counts = self.history[min(len(self.history), self.num_requests) - 1]
        return max(0.0, self.duration - (self.now - oldest_that_counts))

    def _budget(self) -> Budget:
        return Budget(
            limit=self.num_requests,
            remaining=max(0, self.num_requests - len(self.history)),
            reset=math.ceil(self._seconds_until_one_leaves()),
        )

    def wait(self) -> float:
        # DRF's estimate spreads the wait over the requests left, and gives none when a lower
        # rate (a partner's new plan) leaves more requests in the window than it allows.
        return self._seconds_until_one_leaves()

    def get_cache_key(self, request: Request, view) -> str:
        return f"throttle:{self.scope}:{client_ident(request)}"


class _ApiWide(_RateFromSettings):
    def scope_for(self, request: Request, view) -> str | None:
        authenticated = request.user is not None and request.user.is_authenticated
        return "user" if authenticated else "anon"


class _Endpoint(_RateFromSettings):
    def scope_for(self, request: Request, view) -> str | None:
        match = request.resolver_match
        if match is None:
            return None
        authenticated = request.user is not None and request.user.is_authenticated
        return ENDPOINT_SCOPES.get((match.url_name, request.method, "any")) or (
            None if authenticated else ENDPOINT_SCOPES.get((match.url_name, request.method, "anon"))
        )


class ApiSustained(_ApiWide):
    window = "sustained"


class ApiBurst(_ApiWide):
    window = "burst"


class EndpointSustained(_Endpoint):
    window = "sustained"


class EndpointBurst(_Endpoint):
    window = "burst"
