from __future__ import annotations

import time
from binascii import unhexlify
from dataclasses import dataclass
from typing import Any

import django_otp
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, update_last_login
from django.db import transaction
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from apps.accounts.errors import (
    EmailUnverified,
    MfaEnrolmentRequired,
    OtpInvalid,
    OtpRequired,
    OtpThrottled,
    TokenInvalid,
    TokenRevoked,
)
from apps.accounts.jwt import RefreshToken, token_predates_revocation
from apps.accounts.models import User
from apps.core import clock
from apps.core.audit import audit_record
from apps.core.errors import ValidationFailed

ROLE_AGENT = "agent"
ROLE_ADMIN = "admin"
ROLE_CUSTOMER = "customer"


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str


DEMO_ACCOUNTS = (
    DemoAccount(ROLE_CUSTOMER, "customer@flightbook.example"),
    DemoAccount(ROLE_AGENT, "agent@flightbook.example"),
    DemoAccount(ROLE_ADMIN, "admin@flightbook.example"),
)


def demo_accounts_ensure(*, password: str) -> list[DemoAccount]:
    """Create the demo customer, agent and admin when missing, each with a verified
    primary email address (so that they can sign in); returns those created now."""
    created: list[DemoAccount] = []
    with transaction.atomic(durable=True):
        for account in DEMO_ACCOUNTS:
            user = User.objects.filter(email__iexact=account.email).first()
            if user is None:
                user = User.objects.create_user(
                    account.email,
                    password,
                    first_name=account.role.capitalize(),
                    last_name="Demo",
                    is_staff=account.role in (ROLE_AGENT, ROLE_ADMIN),
                    is_superuser=account.role == ROLE_ADMIN,
                )
                group, _ = Group.objects.get_or_create(name=account.role)
                user.groups.add(group)
                created.append(account)
            EmailAddress.objects.update_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )
    return created


# --- Two-factor authentication (django-otp) -------------------------------------------------

BACKUP_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"


def user_requires_mfa(user: Any) -> bool:
    """Staff, agents and admins see other people's bookings: they must use a second factor."""
    return bool(user.is_staff or user.is_superuser or user.groups.filter(name__in=(ROLE_AGENT, ROLE_ADMIN)).exists())


def _otp_token_normalize(token: str) -> str:
    """Codes are typed with spaces or dashes now and then ("123 456", "abcd-efgh")."""
    return "".join(token.split()).replace("-", "").lower()


def totp_device_create(*, user: User, key: str, token: str, name: str = TOTP_DEVICE_NAME) -> TOTPDevice:
    """Turn on an authenticator app: `key` (hex) is the secret it scanned, `token` the code
    it shows now. The code proves the app holds the key; it cannot be used again."""
    totp = TOTP(unhexlify(key))
    totp.time = time.time()
    token = _otp_token_normalize(token)
    if not token.isdigit() or not totp.verify(int(token), tolerance=1):
        raise OtpInvalid("This code does not match; check the app's clock and enter the current code.")
    with transaction.atomic(durable=True):
        device = TOTPDevice.objects.create(user=user, name=name, key=key, confirmed=True, last_t=totp.t())
        audit_record(actor=user, action="mfa_totp_add", obj=device)
    return device


def backup_codes_generate(*, user: User) -> list[str]:
    """Ten new single-use backup codes, replacing any earlier ones. They are returned once
    and only to be shown: whoever has one can pass the second step once."""
    if not TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
        raise ValidationFailed("Set up an authenticator app before backup codes.")
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    with transaction.atomic(durable=True):
        device = StaticDevice.objects.filter(user=user).order_by("pk").first()
        if device is None:
            device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
        StaticToken.objects.filter(device__user=user).delete()
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
        audit_record(actor=user, action="mfa_backup_codes_generate", obj=device)
    return codes


def otp_device_verify(*, user: User, token: str) -> Device:
    """The user's confirmed device that accepts `token`, which is spent: a TOTP code for an
    authenticator app, anything else a backup code. Raises OtpInvalid, or OtpThrottled
    while django-otp makes the device wait after wrong codes."""
    token = _otp_token_normalize(token)
    kind = TOTPDevice if token.isdigit() else StaticDevice
    verified: Device | None = None
    locked_until = None
    # Not raising inside the transaction: a wrong code must still count towards throttling.
    with transaction.atomic(durable=True):
        for device in django_otp.devices_for_user(user, confirmed=True, for_verify=True):
            if not isinstance(device, kind):
                continue
            allowed, details = device.verify_is_allowed()
            if not allowed:
                locked_until = (details or {}).get("locked_until")
                continue
            if device.verify_token(token):
                verified = device
                break
    if verified is not None:
        return verified
    if locked_until is not None:
        seconds = max(1, round((locked_until - clock.now()).total_seconds()))
        raise OtpThrottled(f"Too many wrong codes; try again in {seconds} seconds.", retry_after=seconds)
    raise OtpInvalid()


