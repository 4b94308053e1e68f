"""Telling customers: one entry point per outbox event (`notifications_for_event`), which
reads the route of the event's topic (apps/notifications/routing.py) and sends one
message per channel and recipient, each recorded in `Notification`.

Each message is recorded (`queued`) before it is sent and marked `sent` after, so a
redelivered event sends nothing twice; a crash between the send and the mark repeats
that one message once, with the same Message-ID (at least once, never lost). A message
that fails is marked `failed` and the handler raises, so the outbox tries the event
again later; what went out already is not sent again."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable
from decimal import Decimal
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from apps.accounts import preferences
from apps.accounts.models import MessageChannel, User
from apps.bookings import selectors as booking_selectors
from apps.bookings.models import Booking
from apps.core import clock
from apps.core.models import OutboxEvent
from apps.notifications.emails import email_build
from apps.notifications.errors import NotificationNotFound
from apps.notifications.kinds import is_essential
from apps.notifications.models import Notification, NotificationStatus
from apps.notifications.routing import ROUTES, SHORT_TEXT
from apps.notifications.sms import sms_send
from apps.payments.models import Payment, Refund

logger = logging.getLogger(__name__)


class NotificationsFailed(Exception):
    """Some messages of an event could not be sent; the outbox tries the event again."""


def notification_message_id(*, event_id: uuid.UUID, kind: str, recipient: str) -> str:
    """The email's Message-ID, the same every time this event's email of this kind goes to
    this recipient: a repeat after a crash is recognisable downstream as the same message."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "flightbook.invalid"
    # The address is hashed: Message-IDs travel in headers and logs the recipient never sees.
    recipient_tag = hashlib.sha256(recipient.strip().lower().encode()).hexdigest()[:16]
    return f"<{event_id}.{kind}.{recipient_tag}@{domain}>"


def unsubscribe_url(*, user: User, channel: str) -> str:
    """The one-click link that turns reminders off on `channel` for `user`, no sign-in needed."""
    token = preferences.unsubscribe_token(user=user, channel=channel)
    return settings.SITE_URL + reverse("accounts:reminders_unsubscribe", args=[token])


def _customer(booking: Booking) -> User | None:
    user = booking.user
    return user if isinstance(user, User) and user.is_active else None


def _event_subject(event: OutboxEvent) -> tuple[Booking, dict[str, Any]]:
    """The booking an event is about, and what its message adds (`extra` of email_build)."""
    payload = event.payload
    extra: dict[str, Any] = {}
    if "refund_id" in payload:
        refund = Refund.objects.select_related("payment").get(pk=payload["refund_id"])
        extra["refund"] = refund
        locator = refund.payment.booking.locator
    else:
        locator = payload["locator"]
    if "payment_id" in payload:
        extra["payment"] = Payment.objects.get(pk=payload["payment_id"])
    if "refund_amount" in payload:
        extra["refund_amount"] = Decimal(payload["refund_amount"])
        extra["currency"] = payload.get("currency", "")
    return booking_selectors.booking_get_for_system(locator=locator), extra


def _short_text(kind: str, booking: Booking, extra: dict[str, Any]) -> tuple[str, str]:
    refund = extra.get("refund")
    values = {
        "locator": booking.locator,
        "hold_expires_at": f"{booking.hold_expires_at:%H:%M} UTC on {booking.hold_expires_at:%d %b}"
        if booking.hold_expires_at
        else "",
        "refund_amount": refund.amount if refund else extra.get("refund_amount", ""),
        "currency": refund.currency if refund else extra.get("currency", booking.currency),
    }
    amount = values["refund_amount"]
    values["refund_due"] = (
        f"Refund due: {amount} {values['currency']}." if amount and Decimal(amount) > 0 else "Nothing to refund."
    )
    title, body = SHORT_TEXT[kind]
    return title.format(**values), body.format(**values)


def _record(
    *, event_id: uuid.UUID, kind: str, channel: str, recipient: str, booking: Booking | None, user: User | None
) -> Notification:
    with transaction.atomic(durable=True):
        notification, _ = Notification.objects.get_or_create(
            event_id=event_id,
            kind=kind,
            channel=channel,
            recipient=recipient,
            defaults={"booking": booking, "user": user, "status": NotificationStatus.QUEUED},
        )
    return notification


def _deliver(
    notification: Notification, *, send: Callable[[], tuple[str, str, str]], user: User | None
) -> Notification:
    """Send a recorded message unless it went out already or the customer turned it off.
    `send()` sends and answers (subject, body, provider id)."""
    if notification.status in (NotificationStatus.SENT, NotificationStatus.SKIPPED):
        return notification
    if not is_essential(notification.kind) and not preferences.reminders_wanted(
        user=user, channel=notification.channel
    ):
        notification.status = NotificationStatus.SKIPPED
        notification.save(update_fields=["status"])
        return notification
    try:
        subject, body, provider_id = send()
    except Exception as exc:
        notification.status = NotificationStatus.FAILED
        notification.error = f"{type(exc).__name__}: {exc}"[:500]
        notification.save(update_fields=["status", "error"])
        raise
    notification.subject, notification.body, notification.provider_id = subject[:200], body, provider_id
    notification.status, notification.sent_at, notification.error = NotificationStatus.SENT, clock.now(), ""
    notification.save(update_fields=["subject", "body", "provider_id", "status", "sent_at", "error"])
    return notification


