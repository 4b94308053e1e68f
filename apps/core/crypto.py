"""Field encryption keys: Fernet (AES-128-CBC + HMAC-SHA256) under `settings.FIELD_ENCRYPTION_KEYS`,
newest first. New values are encrypted with the newest key; any listed key decrypts, so a
key can be rotated without downtime (docs/privacy.md). With no keys configured (development,
tests) one key is derived from SECRET_KEY; production settings refuse to start without them."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# A Fernet token always starts with its version byte 0x80, base64url-encoded: "gAAAAA".
TOKEN_PREFIX = "gAAAAA"  # noqa: S105 (a format marker, not a secret)


class DecryptionFailed(Exception):
    """No configured key opens this value: a key was dropped before rotation finished."""


def _derived_key(secret_key: str) -> bytes:
    # Domain-separated so the derived key is not just a hash anyone could match to SECRET_KEY.
    digest = hashlib.sha256(b"flightbook.field-encryption.v1:" + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest)


def configured_keys() -> tuple[str, ...]:
    """The keys in use, newest first."""
    keys = tuple(key.strip() for key in settings.FIELD_ENCRYPTION_KEYS if key.strip())
    return keys or (_derived_key(settings.SECRET_KEY).decode(),)


@lru_cache(maxsize=8)
def _fernets(keys: tuple[str, ...]) -> tuple[MultiFernet, Fernet]:
    try:
        fernets = [Fernet(key) for key in keys]
    except ValueError as error:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must hold Fernet keys (32 url-safe base64-encoded bytes each)."
        ) from error
    return MultiFernet(fernets), fernets[0]


def encrypt(plaintext: str) -> str:
    """A Fernet token for `plaintext`, made with the newest key."""
    multi, _ = _fernets(configured_keys())
    return multi.encrypt(plaintext.encode()).decode("ascii")


def decrypt(token: str) -> str:
    """The plaintext of a token made with any configured key."""
    multi, _ = _fernets(configured_keys())
    try:
        return multi.decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeEncodeError) as error:
        raise DecryptionFailed(
            "A stored value cannot be decrypted with any key in FIELD_ENCRYPTION_KEYS "
            "(was a key removed before `manage.py encryption_keys_rotate` finished?)."
        ) from error


def rotate(token: str) -> str | None:
    """The token re-encrypted with the newest key, or None when it already uses it."""
    multi, newest = _fernets(configured_keys())
    try:
        newest.decrypt(token.encode("ascii"))
        return None
    except InvalidToken:
        pass
    try:
        return multi.rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as error:
        raise DecryptionFailed("A stored value cannot be decrypted with any key in FIELD_ENCRYPTION_KEYS.") from error


def looks_encrypted(value: str) -> bool:
    """Whether a stored value is already a Fernet token (the migration runs once per row)."""
    return value.startswith(TOKEN_PREFIX)


@dataclass
class RotationResult:
    """What `encrypted_values_rotate` did to one table."""

    table: str
    rows_seen: int = 0
    values_rotated: int = 0
    rows_changed_meanwhile: int = 0


def encrypted_values_rotate(*, batch_size: int = 500, dry_run: bool = False) -> list[RotationResult]:
    """Re-encrypt with the newest key every encrypted value of every model, one short
    transaction per batch, while the site runs. A row is written only if it still holds the
    tokens read (compare-and-set), so a concurrent change is never overwritten; such rows
    were written with the newest key anyway and are counted in `rows_changed_meanwhile`.
    With `dry_run`, counts the values still under an older key and writes nothing."""
    from django.apps import apps
    from django.db import connections, router, transaction

    from apps.core.fields import EncryptedFieldMixin

    results = []
    for model in apps.get_models():
        columns = [f.column for f in model._meta.concrete_fields if isinstance(f, EncryptedFieldMixin)]
        if not columns:
            continue
        using = router.db_for_write(model)
        quote = connections[using].ops.quote_name
        table, pk = model._meta.db_table, model._meta.pk.column
        result = RotationResult(table=table)
        select = f"SELECT {quote(pk)}, {', '.join(quote(c) for c in columns)} FROM {quote(table)}"
        last_pk = None
        while True:
            with transaction.atomic(using=using), connections[using].cursor() as cursor:
                after = "" if last_pk is None else f" WHERE {quote(pk)} > %s"
                cursor.execute(
                    f"{select}{after} ORDER BY {quote(pk)} LIMIT %s",
                    ([] if last_pk is None else [last_pk]) + [batch_size],
                )
                rows = cursor.fetchall()
                for row_pk, *tokens in rows:
                    old = {c: t for c, t in zip(columns, tokens, strict=True) if t not in (None, "")}
                    new = {c: fresh for c, t in old.items() if (fresh := rotate(t)) is not None}
                    result.values_rotated += len(new)
                    if not new or dry_run:
                        continue
                    assignments = ", ".join(f"{quote(c)} = %s" for c in new)
                    unchanged = " AND ".join(f"{quote(c)} = %s" for c in new)
                    cursor.execute(
                        f"UPDATE {quote(table)} SET {assignments} WHERE {quote(pk)} = %s AND {unchanged}",
                        [*new.values(), row_pk, *(old[c] for c in new)],
                    )
                    if cursor.rowcount == 0:
                        result.rows_changed_meanwhile += 1
                        result.values_rotated -= len(new)
            result.rows_seen += len(rows)
            if len(rows) < batch_size:
                break
            last_pk = rows[-1][0]
        results.append(result)
    return results
