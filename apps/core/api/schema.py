"""The OpenAPI document (drf-spectacular) as partners generate clients from it: every
operation lists the problem+json answers it really gives.

Two sources, merged per status code into one `Problem` response each:
- what every view of its kind answers, read from the view itself by `ApiSchema`: its
  authenticators (401), permissions (401, 403), throttles (429, and the RateLimit headers of
  its successful answers), request body (400, 415),
  `@idempotent` (the `Idempotency-Key` header, 409, 422), and 503 when the database is away;
- the domain errors a view's services raise, named on the handler with `@answers(...)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.validators import RegexValidator
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, permissions, serializers
from rest_framework.authentication import SessionAuthentication

from apps.core.api.errors import _DRF_CODES, PROBLEM_CONTENT_TYPE
from apps.core.api.pagination import PageNumberPagination
from apps.core.errors import DomainError, IdempotencyInProgress, IdempotencyMismatch
from apps.core.idempotency import HEADER as IDEMPOTENCY_HEADER
from apps.core.idempotency import MAX_KEY_LENGTH

API_KEY_SCHEME = "apiKeyAuth"


class ProblemSerializer(serializers.Serializer):
    """An error, as application/problem+json (RFC 9457; DESIGN.md §4)."""

    type = serializers.URLField(help_text="A URL naming the kind of problem; ends with `code`.")
    title = serializers.CharField(help_text="A short, human summary of the kind of problem.")
    status = serializers.IntegerField(min_value=400, max_value=599, help_text="The HTTP status code.")
    detail = serializers.CharField(help_text="What went wrong with this request, in a sentence.")
    code = serializers.CharField(help_text="A stable machine word, e.g. `sold_out`: branch on this.")
    errors = serializers.DictField(
        required=False, help_text="Per-field messages, for `validation_error` (and a few others)."
    )

    class Meta:
        ref_name = "Problem"


@dataclass(frozen=True)
class Answer:
    """One problem+json answer an operation may give: its status, `code` and title."""

    status: int
    code: str
    title: str


def _drf(exception: type[exceptions.APIException]) -> Answer:
    code, title = next((code, title) for cls, code, title in _DRF_CODES if cls is exception)
    return Answer(exception.status_code, code, title)


VALIDATION_ERROR = _drf(exceptions.ValidationError)
MALFORMED_REQUEST = _drf(exceptions.ParseError)
NOT_AUTHENTICATED = _drf(exceptions.NotAuthenticated)
PERMISSION_DENIED = _drf(exceptions.PermissionDenied)
NOT_FOUND = _drf(exceptions.NotFound)
UNSUPPORTED_MEDIA_TYPE = _drf(exceptions.UnsupportedMediaType)
THROTTLED = _drf(exceptions.Throttled)
# Answered by the middleware when PostgreSQL cannot be reached (DESIGN.md §5).
SERVICE_UNAVAILABLE = Answer(503, "service_unavailable", "The service is unavailable for a moment; try again.")
# A bearer token or API key that is sent is checked on every operation that authenticates.
TOKEN_INVALID = Answer(401, "token_invalid", "The token is invalid, expired or already used.")
TOKEN_REVOKED = Answer(401, "token_revoked", "The token was issued before the password changed; sign in again.")
API_KEY_INVALID = Answer(401, "invalid_api_key", "The API key was not accepted.")
INSUFFICIENT_SCOPE = Answer(403, "insufficient_scope", "This API key may not do this.")

ErrorSpec = type[DomainError] | Answer


def _answer(error: ErrorSpec) -> Answer:
    if isinstance(error, Answer):
        return error
    return Answer(error.status, error.code, error.title)


def answers(*errors: ErrorSpec) -> Callable:
    """Name the problem+json answers a handler gives beyond those of its kind (see the
    module docstring): the domain errors of the services it calls, or DRF's `NOT_FOUND`."""

    def decorate(handler: Callable) -> Callable:
        handler.problem_answers = (*getattr(handler, "problem_answers", ()), *map(_answer, errors))
        return handler

    return decorate


RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer", "minimum": 0},
        "required": True,
        "description": "Seconds to wait before trying again.",
    }
}


RATE_LIMIT = {
    "RateLimit-Limit": {
        "schema": {"type": "integer", "minimum": 1},
        "description": "Requests allowed in the window of the budget closest to running out.",
    },
    "RateLimit-Remaining": {
        "schema": {"type": "integer", "minimum": 0},
        "description": "Requests left in that window (0 on a 429).",
    },
    "RateLimit-Reset": {
        "schema": {"type": "integer", "minimum": 0},
        "description": (
            "Seconds until the oldest request counted in that window leaves it; with none left, "
            "until the next request is let in. The three are absent while the rate-limit store is unavailable."
        ),
    },
}


def problem_responses(problems: Iterable[Answer], *, problem_ref: dict) -> dict[str, dict]:
    """The OpenAPI `responses` entries for these answers: one per status, its codes listed."""
    by_status: dict[int, list[Answer]] = {}
    for problem in problems:
        codes = by_status.setdefault(problem.status, [])
        if problem.code not in {known.code for known in codes}:
            codes.append(problem)
    responses = {}
    for status, codes in sorted(by_status.items()):
        response = {
            "description": "\n".join(f"`{answer.code}`: {answer.title}" for answer in codes),
            "content": {PROBLEM_CONTENT_TYPE: {"schema": problem_ref}},
        }
        if status in (429, 503):
            response["headers"] = RETRY_AFTER
        responses[str(status)] = response
    return responses