def notification_email_send(
    *,
    event_id: uuid.UUID,
    kind: str,
    booking: Booking,
    recipient: str,
    user: User | None,
    extra: dict[str, Any] | None = None,
) -> bool:
    """Send one email for an event and record it; False if it was not sent now (it went
    out already, or the customer turned this kind of message off)."""
    notification = _record(
        event_id=event_id, kind=kind, channel=MessageChannel.EMAIL, recipient=recipient, booking=booking, user=user
    )
    if notification.status in (NotificationStatus.SENT, NotificationStatus.SKIPPED):
        return False

    def send() -> tuple[str, str, str]:
        link = "" if is_essential(kind) or user is None else unsubscribe_url(user=user, channel=MessageChannel.EMAIL)
        message = email_build(
            kind=kind,
            booking=booking,
            recipient=recipient,
            message_id=notification_message_id(event_id=event_id, kind=kind, recipient=recipient),
            extra=extra or {},
            unsubscribe_url=link,
        )
        message.send()
        return message.subject, message.body, ""

    return _deliver(notification, send=send, user=user).status == NotificationStatus.SENT


def notification_sms_send(
    *, event_id: uuid.UUID, kind: str, booking: Booking, phone: str, title: str, body: str, user: User | None
) -> Notification:
    """Send one SMS (to an E.164 number) for an event and record it with the provider's id."""
    notification = _record(
        event_id=event_id, kind=kind, channel=MessageChannel.SMS, recipient=phone, booking=booking, user=user
    )
    text = f"flightbook: {title}. {body} {settings.SITE_URL}{reverse('bookings:detail', args=[booking.locator])}"

    def send() -> tuple[str, str, str]:
        return title, text, sms_send(to=phone, body=text).provider_id

    return _deliver(notification, send=send, user=user)


def notification_in_app_create(
    *, event_id: uuid.UUID, kind: str, booking: Booking, user: User, title: str, body: str
) -> Notification:
    """The entry in the customer's notification list (the bell) for an event."""
    notification = _record(
        event_id=event_id,
        kind=kind,
        channel=MessageChannel.IN_APP,
        recipient=f"user:{user.pk}",
        booking=booking,
        user=user,
    )
    return _deliver(notification, send=lambda: (title, body, ""), user=user)


def notifications_for_event(*, event: OutboxEvent) -> list[Notification]:
    """Tell the customer about an event on every channel its topic's route names: email to
    the booking's contact, SMS to its contact phone, in-app to its customer account. A
    channel without a recipient (no phone, a guest booking) is left out. Raises
    NotificationsFailed after trying every channel when one failed."""
    route = ROUTES.get(event.topic)
    if route is None:
        return []
    booking, extra = _event_subject(event)
    user = _customer(booking)
    title, body = _short_text(route.kind, booking, extra)
    failures: list[str] = []
    for channel in route.channels:
        try:
            if channel == MessageChannel.EMAIL and booking.contact_email:
                notification_email_send(
                    event_id=event.id,
                    kind=route.kind,
                    booking=booking,
                    recipient=booking.contact_email,
                    user=user,
                    extra=extra,
                )
            elif channel == MessageChannel.SMS and booking.contact_phone:
                notification_sms_send(
                    event_id=event.id,
                    kind=route.kind,
                    booking=booking,
                    phone=booking.contact_phone,
                    title=title,
                    body=body,
                    user=user,
                )
            elif channel == MessageChannel.IN_APP and user is not None:
                notification_in_app_create(
                    event_id=event.id, kind=route.kind, booking=booking, user=user, title=title, body=body
                )
        except Exception as exc:
            logger.exception("could not send %s by %s for event %s", route.kind, channel, event.id)
            failures.append(f"{channel}: {type(exc).__name__}: {exc}")
    if failures:
        raise NotificationsFailed("; ".join(failures))
    return list(Notification.objects.filter(event_id=event.id))


def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of the user's in-app notifications read (again: a no-op). Another
    customer's, or one that does not exist, raises NotificationNotFound."""
    if not 0 < notification_id < 2**63:  # beyond the id column: no such row
        raise NotificationNotFound()
    with transaction.atomic(durable=True):
        notification = Notification.objects.filter(pk=notification_id, user=user, channel=MessageChannel.IN_APP).first()
        if notification is None:
            raise NotificationNotFound()
        if notification.read_at is None:
            notification.read_at = clock.now()
            notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread in-app notification of the user read; returns how many."""
    with transaction.atomic(durable=True):
        return Notification.objects.filter(user=user, channel=MessageChannel.IN_APP, read_at__isnull=True).update(
            read_at=clock.now()
        )
