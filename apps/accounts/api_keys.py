"""Partner API keys: `Authorization: Api-Key fbk_<prefix>_<secret>`.

A key is shown once, when it is created; only its SHA-256 hash is stored, next to the
prefix that finds it. A request made with a key is made by a `PartnerKeyPrincipal`,
which the rest of the code treats like a signed-in user that is nobody's account: it
sees and changes only the bookings its key made, within the key's scopes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.request import Request

from apps.accounts.models import ApiKey, ApiKeyScope, Partner, User
from apps.core import clock
from apps.core.audit import audit_record
from apps.core.errors import DomainError, ValidationFailed

KEYWORD = "Api-Key"
KEY_TAG = "fbk"
PREFIX_LENGTH = 8
# No underscore in the prefix: it separates the parts of the key.
PREFIX_ALPHABET = string.ascii_lowercase + string.digits
SECRET_BYTES = 32  # 43 url-safe characters
# Writing last_used_at on every request would turn each read into a write.
LAST_USED_PRECISION = timedelta(minutes=1)


class ApiKeyInvalid(DomainError, AuthenticationFailed):
    """Unknown, malformed or revoked key, or a partner that is switched off: 401."""

    code = "invalid_api_key"
    status = 401
    title = "The API key was not accepted."
    challenge = f'{KEYWORD} realm="api"'


class InsufficientScope(DomainError, PermissionDenied):
    code = "insufficient_scope"
    status = 403
    title = "This API key may not do this."


class PartnerKeyPrincipal:
    """Who acts when a request carries a partner's API key. Not a user: it has no id,
    no staff powers and no permissions; `email` is only a label for timelines and logs."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = id = None

    def __init__(self, api_key: ApiKey) -> None:
        self.api_key = api_key
        self.partner: Partner = api_key.partner
        self.email = f"api-key:{api_key.prefix}"

    def __str__(self) -> str:
        return self.email

    def has_scope(self, scope: str) -> bool:
        return scope in self.api_key.scopes

    def has_perm(self, perm: str, obj=None) -> bool:
        return False

    def has_perms(self, perm_list: Iterable[str], obj=None) -> bool:
        return False

    def has_module_perms(self, app_label: str) -> bool:
        return False


def api_key_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def _new_prefix() -> str:
    return "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))


def api_key_create(
    *, partner: Partner, name: str, scopes: Iterable[str], created_by: User | None
) -> tuple[ApiKey, str]:
    """A new key for `partner`. Returns the key and its raw text, which is never stored
    and cannot be shown again."""
    scopes = sorted(set(scopes))
    unknown = [scope for scope in scopes if scope not in ApiKeyScope.values]
    if not scopes or unknown:
        raise ValidationFailed(errors={"scopes": [f"Choose one or more of {', '.join(ApiKeyScope.values)}."]})
    if not name.strip():
        raise ValidationFailed(errors={"name": ["Name the key, e.g. after the system that uses it."]})
    with transaction.atomic(durable=True):
        # 36^8 prefixes: a clash is rare enough to retry rather than lock.
        prefix = _new_prefix()
        while ApiKey.objects.filter(prefix=prefix).exists():
            prefix = _new_prefix()
        raw_key = f"{KEY_TAG}_{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
        api_key = ApiKey.objects.create(
            partner=partner,
            name=name.strip(),
            prefix=prefix,
            key_hash=api_key_hash(raw_key),
            scopes=scopes,
            created_by=created_by,
            created_at=clock.now(),
        )
        audit_record(
            actor=created_by,
            action="api_key_create",
            obj=api_key,
            changes={"partner": partner.name, "name": api_key.name, "scopes": scopes},
        )
    return api_key, raw_key


def api_key_revoke(*, api_key: ApiKey, actor: User | None) -> ApiKey:
    """Refuse the key from now on. Revoking a revoked key changes nothing."""
    with transaction.atomic(durable=True):
        now = clock.now()
        if ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=now):
            audit_record(actor=actor, action="api_key_revoke", obj=api_key, changes={"revoked_at": [None, str(now)]})
    api_key.refresh_from_db()
    return api_key


def api_key_authenticate(*, raw_key: str) -> ApiKey:
    """The live key whose text this is, or ApiKeyInvalid."""
    tag, _, rest = raw_key.partition("_")
    prefix, _, secret = rest.partition("_")
    # The prefix reaches a query: only our own alphabet (no NUL, which PostgreSQL refuses).
    if tag != KEY_TAG or len(prefix) != PREFIX_LENGTH or not set(prefix) <= set(PREFIX_ALPHABET) or not secret:
        raise ApiKeyInvalid("The API key is malformed.")
    api_key = ApiKey.objects.select_related("partner").filter(prefix=prefix).first()
    # Compare hashes in constant time, also for an unknown prefix.
    expected = api_key.key_hash if api_key is not None else "0" * 64
    if not hmac.compare_digest(expected, api_key_hash(raw_key)) or api_key is None:
        raise ApiKeyInvalid("The API key is not valid.")
    if api_key.revoked_at is not None:
        raise ApiKeyInvalid("The API key was revoked.")
    if not api_key.partner.is_active:
        raise ApiKeyInvalid("The partner account of this API key is not active.")
    _last_use_record(api_key)
    return api_key


def _last_use_record(api_key: ApiKey) -> None:
    now = clock.now()
    if api_key.last_used_at is not None and now - api_key.last_used_at < LAST_USED_PRECISION:
        return
    # Conditional, so that a burst of parallel requests writes once.
    ApiKey.objects.filter(pk=api_key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_PRECISION)
    ).update(last_used_at=now)
    api_key.last_used_at = now


class ApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Api-Key <key>`; `request.user` is a PartnerKeyPrincipal and
    `request.auth` the ApiKey."""

    def authenticate(self, request: Request) -> tuple[PartnerKeyPrincipal, ApiKey] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise ApiKeyInvalid("Send the key as `Authorization: Api-Key <key>`.")
        try:
            raw_key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise ApiKeyInvalid("The API key is malformed.") from None
        api_key = api_key_authenticate(raw_key=raw_key)
        return PartnerKeyPrincipal(api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD
