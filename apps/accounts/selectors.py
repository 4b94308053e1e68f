"""Reads of accounts that encode a rule."""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from allauth.account.adapter import get_adapter
from allauth.core.internal import ratelimit as allauth_ratelimit
from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.http import HttpRequest

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


logger = logging.getLogger(__name__)
LOGIN_FAILED = "login_failed"


def login_lockout_seconds(request: HttpRequest, *, email: str) -> int:
    """How long until allauth's `login_failed` limits (per address and per IP, the lockout
    shared by the sign-in page and `auth/token/`) let this caller try again: the moment
    the attempt that keeps a limit full drops out of its window."""
    rates = allauth_ratelimit.get_rates(app="allauth.account", action=LOGIN_FAILED)
    longest = max((rate.duration for rate in rates), default=60)
    try:
        key = get_adapter(request)._get_login_attempts_cache_key(request, email=email)
        now = time.time()
        wait = 0.0
        for rate in rates:
            cache_key = allauth_ratelimit.get_cache_key(
                request, app="allauth.account", action=LOGIN_FAILED, rate=rate, key=key
            )
            # Newest first, as allauth keeps them.
            history = [at for at in cache.get(cache_key, []) if at > now - rate.duration]
            if len(history) >= rate.amount:
                wait = max(wait, history[rate.amount - 1] + rate.duration - now)
    except Exception:  # allauth's internals moved, or the cache is away: the longest window is safe
        logger.warning("could not read the login lockout; answering its longest window", exc_info=True)
        return math.ceil(longest)
    return max(1, math.ceil(wait)) if wait else math.ceil(longest)
