"""The real SMTP path: Django's SMTP backend talking to a real SMTP server (aiosmtpd) the
test starts on a free loopback port, and the message as that server received it."""

from __future__ import annotations

import email
import socket
import threading
from email.message import Message
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from icalendar import Calendar

from apps.core.models import OutboxEvent
from apps.notifications.emails import email_build
from apps.notifications.services import notification_message_id
from tests.conftest import wait_for
from tests.notifications.trips import connecting_round_trip
from tests.payments.helpers import pay

pytestmark = pytest.mark.django_db


class Inbox:
    """What the SMTP server accepted: envelope recipients and the parsed message."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], Message]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=default_policy)
        with self._lock:
            self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server in a thread; Django's SMTP backend is pointed at it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


def header(message: Message, name: str) -> str | None:
    """A header as a mail client reads it (long ones arrive folded onto a new line)."""
    value = message[name]
    return None if value is None else str(value).strip()


def _parts(message: Message) -> dict[str, Message]:
    return {part.get_content_type(): part for part in message.walk()}


def test_a_booking_confirmed_through_the_sandbox_reaches_the_smtp_server_with_stable_headers(
    smtp_server, django_capture_on_commit_callbacks
):
    booking = connecting_round_trip(email="ada@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        pay(booking)

    [(recipients, message)] = wait_for(lambda: list(smtp_server.received))
    event = OutboxEvent.objects.get(topic="booking.confirmed")
    assert recipients == ["ada@example.com"]
    assert header(message, "To") == "ada@example.com"
    assert header(message, "From") == "flightbook <no-reply@flightbook.example>"
    assert booking.locator in message["Subject"]
    assert "confirmed" in message["Subject"]
    # The same event's email always has the same Message-ID: a repeat is recognisable.
    assert header(message, "Message-ID") == notification_message_id(
        event_id=event.id, kind="booking_confirmed", recipient="ada@example.com"
    )
    assert mail.outbox == []  # it really went out over SMTP


def test_a_confirmation_sent_over_smtp_has_text_html_and_the_calendar(smtp_server, django_capture_on_commit_callbacks):
    booking = connecting_round_trip(email="ada@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        pay(booking)
    booking.refresh_from_db()
    smtp_server.received.clear()  # what the current handlers sent; this test sends email_build's own

    email_build(
        kind="booking_confirmed",
        booking=booking,
        recipient="ada@example.com",
        message_id="<stable-1@flightbook.example>",
    ).send()

    [(_, message)] = wait_for(lambda: list(smtp_server.received))
    assert header(message, "Message-ID") == "<stable-1@flightbook.example>"
    assert message.get_content_type() == "multipart/mixed"
    parts = _parts(message)
    assert {"multipart/alternative", "text/plain", "text/html", "text/calendar"} <= set(parts)
    alternative = [p.get_content_type() for p in parts["multipart/alternative"].iter_parts()]
    assert alternative == ["text/plain", "text/html"]  # the richest last, as clients expect
    tickets = [p.ticket_number for p in booking.passengers.all()]
    for kind in ("text/plain", "text/html"):
        body = parts[kind].get_content()
        assert booking.locator in body
        assert all(ticket in body for ticket in tickets)
    calendar_part = parts["text/calendar"]
    assert calendar_part.get_filename() == f"flightbook-{booking.locator}.ics"
    events = Calendar.from_ical(calendar_part.get_content()).walk("VEVENT")
    flights = [s.flight for s in booking.segments.all()]
    assert [(e.decoded("DTSTART"), e.decoded("DTEND")) for e in events] == [
        (f.departure_at, f.arrival_at) for f in flights
    ]


def test_a_reminder_over_smtp_carries_list_unsubscribe_and_a_ticket_does_not(smtp_server):
    booking = connecting_round_trip(email="ada@example.com")
    url = "https://flightbook.example/accounts/notifications/unsubscribe/t0k3n/"
    for kind in ("hold_expiring", "booking_held"):
        email_build(
            kind=kind,
            booking=booking,
            recipient="ada@example.com",
            message_id=f"<{kind}@flightbook.example>",
            unsubscribe_url=url,
        ).send()

    received = {
        header(m, "Message-ID"): m for _, m in wait_for(lambda: len(smtp_server.received) == 2 and smtp_server.received)
    }
    reminder, essential = received["<hold_expiring@flightbook.example>"], received["<booking_held@flightbook.example>"]
    assert header(reminder, "List-Unsubscribe") == f"<{url}>"
    assert header(reminder, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    assert essential["List-Unsubscribe"] is None
    assert essential["List-Unsubscribe-Post"] is None


def test_the_confirmation_the_handlers_send_over_smtp_has_html_and_the_calendar(
    smtp_server, django_capture_on_commit_callbacks
):
    booking = connecting_round_trip(email="ada@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        pay(booking)

    [(_, message)] = wait_for(lambda: list(smtp_server.received))
    parts = _parts(message)
    assert {"multipart/alternative", "text/plain", "text/html", "text/calendar"} <= set(parts)
    assert booking.locator in parts["text/html"].get_content()
