"""problem+json (RFC 9457) for every API error, in the shape of DESIGN.md §4:
`{type, title, status, detail, code, errors?}`.

`errors` is one flat object whatever raised it (a serializer, a service, the parser):
each key is the path of a field, dotted, with list positions in brackets
(`passengers[0].family_name`, `contact.email`, `seats[1]`), and each value a list of
plain sentences. An error about the request as a whole is keyed `non_field_errors`.
`detail` repeats the first of them as one sentence a person can read:
"Passenger 1, family name: This field is required."."""

from __future__ import annotations

import logging
import re
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

NON_FIELD_ERRORS = "non_field_errors"
# What a 401 asks for when the error names no scheme of its own (simplejwt's own challenge).
DEFAULT_CHALLENGE = 'Bearer realm="api"'
# Problem headers worth keeping from DRF's own answer.
_KEPT_HEADERS = ("WWW-Authenticate", "Retry-After", "Allow")


class PayloadTooLarge(exceptions.APIException):
    """Django's RequestDataTooBig met while reading the body: RequestShapeMiddleware
    refuses such a request first; this keeps the answer the same where it does not run."""

    status_code = 413
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


_DRF_CODES.append((PayloadTooLarge, "payload_too_large", "The request body is too large."))


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
        return PayloadTooLarge()
    if isinstance(exc, SuspiciousOperation):
        return exceptions.ParseError("The request was malformed.")
    return exc


def _domain_error_headers(exc: DomainError) -> dict[str, str]:
    headers = {}
    # An authentication failure names the schemes that would be accepted (RFC 9110 §11.6.1).
    if exc.status == 401:
        challenge = getattr(exc, "challenge", None) or getattr(exc, "auth_header", None)
        headers["WWW-Authenticate"] = challenge or DEFAULT_CHALLENGE
    if exc.retry_after is not None:
        headers["Retry-After"] = str(max(1, int(exc.retry_after)))
    return headers


def problem_exception_handler(exc: Exception, context: dict) -> Response | None:
    if degrade.database_unavailable(exc):
        degrade.degraded("database", f"{type(exc).__name__}: {exc}")
        response = problem_response(service_unavailable_problem(), headers=service_unavailable_headers())
        response._has_been_logged = True  # reported by degrade (rate-limited), not once per request
        return response
    exc = _as_domain_error(exc)
    if isinstance(exc, DomainError):
        errors = flatten_errors(exc.errors) if exc.errors else None
        body = problem(status_code=exc.status, code=exc.code, title=exc.title, detail=exc.detail, errors=errors)
        return problem_response(body, headers=_domain_error_headers(exc))
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
        errors = flatten_errors(exc.detail)
        detail = error_sentence(errors)
    else:
        detail = _detail_text(exc.detail)
    body = problem(status_code=response.status_code, code=code, title=title, detail=detail, errors=errors)
    headers = {k: v for k, v in response.items() if k in _KEPT_HEADERS}
    return problem_response(body, headers=headers)


def _is_index(key: Any) -> bool:
    return isinstance(key, int) or (isinstance(key, str) and key.isdigit())


def flatten_errors(errors: Any) -> dict[str, list[str]]:
    """DRF's nested errors (dicts of lists of dicts, `{"passengers": {"0": ...}}` from
    list fields) as one flat object keyed by path: `{"passengers[0].family_name": [...]}`."""
    flat: dict[str, list[str]] = {}

    def add(path: str, message: Any) -> None:
        flat.setdefault(path or NON_FIELD_ERRORS, []).append(str(message))

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key == NON_FIELD_ERRORS:
                    child = path
                elif _is_index(key):
                    child = f"{path}[{key}]"
                else:
                    child = f"{path}.{key}" if path else str(key)
                walk(inner, child)
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                if isinstance(item, (dict, list, tuple)):
                    walk(item, f"{path}[{index}]")
                else:
                    add(path, item)
        else:
            add(path, value)

    walk(errors, "")
    return flat


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _singular(word: str) -> str:
    for plural, single in (("ies", "y"), ("xes", "x"), ("s", "")):
        if word.endswith(plural) and len(word) > len(plural) + 1:
            return word[: -len(plural)] + single
    return word


def field_label(path: str) -> str:
    """`passengers[0].family_name` as a person would say it: "Passenger 1, family name"."""
    words: list[str] = []
    for name, index in _PATH_PART.findall(path):
        if index and words:
            words[-1] = f"{_singular(words[-1])} {int(index) + 1}"
        elif index:
            words.append(f"item {int(index) + 1}")
        elif name != NON_FIELD_ERRORS:
            words.append(name.replace("_", " "))
    label = ", ".join(words)
    return label[:1].upper() + label[1:]


def error_sentence(errors: dict[str, list[str]]) -> str:
    """The first error as a sentence, e.g. "Passenger 1, family name: This field is required."."""
    for path, messages in errors.items():
        message = messages[0] if messages else "This value is not valid."
        label = field_label(path)
        return f"{label}: {message}" if label else message
    return "Some fields are not valid."
