"""Roles (the groups `customer`, `agent`, `admin`, made by migration 0003) and the API's
permission for partner keys' scopes."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from apps.accounts.api_keys import InsufficientScope, PartnerKeyPrincipal
from apps.accounts.models import User
from apps.accounts.services import ROLE_ADMIN, ROLE_AGENT

_ROLES_CACHE = "_flightbook_roles"


def user_roles(user: Any) -> frozenset[str]:
    """The names of the user's groups, read once per user object (i.e. per request)."""
    if user is None or not user.is_authenticated or user.pk is None:
        return frozenset()
    roles = getattr(user, _ROLES_CACHE, None)
    if roles is None:
        roles = frozenset(user.groups.values_list("name", flat=True))
        setattr(user, _ROLES_CACHE, roles)
    return roles


def _second_factor_ok(user: Any) -> bool:
    """Staff powers need a second factor. A browser session carries django-otp's
    `is_verified`; an API token exists for staff only if an OTP code was given."""
    is_verified = getattr(user, "is_verified", None)
    return is_verified is None or bool(is_verified())


def user_is_admin(user: Any) -> bool:
    """A superuser or a member of `admin`, signed in with a second factor: sees and serves
    every booking."""
    admin = bool(user is not None and user.is_authenticated and user.is_superuser) or ROLE_ADMIN in user_roles(user)
    return admin and _second_factor_ok(user)


def user_is_agent(user: Any) -> bool:
    """A member of `agent`, signed in with a second factor. With a partner, they serve
    that partner's bookings."""
    return ROLE_AGENT in user_roles(user) and _second_factor_ok(user)


def user_may_look_up_bookings(user: Any) -> bool:
    """Agents and staff find a customer's booking by locator and family name."""
    if isinstance(user, PartnerKeyPrincipal) or user is None or not user.is_authenticated:
        return False
    return (user.is_staff and _second_factor_ok(user)) or user_is_agent(user) or user_is_admin(user)


class HasApiKeyScope(BasePermission):
    """Signed in, and for a partner key: holding the scope the view names for the method
    in `required_scopes` (e.g. `{"GET": "read", "POST": "book"}`). A method the view does
    not name is refused to keys. Users (JWT, session) are not limited by scopes."""

    @staticmethod
    def _scope_for(view: Any, method: str) -> str | None:
        method = "GET" if method in ("HEAD", "OPTIONS") else method
        return getattr(view, "required_scopes", {}).get(method)

    def api_keys_accepted(self, view: Any, method: str) -> bool:
        """For the OpenAPI document: whether a key with the right scope may call this."""
        return self._scope_for(view, method) is not None

    def has_permission(self, request: Request, view: Any) -> bool:
        principal = request.user
        if principal is None or not principal.is_authenticated:
            return False
        if not isinstance(principal, PartnerKeyPrincipal):
            return True
        scope = self._scope_for(view, request.method)
        if scope is None:
            raise InsufficientScope("API keys cannot be used here.")
        if not principal.has_scope(scope):
            raise InsufficientScope(f"This API key lacks the `{scope}` scope.")
        return True


class MayLookUpBookings(BasePermission):
    """Agents and staff only (see `user_may_look_up_bookings`)."""

    message = "Only agents may look up bookings."

    def api_keys_accepted(self, view: Any, method: str) -> bool:
        return False  # a key is no agent: user_may_look_up_bookings refuses it

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.user is None or not request.user.is_authenticated:
            return False
        return user_may_look_up_bookings(request.user)


class IsPerson(BasePermission):
    """A signed-in person (session or JWT): their own account, notifications and
    preferences. A partner's API key has none of these: 403 `permission_denied`."""

    message = "This endpoint is for a person's own account; API keys have none."

    def api_keys_accepted(self, view: Any, method: str) -> bool:
        return False

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.user, User) and request.user.is_authenticated
