"""Shared by the account tests, and by any test that needs staff in the admin: real
TOTP codes computed from a device's key, and sessions that passed the second step."""

from __future__ import annotations

import importlib
import re
import time

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"


def verified_user(**fields):
    """A user who signed up and confirmed their email address."""
    user = UserFactory(**fields)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def totp_device_add(user, *, name: str = "Phone") -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name=name, confirmed=True)


def totp_code(device: TOTPDevice) -> str:
    """A code the device accepts now: the current step, or the next one when the current
    one was spent (django-otp accepts one step either side, and each step once)."""
    device.refresh_from_db()
    now_step = (int(time.time()) - device.t0) // device.step
    step = max(now_step, device.last_t + 1)
    assert step <= now_step + 1, "this device's codes for now are spent; the test asked for too many"
    code = totp(device.bin_key, device.step, device.t0, device.digits, drift=step - now_step)
    return f"{code:0{device.digits}d}"


def otp_force_login(client, user) -> TOTPDevice:
    """`client.force_login` for staff: the session also passed the second step, with a
    device made for it (the admin refuses staff without one)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or totp_device_add(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def link_in(message, path_prefix: str) -> str:
    """The path of the first link in an email that starts with `path_prefix`."""
    match = re.search(r"https?://[^/\s]+(" + re.escape(path_prefix) + r"\S*)", message.body)
    assert match, f"no {path_prefix} link in: {message.body}"
    return match.group(1)


def roles_migration():
    return importlib.import_module("apps.accounts.migrations.0003_roles")


def roles_ensured() -> dict[str, Group]:
    """The groups as migration 0003 makes them, made again here: a transactional test's
    flush (in an earlier run of a reused test database) empties what migrations filled."""
    state_apps = MigrationExecutor(connection).loader.project_state(("accounts", "0003_roles")).apps
    with connection.schema_editor(atomic=False) as editor:
        roles_migration().roles_create(state_apps, editor)
    return {group.name: group for group in Group.objects.filter(name__in=["customer", "agent", "admin"])}
