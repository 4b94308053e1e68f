"""`Idempotency-Key` for POSTs that create or move money or inventory (DESIGN.md §5).

The key is claimed atomically per client before the work starts. A replay of a finished
request gets the first answer again (status and body, with `Idempotent-Replayed: true`);
the same key with a different method, path or body answers 422; a key whose request is
still running answers 409. Answers of 5xx, and "not now" refusals (`retryable` errors:
`try_again`, `payment_in_progress`), are not kept, so the client may retry them. A claim
left by a request that died (worker killed, database connection lost) is taken over after
IDEMPOTENCY_CLAIM_SECONDS. Keys are kept for KEY_TTL, then pruned by the beat schedule."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core import clock, locks
from apps.core.api.clients import client_ident
from apps.core.api.errors import problem_exception_handler
from apps.core.errors import DomainError, IdempotencyInProgress, IdempotencyMismatch
from apps.core.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
KEY_TTL = timedelta(hours=24)

logger = logging.getLogger(__name__)


def _claim_timeout() -> timedelta:
    return timedelta(seconds=settings.IDEMPOTENCY_CLAIM_SECONDS)  # longer than any request may run


def _fingerprint(request: Request) -> tuple[str, str, str]:
    return request.method, request.path, hashlib.sha256(request._request.body).hexdigest()


def _claim(*, client: str, key: str, fingerprint: tuple[str, str, str]) -> tuple[IdempotencyKey, bool]:
    """(record, True) when this request owns the key now; (record, False) for a replay."""
    method, path, body_hash = fingerprint
    now = clock.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    client=client,
                    key=key,
                    method=method,
                    path=path,
                    body_hash=body_hash,
                    locked_until=now + _claim_timeout(),
                )
            return record, True
        except IntegrityError:
            record = locks.idempotency_key_lock(client=client, key=key)
        if (record.method, record.path, record.body_hash) != fingerprint:
            raise IdempotencyMismatch()
        if record.state == IdempotencyKey.State.IN_PROGRESS:
            if record.locked_until > now:
                raise IdempotencyInProgress()
            record.locked_until = now + _claim_timeout()  # its first owner died: take over
            record.save(update_fields=["locked_until"])
            return record, True
        return record, False


def _release(record: IdempotencyKey) -> None:
    """Give the key up, so that a retry runs the request again."""
    try:
        IdempotencyKey.objects.filter(pk=record.pk, state=IdempotencyKey.State.IN_PROGRESS).delete()
        return
    except DatabaseError:
        if connection.in_atomic_block:
            raise
    # The request's connection is gone (the database restarted or dropped it): try once on
    # a fresh one. If the database is down, the claim runs out on its own.
    connection.close()
    try:
        IdempotencyKey.objects.filter(pk=record.pk, state=IdempotencyKey.State.IN_PROGRESS).delete()
    except DatabaseError:
        logger.warning("Idempotency-Key %s not released (database unavailable); its claim runs out", record.pk)


def _finish(record: IdempotencyKey, response: Response) -> None:
    IdempotencyKey.objects.filter(pk=record.pk).update(
        state=IdempotencyKey.State.COMPLETE, response_status=response.status_code, response_body=response.data
    )


def idempotent(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate an APIView's `post` so that it honours the Idempotency-Key header."""

    @wraps(handler)
    def wrapper(view, request: Request, *args, **kwargs) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        if not 1 <= len(key) <= MAX_KEY_LENGTH or not (key.isascii() and key.isprintable()):
            raise ValidationError({HEADER: [f"Use 1 to {MAX_KEY_LENGTH} printable ASCII characters."]})
        record, owner = _claim(client=client_ident(request), key=key, fingerprint=_fingerprint(request))
        if not owner:
            return Response(
                record.response_body,
                status=record.response_status,
                headers={"Idempotent-Replayed": "true"},
                content_type="application/problem+json" if record.response_status >= 400 else None,
            )
        retryable = False
        try:
            response = handler(view, request, *args, **kwargs)
        except (DomainError, APIException) as exc:
            # A refusal is an answer too: a replay must get the same one, not a second try.
            # But not "not now" (busy, a payment in flight): the retry must run again.
            retryable = getattr(exc, "retryable", False)
            response = problem_exception_handler(exc, {"request": request, "view": view})
        except BaseException:
            _release(record)
            raise
        if response.status_code >= 500 or retryable:
            _release(record)
        else:
            _finish(record, response)
        return response

    wrapper.idempotent = True  # the OpenAPI document lists the header and its answers
    return wrapper


def idempotency_keys_prune() -> int:
    """Forget keys older than KEY_TTL; returns how many."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=clock.now() - KEY_TTL).delete()
    return deleted
