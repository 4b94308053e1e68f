from __future__ import annotations

from django.db.models import QuerySet

from apps.accounts.models import MessageChannel, User
from apps.notifications.models import Notification


def notifications_in_app(*, user: User) -> QuerySet[Notification]:
    """The user's own in-app notifications, newest first."""
    return (
        Notification.objects.filter(user=user, channel=MessageChannel.IN_APP)
        .select_related("booking")
        .order_by("-created_at", "-pk")
    )


def notifications_unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, channel=MessageChannel.IN_APP, read_at__isnull=True).count()
