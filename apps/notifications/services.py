from __future__ import annotations

import uuid

from django.core.mail import send_mail
from django.db import IntegrityError, transaction

from apps.accounts.models import User
from apps.notifications.models import Notification


def notification_email_send(
    *, event_id: uuid.UUID, kind: str, recipient: str, subject: str, body: str, user: User | None
) -> bool:
    """Send one email for an event and record it; False if it was already sent.

    The record is written after the send: a crash in between may repeat the email once
    (at least once), never lose it."""
    if Notification.objects.filter(event_id=event_id, kind=kind, recipient=recipient).exists():
        return False
    send_mail(subject, body, None, [recipient])
    try:
        with transaction.atomic():
            Notification.objects.create(
                user=user, recipient=recipient, kind=kind, subject=subject, body=body, event_id=event_id
            )
    except IntegrityError:
        return False  # a concurrent delivery recorded it first
    return True
