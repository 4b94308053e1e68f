"""The one hierarchy of business errors. Each app subclasses `DomainError` in its own
`errors.py`; `apps.core.api.errors` maps every one to HTTP and problem+json once."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the domain said no. `code` is the stable machine word clients see."""

    code: str = "domain_error"
    status: int = 400
    title: str = "The request could not be completed."
    # "Not now" rather than "no": the same request may succeed later, so an
    # Idempotency-Key does not keep this answer as the request's final one.
    retryable: bool = False
    # Seconds after which trying again may succeed: sent as `Retry-After` (429, 503).
    retry_after: int | None = None

    def __init__(
        self, detail: str | None = None, *, errors: dict[str, Any] | None = None, retry_after: int | None = None
    ) -> None:
        self.detail = detail or self.title
        self.errors = errors
        if retry_after is not None:
            self.retry_after = retry_after
        super().__init__(self.detail)


class ValidationFailed(DomainError):
    code = "validation_error"
    status = 400
    title = "Some fields are not valid."


class NotFound(DomainError):
    code = "not_found"
    status = 404
    title = "Not found."


class Conflict(DomainError):
    code = "conflict"
    status = 409
    title = "The resource changed; reload and try again."


class TryAgain(Conflict):
    """A row lock could not be had in time: the caller may simply retry."""

    code = "try_again"
    title = "We are busy with this item right now; please try again."
    retryable = True


class IdempotencyMismatch(DomainError):
    code = "idempotency_mismatch"
    status = 422
    title = "This Idempotency-Key was already used for a different request."


class IdempotencyInProgress(Conflict):
    code = "idempotency_in_progress"
    title = "A request with this Idempotency-Key is still being processed; retry shortly."
    retryable = True
