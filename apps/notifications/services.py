from __future__ import annotations

import hashlib
import uuid
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction

from apps.accounts.models import User
from apps.notifications.models import Notification


def notification_message_id(*, event_id: uuid.UUID, kind: str, recipient: str) -> str:
    """The email's Message-ID, the same every time this event's email of this kind goes to
    this recipient: a repeat after a crash is recognisable downstream as the same message."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "flightbook.invalid"
    # The address is hashed: Message-IDs travel in headers and logs the recipient never sees.
    recipient_tag = hashlib.sha256(recipient.strip().lower().encode()).hexdigest()[:16]
    return f"<{event_id}.{kind}.{recipient_tag}@{domain}>"


def notification_email_send(
    *, event_id: uuid.UUID, kind: str, recipient: str, subject: str, body: str, user: User | None
) -> bool:
    """Send one email for an event and record it; False if it was already sent.

    The record is written after the send: a crash in between may repeat the email once
    (at least once), never lose it; the repeat carries the same Message-ID."""
    if Notification.objects.filter(event_id=event_id, kind=kind, recipient=recipient).exists():
        return False
    message_id = notification_message_id(event_id=event_id, kind=kind, recipient=recipient)
    EmailMessage(subject, body, None, [recipient], headers={"Message-ID": message_id}).send()
    try:
        with transaction.atomic():
            Notification.objects.create(
                user=user, recipient=recipient, kind=kind, subject=subject, body=body, event_id=event_id
            )
    except IntegrityError:
        return False  # a concurrent delivery recorded it first
    return True
