"""Emails sent for an event carry a Message-ID derived from it: a repeat after a crash
(sent, then the worker died before recording it) is the same message downstream."""

from __future__ import annotations

import uuid

import pytest
from django.core import mail

from apps.notifications.models import Notification
from apps.notifications.services import notification_email_send
from tests.notifications.helpers import held_booking

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking():
    return held_booking()


def _send(booking, event_id: uuid.UUID, recipient: str = "ada@example.com", kind: str = "booking_confirmed") -> bool:
    return notification_email_send(event_id=event_id, kind=kind, booking=booking, recipient=recipient, user=None)


def test_an_email_repeated_after_a_crash_carries_the_same_message_id(booking):
    event_id = uuid.uuid4()
    assert _send(booking, event_id)
    Notification.objects.all().delete()  # as if the worker died between the send and the record
    assert _send(booking, event_id)

    first, repeat = (message.extra_headers["Message-ID"] for message in mail.outbox)
    assert first == repeat
    assert first.startswith(f"<{event_id}.booking_confirmed.")
    assert first.endswith("@flightbook.example>")


def test_each_event_kind_and_recipient_has_its_own_message_id(booking):
    event_id = uuid.uuid4()
    _send(booking, event_id, recipient="ada@example.com")
    _send(booking, event_id, recipient="charles@example.com")
    _send(booking, event_id, kind="booking_held")
    _send(booking, uuid.uuid4())

    assert len({message.extra_headers["Message-ID"] for message in mail.outbox}) == 4


def test_an_email_already_recorded_for_the_event_is_not_sent_again(booking):
    event_id = uuid.uuid4()
    assert _send(booking, event_id)
    assert not _send(booking, event_id)
    assert len(mail.outbox) == 1
