"""Who is calling, as one string: the key under which throttles count and idempotency
keys are claimed. An API key, else a user, else the client's address (read through
`NUM_PROXIES` trusted proxies, as DRF's throttles read it)."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle


def user_client_ident(user_pk: int) -> str:
    return f"user:{user_pk}"


def client_ident(request: Request) -> str:
    api_key = getattr(request.user, "api_key", None)
    if api_key is not None:
        return f"key:{api_key.prefix}"
    if request.user is not None and request.user.is_authenticated and request.user.pk is not None:
        return user_client_ident(request.user.pk)
    return f"ip:{BaseThrottle().get_ident(request)}"
