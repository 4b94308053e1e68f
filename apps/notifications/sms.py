"""Sending an SMS: one small interface, with backends chosen by `settings.SMS_BACKEND`.

- `console`: prints the message (for `make run`);
- `locmem`: keeps messages in `sms.outbox` (tests);
- `http`: a provider with Twilio's Messages API shape: `POST {SMS_API_BASE}/2010-04-01/
  Accounts/{SMS_ACCOUNT_SID}/Messages.json`, form fields `To`, `From`, `Body`, HTTP basic
  auth (account SID, auth token); it answers JSON with the message's `sid` and `status`.

Numbers are E.164 (`+447700900123`), as bookings store them."""

from __future__ import annotations

import sys
import uuid
from dataclasses import dataclass
from typing import Protocol

import requests
from django.conf import settings
from django.utils.module_loading import import_string

# Seconds a provider call may take: an SMS handler ends well inside its task's time limit.
TIMEOUT = 5


class SmsError(Exception):
    """The provider refused or could not be reached; the message is tried again later."""


@dataclass(frozen=True)
class SmsSent:
    provider_id: str
    status: str


class SmsBackend(Protocol):
    def send(self, *, to: str, body: str) -> SmsSent: ...


class ConsoleSmsBackend:
    def send(self, *, to: str, body: str) -> SmsSent:
        sys.stdout.write(f"SMS to {to} from {settings.SMS_FROM}:\n{body}\n{'-' * 40}\n")
        sys.stdout.flush()
        return SmsSent(provider_id=f"console-{uuid.uuid4().hex[:12]}", status="sent")


outbox: list[dict[str, str]] = []


class LocmemSmsBackend:
    def send(self, *, to: str, body: str) -> SmsSent:
        outbox.append({"to": to, "from": settings.SMS_FROM, "body": body})
        return SmsSent(provider_id=f"locmem-{len(outbox)}", status="sent")


class HttpSmsBackend:
    """Twilio's Messages API shape (see the module docstring)."""

    def send(self, *, to: str, body: str) -> SmsSent:
        sid = settings.SMS_ACCOUNT_SID
        url = f"{settings.SMS_API_BASE.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"
        try:
            response = requests.post(
                url,
                data={"To": to, "From": settings.SMS_FROM, "Body": body},
                auth=(sid, settings.SMS_AUTH_TOKEN),
                timeout=TIMEOUT,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise SmsError(f"SMS provider unreachable: {type(exc).__name__}") from exc
        if not 200 <= response.status_code < 300:
            raise SmsError(f"SMS provider answered {response.status_code}: {response.text[:200]}")
        try:
            answer = response.json()
            return SmsSent(provider_id=str(answer["sid"]), status=str(answer.get("status", "")))
        except (ValueError, KeyError, TypeError) as exc:
            raise SmsError("SMS provider answered without a message sid") from exc


BACKENDS = {
    "console": ConsoleSmsBackend,
    "locmem": LocmemSmsBackend,
    "http": HttpSmsBackend,
}


def sms_backend() -> SmsBackend:
    """The configured backend: a name above or a dotted path to a class."""
    name = settings.SMS_BACKEND
    cls = BACKENDS.get(name) or import_string(name)
    return cls()


def sms_send(*, to: str, body: str) -> SmsSent:
    return sms_backend().send(to=to, body=body)
