"""Personal data shown to people who are not its owner is masked, and error reports sent to
Sentry are scrubbed of it (docs/privacy.md). Plain Python: the settings import it."""

from __future__ import annotations

import datetime
import re
from typing import Any

MASK = "••••••"
FILTERED = "[Filtered]"

# A key (in request data, extras, contexts, breadcrumbs, stack locals) holding one of these
# words has its whole value replaced, dictionaries and lists included.
SENSITIVE_KEY_PARTS = (
    "document",
    "passport",
    "id_card",
    "birth",
    "born",
    "dob",
    "nationality",
    "password",
    "secret",
    "api_key",
    "apikey",
    "authorization",
    "token",
    "otp",
)
_SENSITIVE_NAMES = "|".join(
    [
        *("date_of_birth", "document_number", "document_type", "document_country", "document_expires_on"),
        *("nationality", "number", "expires_on", "issuing_country", "password"),
    ]
)
# The same names inside text: reprs of objects in stack frames (`document_number='P123'`),
# JSON bodies (`"number": "P123"`), form bodies (`document_number=P123&`), log messages.
_SENSITIVE_IN_TEXT = re.compile(
    rf"""(?P<name>["']?\b(?:{_SENSITIVE_NAMES})\b["']?\s*[:=]\s*)"""
    r"""(?P<value>datetime\.date\([^)]*\)|'[^']*'|"[^"]*"|[^\s,&;)}\]]+)"""
)


def mask_document_number(number: str) -> str:
    """`P1234578` → `••••••78`: enough to tell two documents apart, not to use one."""
    number = number or ""
    if not number:
        return ""
    return MASK + (number[-2:] if len(number) >= 5 else "")


def mask_date(day: datetime.date | None) -> str | None:
    """A date of birth or expiry shown as its year only (ISO 8601 reduced precision)."""
    return None if day is None else f"{day.year:04d}"


def _sensitive(key: Any) -> bool:
    lowered = str(key).lower()
    return any(part in lowered for part in SENSITIVE_KEY_PARTS)


def scrub(value: Any) -> Any:
    """A copy of `value` with sensitive keys filtered and sensitive `name=value` pairs in
    strings masked, however deeply nested."""
    if isinstance(value, dict):
        return {key: FILTERED if _sensitive(key) else scrub(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(scrub(item) for item in value)
    if isinstance(value, str):
        return _SENSITIVE_IN_TEXT.sub(lambda m: m.group("name") + FILTERED, value)
    return value


def scrub_sentry_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sentry's `before_send`: no travel document, date of birth or secret leaves the
    process, whether in the request body, query string, extras, contexts, breadcrumbs,
    log messages or the local variables of a stack trace."""
    return scrub(event)
