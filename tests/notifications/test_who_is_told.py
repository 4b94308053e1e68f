"""Who is told what, per event: the booking's contact by email, its customer account in
the app, its contact phone by SMS for what is urgent; each message recorded once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail

from apps.bookings import services as booking_services
from apps.core.events import Topic
from apps.core.models import OutboxEvent, ProcessedEvent
from apps.notifications.kinds import NotificationKind
from apps.notifications.models import Notification
from apps.notifications.routing import ROUTES, SHORT_TEXT
from apps.payments.errors import PaymentDeclined
from tests.factories import UserFactory
from tests.notifications.helpers import CONTACT, deliver, held_booking, sent
from tests.payments.helpers import pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return UserFactory(email="ada.account@example.com")


def test_a_held_booking_emails_its_contact_and_tells_its_customer_in_the_app(user):
    booking = held_booking(user=user)

    deliver()

    assert sent() == [
        ("booking_held", "email", CONTACT, "sent"),
        ("booking_held", "in_app", f"user:{user.pk}", "sent"),
    ]
    assert [message.to for message in mail.outbox] == [[CONTACT]]
    in_app = Notification.objects.get(channel="in_app")
    assert in_app.subject == f"Booking {booking.locator} is held"
    assert f"{booking.hold_expires_at:%H:%M} UTC" in in_app.body


def test_a_guest_booking_is_told_by_email_only():
    held_booking()

    deliver()

    assert sent() == [("booking_held", "email", CONTACT, "sent")]


def test_a_paid_booking_is_confirmed_by_email_and_in_the_app(user):
    booking = held_booking(user=user)
    pay(booking)

    deliver()

    assert sent(kind="booking_confirmed") == [
        ("booking_confirmed", "email", CONTACT, "sent"),
        ("booking_confirmed", "in_app", f"user:{user.pk}", "sent"),
    ]


def test_a_declined_payment_tells_the_customer_to_try_another_card(user):
    booking = held_booking(user=user)
    with pytest.raises(PaymentDeclined):
        pay(booking, "pm_card_chargeDeclined")

    deliver()

    assert sent(kind="payment_failed") == [
        ("payment_failed", "email", CONTACT, "sent"),
        ("payment_failed", "in_app", f"user:{user.pk}", "sent"),
    ]


def test_a_cancelled_booking_tells_the_refund_due(user):
    booking = held_booking(user=user, refundable=True)
    pay(booking)
    booking_services.booking_cancel(locator=booking.locator, actor=user)

    deliver()

    assert [(kind, channel) for kind, channel, _, _ in sent(kind="booking_cancelled")] == [
        ("booking_cancelled", "email"),
        ("booking_cancelled", "in_app"),
    ]
    in_app = Notification.objects.get(kind="booking_cancelled", channel="in_app")
    refund = Decimal(
        OutboxEvent.objects.get(topic=Topic.BOOKING_CANCELLED, payload__locator=booking.locator).payload[
            "refund_amount"
        ]
    )
    assert in_app.body == f"Refund due: {refund} EUR."
    assert refund == booking.total_amount  # a refundable fare without a change fee
    # The refund that followed is announced too, once it went through.
    assert [(kind, channel) for kind, channel, _, _ in sent(kind="refund_succeeded")] == [
        ("refund_succeeded", "email"),
        ("refund_succeeded", "in_app"),
    ]


def test_an_expired_hold_tells_the_customer(user):
    booking = held_booking(user=user)
    deliver()
    type(booking).objects.filter(pk=booking.pk).update(hold_expires_at=booking.created_at)
    booking_services.bookings_expire_due()

    deliver()

    assert [channel for _, channel, _, _ in sent(kind="booking_expired")] == ["email", "in_app"]


def test_a_redelivered_event_sends_nothing_twice(user):
    booking = held_booking(user=user)
    deliver()
    event = OutboxEvent.objects.get(topic=Topic.BOOKING_HELD, payload__locator=booking.locator)
    # As if the outbox had lost its record of the handler having run.
    ProcessedEvent.objects.filter(event_id=event.id).delete()
    OutboxEvent.objects.filter(pk=event.pk).update(dispatched_at=None, available_at=event.created_at)

    assert deliver() == 1

    assert len(mail.outbox) == 1
    assert Notification.objects.count() == 2


def test_an_email_that_could_not_be_sent_goes_out_when_the_mail_server_is_back(user, settings):
    booking = held_booking(user=user)
    # A real SMTP backend pointed at a port where nothing listens.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2

    deliver()

    assert sent() == [
        ("booking_held", "email", CONTACT, "failed"),
        ("booking_held", "in_app", f"user:{user.pk}", "sent"),
    ]
    event = OutboxEvent.objects.get(topic=Topic.BOOKING_HELD, payload__locator=booking.locator)
    assert event.dispatched_at is None
    assert "email" in event.last_error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OutboxEvent.objects.filter(pk=event.pk).update(available_at=event.created_at)
    deliver()

    assert sent() == [
        ("booking_held", "email", CONTACT, "sent"),
        ("booking_held", "in_app", f"user:{user.pk}", "sent"),
    ]
    assert len(mail.outbox) == 1


def test_every_kind_has_its_short_text_and_every_route_a_topic():
    assert set(SHORT_TEXT) == set(NotificationKind.values)
    assert set(ROUTES) <= set(Topic.values)
    routed = {route.kind for route in ROUTES.values()}
    assert routed == set(NotificationKind.values)


def test_only_a_disruption_is_urgent_enough_for_an_sms():
    by_sms = [topic for topic, route in ROUTES.items() if "sms" in route.channels]
    assert by_sms == [Topic.BOOKING_DISRUPTED]


def test_a_cancelled_unpaid_hold_says_there_is_nothing_to_refund(user):
    booking = held_booking(user=user)
    booking_services.booking_cancel(locator=booking.locator, actor=user)

    deliver()

    assert Notification.objects.get(kind="booking_cancelled", channel="in_app").body == "Nothing to refund."
