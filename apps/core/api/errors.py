"""problem+json (RFC 9457) for every API error, in the shape of DESIGN.md §4:
`{type, title, status, detail, code, errors?}`."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core import degrade
from apps.core.errors import DomainError, TryAgain

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://flightbook.example/problems/"
LOCK_NOT_AVAILABLE = "55P03"
DEADLOCK_DETECTED = "40P01"

# DRF's own exception classes and the stable codes we give them.
_DRF_CODES: list[tuple[type[exceptions.APIException], str, str]] = [
    (exceptions.ValidationError, "validation_error", "Some fields are not valid."),
    (exceptions.ParseError, "malformed_request", "The request body could not be parsed."),
    (exceptions.NotAuthenticated, "not_authenticated", "Authentication is required."),
    (exceptions.AuthenticationFailed, "authentication_failed", "The credentials were not accepted."),
    (exceptions.PermissionDenied, "permission_denied", "You may not do this."),
    (exceptions.NotFound, "not_found", "Not found."),
    (exceptions.MethodNotAllowed, "method_not_allowed", "This method is not allowed here."),
    (exceptions.NotAcceptable, "not_acceptable", "The requested format is not available."),
    (exceptions.UnsupportedMediaType, "unsupported_media_type", "This content type is not supported."),
    (exceptions.Throttled, "throttled", "Too many requests; slow down."),
]


def problem(*, status_code: int, code: str, title: str, detail: str, errors: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": title,
        "status": status_code,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    return body


def problem_response(body: dict[str, Any], headers: dict | None = None) -> Response:
    return Response(body, status=body["status"], headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def problem_json_response(body: dict[str, Any]) -> JsonResponse:
    """The same body for plain Django views (404/500 handlers outside DRF)."""
    return JsonResponse(body, status=body["status"], content_type=PROBLEM_CONTENT_TYPE)


def service_unavailable_problem() -> dict[str, Any]:
    """The answer while the database cannot be reached (sent with Retry-After)."""
    return problem(
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        code="service_unavailable",
        title="The service is briefly unavailable.",
        detail="Our database cannot be reached right now; please retry shortly.",
    )


def service_unavailable_headers() -> dict[str, str]:
    return {"Retry-After": str(degrade.DATABASE_RETRY_AFTER_SECONDS)}


def _detail_text(detail: Any) -> str:
    if isinstance(detail, (list, tuple)) and detail:
        return _detail_text(detail[0])
    if isinstance(detail, dict):
        return "Some fields are not valid."
    return str(detail)


def _as_domain_error(exc: Exception) -> Exception:
    """Database contention that escaped the code's own handling is still "busy, retry"."""
    if isinstance(exc, OperationalError):
        sqlstate = getattr(exc.__cause__, "sqlstate", None)
        if sqlstate in (LOCK_NOT_AVAILABLE, DEADLOCK_DETECTED):
            return TryAgain()
    if isinstance(exc, RequestDataTooBig):
        return exceptions.ValidationError({"non_field_errors": ["The request body is too large."]})
    if isinstance(exc, SuspiciousOperation):
        return exceptions.ParseError("The request was malformed.")
    return exc


def problem_exception_handler(exc: Exception, context: dict) -> Response | None:
    if degrade.database_unavailable(exc):
        degrade.degraded("database", f"{type(exc).__name__}: {exc}")
        response = problem_response(service_unavailable_problem(), headers=service_unavailable_headers())
        response._has_been_logged = True  # reported by degrade (rate-limited), not once per request
        return response
    exc = _as_domain_error(exc)
    if isinstance(exc, DomainError):
        body = problem(status_code=exc.status, code=exc.code, title=exc.title, detail=exc.detail, errors=exc.errors)
        return problem_response(body)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        # Not an API exception: an unexpected failure. Log it with its traceback, answer 500.
        logger.exception("Unhandled API error", exc_info=exc)
        body = problem(
            status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
            code="server_error",
            title="Something went wrong on our side.",
            detail="The error has been logged; please try again later.",
        )
        return problem_response(body)

    code, title = "error", "The request could not be completed."
    for cls, drf_code, drf_title in _DRF_CODES:
        if isinstance(exc, cls):
            code, title = drf_code, drf_title
            break
    errors = None
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        detail = _first_error_sentence(errors)
    else:
        detail = _detail_text(exc.detail)
    body = problem(status_code=response.status_code, code=code, title=title, detail=detail, errors=errors)
    headers = {k: v for k, v in response.items() if k in ("WWW-Authenticate", "Retry-After", "Allow")}
    return problem_response(body, headers=headers)


def _first_error_sentence(errors: Any, prefix: str = "") -> str:
    """A human sentence naming the first invalid field, e.g. "origin: Unknown airport."."""
    if isinstance(errors, dict):
        for field, value in errors.items():
            name = field if field == "non_field_errors" else f"{prefix}{field}"
            if field == "non_field_errors":
                return _first_error_sentence(value, prefix)
            return _first_error_sentence(value, f"{name}: " if not isinstance(value, dict) else f"{name}.")
    if isinstance(errors, list) and errors:
        first = errors[0]
        if isinstance(first, (dict, list)):
            return _first_error_sentence(first, prefix)
        return f"{prefix}{first}"
    return f"{prefix}{errors}"
