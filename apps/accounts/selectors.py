"""Reads of accounts that encode a rule."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from apps.accounts.models import User
from apps.accounts.permissions import user_is_admin


def users_visible_to(*, user: Any, users: QuerySet[User] | None = None) -> QuerySet[User]:
    """Admins see everyone; anyone else themselves and, for an agent, the people of their
    own agency."""
    users = User.objects.all() if users is None else users
    if user_is_admin(user):
        return users
    rule = Q(pk=user.pk)
    if getattr(user, "partner_id", None):
        rule |= Q(partner_id=user.partner_id)
    return users.filter(rule)