IDEMPOTENCY_KEY = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": r"^[\x20-\x7E]+$"},
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        f"1-{MAX_KEY_LENGTH} printable ASCII characters (e.g. a UUID), unique per operation. "
        "A replay returns the first answer (`Idempotent-Replayed: true`); the same key with another body answers 422 "
        "`idempotency_mismatch`; while the first request runs, 409 `idempotency_in_progress`. "
        "Kept 24 hours."
    ),
)


PAGE_PARAMETERS = [
    OpenApiParameter(
        PageNumberPagination.page_query_param,
        {"type": "integer", "minimum": 1},
        description="A page number within the paginated result set; past the last page answers 404.",
    ),
    OpenApiParameter(
        PageNumberPagination.page_size_query_param,
        {"type": "integer", "minimum": 1, "maximum": PageNumberPagination.max_page_size},
        description=f"Results per page (default {settings.REST_FRAMEWORK['PAGE_SIZE']}).",
    ),
]


def _api_keys_accepted(view, method: str) -> bool:
    """Whether a partner API key may call this operation: every permission of the view
    says so with `api_keys_accepted(view, method)`; those that do not say accept keys."""
    for permission in view.get_permissions():
        accepted = getattr(permission, "api_keys_accepted", None)
        if accepted is not None and not accepted(view, method):
            return False
    return True


class ApiSchema(AutoSchema):
    """drf-spectacular's AutoSchema, plus the answers and headers a view gives by its kind."""

    def _handler(self):
        return getattr(self.view, self.method.lower(), None)

    def _idempotent(self) -> bool:
        return getattr(self._handler(), "idempotent", False)

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self._idempotent():
            parameters = [*parameters, IDEMPOTENCY_KEY]
        return parameters

    def get_auth(self):
        auth = super().get_auth()
        if not _api_keys_accepted(self.view, self.method):
            auth = [requirement for requirement in auth if API_KEY_SCHEME not in requirement]
        return auth

    def _get_request_body(self, direction="request"):
        # drf-spectacular documents bodies on POST, PUT and PATCH only; `DELETE me/` reads one.
        if self.method != "DELETE" or self.get_request_serializer() is None:
            return super()._get_request_body(direction)
        self.method = "POST"
        try:
            return super()._get_request_body(direction)
        finally:
            self.method = "DELETE"

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        # A nested list's length limits (`many=True, min_length=1, max_length=9`) are rules too.
        if isinstance(field, serializers.ListSerializer) and schema.get("type") == "array":
            if field.min_length is not None:
                schema["minItems"] = field.min_length
            elif not field.allow_empty:
                schema["minItems"] = 1
            if field.max_length is not None:
                schema["maxItems"] = field.max_length
        # A text field trims its input and refuses what is left blank: it needs a non-space
        # character. And no text reaches us with a NUL in it (RequestShapeMiddleware, the parser).
        patterned = "pattern" in schema or any(isinstance(v, RegexValidator) for v in field.validators)
        if direction == "request" and isinstance(field, serializers.CharField) and not patterned:
            needs_text = type(field) is serializers.CharField and field.trim_whitespace and not field.allow_blank
            schema["pattern"] = r"^[^\x00]*[^\s\x00][^\x00]*$" if needs_text else r"^[^\x00]*$"
        # drf-spectacular allows a minus sign in every decimal string; not below a floor of 0.
        if (
            isinstance(field, serializers.DecimalField)
            and field.min_value is not None
            and field.min_value >= 0
            and schema.get("pattern", "").startswith("^-?")
        ):
            schema["pattern"] = "^" + schema["pattern"][3:]
        return schema

    def _automatic_answers(self) -> list[Answer]:
        view, method = self.view, self.method
        found: list[Answer] = []
        if method in ("POST", "PUT", "PATCH", "DELETE") and self.get_request_serializer() is not None:
            found += [VALIDATION_ERROR, MALFORMED_REQUEST, UNSUPPORTED_MEDIA_TYPE]
        authenticators = view.get_authenticators()
        if authenticators:
            found += [TOKEN_INVALID, TOKEN_REVOKED, API_KEY_INVALID]
        perms = [permission.__class__ for permission in view.get_permissions()]
        public = permissions.AllowAny in perms
        if not public:
            found.append(NOT_AUTHENTICATED)
            if _api_keys_accepted(view, method):
                found.append(INSUFFICIENT_SCOPE)
            else:
                found.append(PERMISSION_DENIED)
        if method not in permissions.SAFE_METHODS and any(
            isinstance(authenticator, SessionAuthentication) for authenticator in authenticators
        ):
            found.append(PERMISSION_DENIED)  # a browser session without its CSRF token
        if method == "GET" and self._is_list_view() and self._get_paginator():
            found += [VALIDATION_ERROR, NOT_FOUND]  # `page_size` out of range; a page past the last
        if self._idempotent():
            found += [VALIDATION_ERROR, _answer(IdempotencyInProgress), _answer(IdempotencyMismatch)]
        if view.get_throttles():
            found.append(THROTTLED)
        found.append(SERVICE_UNAVAILABLE)
        return found

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        problem_ref = self.resolve_serializer(ProblemSerializer, "response").ref
        declared = list(getattr(self._handler(), "problem_answers", ()))
        responses.update(problem_responses([*declared, *self._automatic_answers()], problem_ref=problem_ref))
        if self.view.get_throttles():
            for status, response in responses.items():
                if str(status).startswith("2") or str(status) == "429":
                    response["headers"] = {**RATE_LIMIT, **response.get("headers", {})}
        return responses


class JWTScheme(OpenApiAuthenticationExtension):
    target_class = "apps.accounts.jwt.JWTAuthentication"
    name = "jwtAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "apps.accounts.api_keys.ApiKeyAuthentication"
    name = API_KEY_SCHEME

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A partner API key: `Authorization: Api-Key fbk_...`",
        }
