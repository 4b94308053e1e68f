from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError

from apps.core import degrade, metrics, views
from apps.core.api.errors import error_sentence
from apps.core.api.parsers import NUL, NUL_MESSAGE
from apps.core.api.throttles import tightest_budget
from apps.core.logging import clean_request_id, request_id_var
from apps.core.views import refusal

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
MULTIPART_CONTENT_TYPE = "multipart/form-data"


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


# Any other method is counted as "other": a client must not mint a new series per request.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class MetricsMiddleware:
    """Counts requests and their latency per route for `/metrics`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = match.route if match and match.route else "unmatched"
        method = request.method if request.method in KNOWN_METHODS else "other"
        metrics.observe_request(
            method=method, route=route, status=response.status_code, seconds=time.perf_counter() - started
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


def _nul_fields(values: QueryDict) -> dict[str, list[str]]:
    return {
        key.replace(NUL, "") or "non_field_errors": [NUL_MESSAGE]
        for key, items in values.lists()
        if NUL in key or any(NUL in item for item in items)
    }


class RequestShapeMiddleware:
    """Refuses, before any view runs, requests no view could answer sensibly:

    - a path and query longer than `REQUEST_URI_MAX_LENGTH`: 414 `uri_too_long`;
    - a body (other than a file upload) longer than `DATA_UPLOAD_MAX_MEMORY_SIZE`: 413
      `payload_too_large`;
    - a NUL character in the path: 404, as for any unknown locator or page;
    - a NUL character in a query parameter or a form field: 400 `validation_error`.

    PostgreSQL refuses NUL in text, so a NUL that reached a query would be a 500. JSON
    bodies get the same checks in the API's parser (`apps.core.api.parsers`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refused = self._refusal(request)
        return refused if refused is not None else self.get_response(request)

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        if len(request.get_full_path()) > settings.REQUEST_URI_MAX_LENGTH:
            return refusal(
                request,
                status=414,
                code="uri_too_long",
                title="The request URI is too long.",
                detail=f"Send at most {settings.REQUEST_URI_MAX_LENGTH} characters of path and query.",
            )
        if NUL in request.path:
            return refusal(request, status=404, code="not_found", title="Not found.", detail="No such resource.")
        bad = _nul_fields(request.GET)
        # A file upload's size is Django's to limit (DATA_UPLOAD_MAX_MEMORY_SIZE leaves files out).
        too_large = self._too_large(request) if request.content_type != MULTIPART_CONTENT_TYPE else None
        if too_large is not None:
            return too_large
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            try:
                bad |= self._nul_form_fields(request)
            except RequestDataTooBig:
                return self._too_large(request, always=True)
            except (SuspiciousOperation, MultiPartParserError):
                pass  # too many fields, a broken upload: the view's own refusal
        if bad:
            return refusal(
                request,
                status=400,
                code="validation_error",
                title="Some fields are not valid.",
                detail=error_sentence(bad),
                errors=bad,
            )
        return None

    @staticmethod
    def _nul_form_fields(request: HttpRequest) -> dict[str, list[str]]:
        """Form fields with a NUL: urlencoded bodies everywhere, multipart ones on pages
        (the API reads JSON only, so it never parses them)."""
        if request.content_type == FORM_CONTENT_TYPE:
            return _nul_fields(request.POST if request.method == "POST" else QueryDict(request.body))
        on_a_page = not request.path.startswith("/api/")
        if request.content_type == MULTIPART_CONTENT_TYPE and request.method == "POST" and on_a_page:
            return _nul_fields(request.POST)
        return {}

    @staticmethod
    def _too_large(request: HttpRequest, *, always: bool = False) -> HttpResponse | None:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if not always and (limit is None or length <= limit):
            return None
        return refusal(
            request,
            status=413,
            code="payload_too_large",
            title="The request body is too large.",
            detail=f"Send at most {limit} bytes.",
        )


class RateLimitHeadersMiddleware:
    """Tells an API client how much of its budget is left (DESIGN.md §4): `RateLimit-Limit`,
    `RateLimit-Remaining` and `RateLimit-Reset` (seconds) of the budget closest to running
    out among those the throttles counted this request in (apps/core/api/throttles.py).
    Nothing when no throttle counted it, or when a counter could not be read (Redis away)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        budget = tightest_budget(request)
        if budget is not None:
            response["RateLimit-Limit"] = str(budget.limit)
            response["RateLimit-Remaining"] = str(budget.remaining)
            response["RateLimit-Reset"] = str(budget.reset)
            if response.status_code == 429 and budget.remaining == 0:
                # DRF waits for the budgets this request went over; one it just used up may last longer.
                response["Retry-After"] = str(max(budget.reset, int(response.get("Retry-After") or 0)))
        return response