def totp_device_remove(*, user: User, device_id: int, token: str) -> None:
    """Remove one of the user's authenticator apps, proven by a current code (from any
    device). Without an app left, the backup codes go too: two-factor is then off."""
    device = TOTPDevice.objects.devices_for_user(user).filter(pk=device_id).first()
    if device is None:
        raise ValidationFailed("No such authenticator app.")
    otp_device_verify(user=user, token=token)
    if user_requires_mfa(user) and TOTPDevice.objects.devices_for_user(user).count() <= 1:
        raise ValidationFailed("Staff must keep an authenticator app: add the new one before removing this one.")
    with transaction.atomic(durable=True):
        audit_record(actor=user, action="mfa_totp_remove", obj=device)
        device.delete()
        if not TOTPDevice.objects.devices_for_user(user).exists():
            StaticDevice.objects.filter(user=user).delete()


# --- API tokens (simplejwt) -------------------------------------------------------------------


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


def _email_unconfirmed(user: User) -> bool:
    """Signed up but never followed the confirmation link. Accounts made by staff or
    commands have no address record at all and are trusted as they are."""
    addresses = EmailAddress.objects.filter(user=user)
    return addresses.exists() and not addresses.filter(verified=True).exists()


def api_tokens_issue(*, user: User, otp: str | None) -> TokenPair:
    """An access and a refresh token for `user`, whose password was checked. With a
    confirmed second factor, `otp` must be a current code; staff without one get none."""
    if _email_unconfirmed(user):
        raise EmailUnverified()
    if django_otp.user_has_device(user, confirmed=True):
        if not otp:
            raise OtpRequired()
        otp_device_verify(user=user, token=otp)
    elif user_requires_mfa(user):
        raise MfaEnrolmentRequired()
    with transaction.atomic(durable=True):
        refresh = RefreshToken.for_user(user)
        if jwt_settings.UPDATE_LAST_LOGIN:
            update_last_login(None, user)
    return TokenPair(access=str(refresh.access_token), refresh=str(refresh))


def _refresh_token_load(raw_token: str) -> RefreshToken:
    try:
        return RefreshToken(raw_token)
    except TokenError:
        raise TokenInvalid("The refresh token is invalid, expired or already used.") from None


def api_tokens_refresh(*, refresh: str) -> TokenPair:
    """Rotate: a new pair for a live refresh token, which is blacklisted on the way, so
    that it works once. Two requests racing with the same token get one pair."""
    token = _refresh_token_load(refresh)
    user = User.objects.filter(**{jwt_settings.USER_ID_FIELD: token.get(jwt_settings.USER_ID_CLAIM)}).first()
    if user is None or not user.is_active:
        raise TokenInvalid("The account of this refresh token is not active.")
    if token_predates_revocation(token=token, user=user):
        raise TokenRevoked()
    with transaction.atomic(durable=True):
        # The blacklist row is unique per token: of two racing requests, one creates it.
        _, first_use = token.blacklist()
        rotated = RefreshToken.for_user(user) if first_use else None
    if rotated is None:
        raise TokenInvalid("This refresh token was already used.")
    return TokenPair(access=str(rotated.access_token), refresh=str(rotated))


def api_refresh_token_revoke(*, refresh: str) -> None:
    """Sign one API client out: its refresh token stops working at once (its access token
    lapses within minutes)."""
    token = _refresh_token_load(refresh)
    with transaction.atomic(durable=True):
        token.blacklist()


def user_api_tokens_revoke(*, user: User) -> None:
    """After a password change or reset: every access and refresh token issued so far is
    refused from now on. Runs in the caller's transaction when there is one (a save)."""
    with transaction.atomic():
        now = clock.now()
        User.objects.filter(pk=user.pk).update(tokens_valid_after=now)
        live = OutstandingToken.objects.filter(user=user, expires_at__gt=now, blacklistedtoken__isnull=True)
        BlacklistedToken.objects.bulk_create((BlacklistedToken(token=token) for token in live), ignore_conflicts=True)
    user.tokens_valid_after = now
