"""Urgent messages (a disruption) also go by SMS to the booking's E.164 phone, through an
HTTP provider with Twilio's Messages API shape: here a real HTTP server on loopback."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from apps.core.events import Topic
from apps.core.models import OutboxEvent
from apps.notifications import sms
from apps.notifications.models import Notification
from tests.factories import UserFactory
from tests.notifications.helpers import CONTACT, PHONE, deliver, held_booking, publish, sent

pytestmark = pytest.mark.django_db

SID, TOKEN = "AC0123456789abcdef", "secret-token"


class SmsProvider:
    """A loopback HTTP server answering like the provider: 201 with a message sid, or
    `fail_next` times 500 first. Keeps every request it got."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.fail_next = 0
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                provider.requests.append({"path": self.path, "auth": self.headers["Authorization"], "form": form})
                if provider.fail_next:
                    provider.fail_next -= 1
                    status, body = 500, {"message": "try later"}
                else:
                    status, body = 201, {"sid": f"SM{len(provider.requests):032d}", "status": "queued"}
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> SmsProvider:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider(settings):
    with SmsProvider() as server:
        settings.SMS_BACKEND = "http"
        settings.SMS_API_BASE = server.url
        settings.SMS_ACCOUNT_SID, settings.SMS_AUTH_TOKEN, settings.SMS_FROM = SID, TOKEN, "+15005550006"
        yield server


def test_a_disruption_is_texted_to_the_contact_phone_through_the_provider(provider):
    user = UserFactory()
    booking = held_booking(user=user, phone=PHONE)
    deliver()
    event = publish(Topic.BOOKING_DISRUPTED, locator=booking.locator)

    deliver()

    assert sent(event_id=event.id) == [
        ("flight_disrupted", "email", CONTACT, "sent"),
        ("flight_disrupted", "sms", PHONE, "sent"),
        ("flight_disrupted", "in_app", f"user:{user.pk}", "sent"),
    ]
    [request] = provider.requests
    assert request["path"] == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert request["auth"] == "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    assert request["form"]["To"] == PHONE
    assert request["form"]["From"] == "+15005550006"
    assert booking.locator in request["form"]["Body"]
    assert f"/bookings/{booking.locator}/" in request["form"]["Body"]
    text = Notification.objects.get(channel="sms")
    assert text.provider_id == "SM" + "1".zfill(32)


def test_a_provider_error_leaves_the_sms_to_be_sent_again_and_only_it(provider):
    booking = held_booking(phone=PHONE)
    deliver()
    provider.fail_next = 1
    event = publish(Topic.BOOKING_DISRUPTED, locator=booking.locator)

    deliver()
    assert sent(event_id=event.id, channel="sms") == [("flight_disrupted", "sms", PHONE, "failed")]
    OutboxEvent.objects.filter(pk=event.pk).update(available_at=event.created_at)
    deliver()

    assert sent(event_id=event.id) == [
        ("flight_disrupted", "email", CONTACT, "sent"),
        ("flight_disrupted", "sms", PHONE, "sent"),
    ]
    assert len(provider.requests) == 2
    assert Notification.objects.get(channel="sms").provider_id == "SM" + "2".zfill(32)


def test_a_booking_without_a_phone_gets_no_sms(provider):
    booking = held_booking()
    event = publish(Topic.BOOKING_DISRUPTED, locator=booking.locator)

    deliver()

    assert [channel for _, channel, _, _ in sent(event_id=event.id)] == ["email"]
    assert provider.requests == []


def test_a_confirmation_is_not_urgent_enough_for_an_sms():
    held_booking(phone=PHONE)

    deliver()

    assert sms.outbox == []
    assert [channel for _, channel, _, _ in sent()] == ["email"]


def test_the_console_backend_prints_the_message(settings, capsys):
    settings.SMS_BACKEND = "console"

    result = sms.sms_send(to=PHONE, body="Flight BA123 is delayed")

    assert "SMS to +442079460958" in capsys.readouterr().out
    assert result.provider_id.startswith("console-")
