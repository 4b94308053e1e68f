"""API throttles on Redis (the default cache): each client — an API key, else a user, else
an IP address — has a sustained and a burst rate for the API as a whole, and for the
endpoints that cost most or are abused most (anonymous search, booking, paying, signing
in) a pair of their own. Rates live in `settings.API_THROTTLE_RATES` and are read per
request. A refusal is 429 problem+json `throttled` with `Retry-After`.

The counters live in the `throttles` cache (apps/core/cache.py). While Redis does not
answer, that store misses, so every request is let through: the throttles fail open,
counted in `flightbook_degraded_total{component="throttle"}` and logged (DESIGN.md §5)."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import caches
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


class _RateFromSettings(SimpleRateThrottle):
    window = ""  # "sustained" or "burst"

    def __init__(self) -> None:  # the rate depends on the request: set in allow_request
        self.rate = None

    @property
    def cache(self):
        return caches["throttles"]

    def scope_for(self, request: Request, view) -> str | None:
        raise NotImplementedError

    def allow_request(self, request: Request, view) -> bool:
        scope = self.scope_for(request, view)
        if scope is None:
            return True
        self.scope = f"{scope}_{self.window}"
        self.rate = settings.API_THROTTLE_RATES.get(self.scope)
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

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
