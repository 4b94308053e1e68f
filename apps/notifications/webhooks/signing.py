"""The `Flightbook-Signature` header (DESIGN.md §4): `t=<unix seconds>,v1=<hex HMAC-SHA256
of "<t>.<raw body>" under the endpoint's secret>`, one `v1` per secret that signs (two while
a rolled secret overlaps with its successor)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable

HEADER = "Flightbook-Signature"
SECRET_PREFIX = "whsec_"  # noqa: S105 (a format marker, not a secret)


def secret_new() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(*, secrets_in_use: Iterable[str], timestamp: int, body: bytes) -> str:
    parts = [f"t={timestamp}"] + [f"v1={signature(secret=s, timestamp=timestamp, body=body)}" for s in secrets_in_use]
    return ",".join(parts)
