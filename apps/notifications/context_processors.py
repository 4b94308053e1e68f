"""The unread count of the notification bell in the site header, counted only when a page
shows it (for a signed-in customer)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from apps.accounts.models import User
from apps.notifications import selectors


def unread_notifications(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated:
        return {}
    return {"notifications_unread": SimpleLazyObject(lambda: selectors.notifications_unread_count(user=user))}
