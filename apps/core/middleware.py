from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from apps.core import degrade, metrics, views
from apps.core.logging import clean_request_id, request_id_var


class RequestIdMiddleware:
    """Reads `X-Request-ID` (or makes one), exposes it to logs and tasks, echoes it back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = clean_request_id(request.headers.get("X-Request-ID"))
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


class MetricsMiddleware:
    """Counts requests and their latency per route for `/metrics`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = match.route if match and match.route else "unmatched"
        metrics.observe_request(
            method=request.method or "", route=route, status=response.status_code, seconds=time.perf_counter() - started
        )
        return response


class DatabaseUnavailableMiddleware:
    """A page whose database went away (down, restarting, connection lost) answers 503
    with Retry-After instead of an error page 500. The API answers the same through its
    exception handler; failures inside other middleware reach `views.server_error`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not degrade.database_unavailable(exception):
            return None
        degrade.degraded("database", f"{type(exception).__name__}: {exception}")
        return views.database_unavailable(request)
