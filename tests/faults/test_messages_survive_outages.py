"""The mail server is down when a booking is confirmed: the customer's booking stands, the
confirmation waits in the outbox (retried later, with backoff, not in a tight loop), and
once the mail server is back the sweeper sends it, exactly once. (Redis down and a worker
killed mid-send: test_redis_down.py and test_worker_killed.py, against the same SMTP server.)"""

from __future__ import annotations

from datetime import timedelta

import pytest

from apps.bookings.models import Booking, BookingStatus
from apps.core import clock, outbox
from apps.core.models import OutboxEvent
from apps.notifications.models import Notification
from apps.notifications.services import notification_message_id
from tests.faults.journeys import book, pay
from tests.faults.smtp import received
from tests.faults.truth import assert_database_truth

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


def test_with_the_mail_server_down_the_confirmation_waits_and_goes_out_once_when_it_is_back(
    smtp_delivery, api_client, later
):
    smtp_delivery.kill()

    locator = book(api_client, email="katherine@example.com", given_name="Katherine", family_name="Johnson")
    pay(api_client, locator)  # the confirmation is dispatched on commit, and fails

    assert Booking.objects.get(locator=locator).status == BookingStatus.CONFIRMED
    confirmation = OutboxEvent.objects.get(topic="booking.confirmed", payload__locator=locator)
    assert confirmation.dispatched_at is None
    assert confirmation.last_error  # the failure is on the event, for the operator
    assert confirmation.available_at > clock.now()  # tried again later, not at once
    assert Notification.objects.get(event_id=confirmation.id, channel="email").status == "failed"
    # The sweeper respects the backoff: nothing is retried before it is due.
    assert outbox.sweep(older_than=timedelta(0)) == 0

    smtp_delivery.start()
    later(minutes=1)  # past the first backoff
    # The hold's email and the confirmation, both waiting; their dispatch runs in-process here.
    assert outbox.sweep(older_than=timedelta(0)) == 2
    assert outbox.sweep(older_than=timedelta(0)) == 0  # a later sweep finds nothing left to send

    messages = received(smtp_delivery.folder)
    assert [message["To"] for message in messages] == ["katherine@example.com"] * 2
    expected = notification_message_id(
        event_id=confirmation.id, kind="booking_confirmed", recipient="katherine@example.com"
    )
    confirmations = [message for message in messages if str(message["Message-ID"]).strip() == expected]
    assert len(confirmations) == 1
    assert locator in confirmations[0]["Subject"]
    confirmation.refresh_from_db()
    assert confirmation.dispatched_at is not None
    assert Notification.objects.get(event_id=confirmation.id, channel="email").status == "sent"
    assert_database_truth()
