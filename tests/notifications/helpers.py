"""What the notification tests share: a held booking with a contact (and phone), and the
outbox delivered as the worker would."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from apps.accounts.models import User
from apps.bookings import services as booking_services
from apps.bookings.models import Booking
from apps.core import outbox
from apps.core.events import Topic
from apps.core.models import OutboxEvent
from apps.inventory.offers import PassengerMix, offer_build
from apps.notifications.models import Notification
from tests.factories import FareClassFactory

CONTACT = "ada@example.com"
PHONE = "+442079460958"


def held_booking(*, user: User | None = None, phone: str = "", email: str = CONTACT, **fare) -> Booking:
    """A booking holding one adult's seat of a fresh 200 EUR fare class (with `fare` fields)."""
    fare_class = FareClassFactory(**fare)
    offer = offer_build(slices=[[fare_class]], mix=PassengerMix(adults=1), cabin="economy")
    return booking_services.booking_create(
        offer_id=offer.id,
        passengers=[booking_services.PassengerInput(type="adult", given_name="Ada", family_name="Lovelace")],
        contact=booking_services.ContactInput(email=email, phone=phone),
        user=user,
    )


def deliver() -> int:
    """Dispatch every event waiting in the outbox, and those their handlers published, as
    the worker would (tasks run in-process in tests); returns how many were dispatched."""
    total = 0
    for _ in range(10):
        swept = outbox.sweep(older_than=timedelta(0))
        if not swept:
            break
        total += swept
    return total


def publish(topic: Topic, **payload) -> OutboxEvent:
    with transaction.atomic():
        return outbox.publish(topic=topic, payload=payload)


def sent(**filters) -> list[tuple[str, str, str, str]]:
    """(kind, channel, recipient, status) of the recorded messages, oldest first."""
    return list(
        Notification.objects.filter(**filters)
        .order_by("created_at", "pk")
        .values_list("kind", "channel", "recipient", "status")
    )
