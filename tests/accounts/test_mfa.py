"""Two-factor authentication with django-otp: enrolment, the verify step after signing
in, backup codes and removal. Codes are real TOTP codes computed from the device key."""

from __future__ import annotations

import re
from base64 import b32decode

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts import services
from tests.accounts.helpers import PASSWORD, totp_code, totp_device_add, verified_user

pytestmark = pytest.mark.django_db

VERIFY = "/accounts/mfa/verify/"


def _sign_in(client, user):
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return response


def _secret_on_page(html: str) -> bytes:
    secret = re.search(r'<code class="otp-secret">([A-Z2-7 ]+)</code>', html).group(1).replace(" ", "")
    return b32decode(secret + "=" * (-len(secret) % 8))


def test_customer_turns_on_an_authenticator_app_and_is_asked_for_a_code_at_the_next_sign_in(client):
    user = verified_user()
    _sign_in(client, user)

    page = client.get("/accounts/mfa/totp/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html
    assert "<img" not in html
    assert "style=" not in html
    key = _secret_on_page(html)
    enrolled = client.post("/accounts/mfa/totp/", {"code": f"{totp(key):06d}"})

    assert enrolled.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", enrolled.content.decode())
    assert len(codes) == 10
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed
    assert device.bin_key == key
    assert client.get(reverse("bookings:my_trips")).status_code == 200  # this session passed with the code

    client.post("/accounts/logout/")
    signed_in = _sign_in(client, user)
    landing = client.get(signed_in["Location"])
    assert landing.status_code == 302
    assert landing["Location"].startswith(VERIFY)
    assert client.get("/accounts/mfa/").status_code == 302  # every page waits for the code

    verified = client.post(landing["Location"], {"code": totp_code(device)})

    assert verified.status_code == 302
    assert verified["Location"] == signed_in["Location"]
    assert client.get(verified["Location"]).status_code == 200


def test_enrolment_refuses_a_wrong_code(client):
    user = verified_user()
    client.force_login(user)
    key = _secret_on_page(client.get("/accounts/mfa/totp/").content.decode())
    wrong = f"{(totp(key) + 1) % 1_000_000:06d}"

    response = client.post("/accounts/mfa/totp/", {"code": wrong})

    assert response.status_code == 200
    assert "does not match" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_a_wrong_code_does_not_pass_the_verify_step(client):
    user = verified_user()
    device = totp_device_add(user)
    _sign_in(client, user)
    wrong = f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"

    response = client.post(VERIFY, {"code": wrong})

    assert response.status_code == 200
    assert "wrong or was already used" in response.content.decode()
    assert client.get(reverse("bookings:my_trips")).status_code == 302


def test_a_backup_code_works_once(client):
    user = verified_user()
    totp_device_add(user)
    code = services.backup_codes_generate(user=user)[0]

    _sign_in(client, user)
    first = client.post(VERIFY, {"code": code.upper()})
    assert first.status_code == 302
    assert client.get(reverse("bookings:my_trips")).status_code == 200

    client.post("/accounts/logout/")
    _sign_in(client, user)
    again = client.post(VERIFY, {"code": code})

    assert again.status_code == 200
    assert "wrong or was already used" in again.content.decode()
    assert StaticToken.objects.filter(device__user=user).count() == 9


def test_removing_the_app_needs_a_current_code_and_turns_two_factor_off(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # a wrong code first, then the right one at once
    user = verified_user()
    device = totp_device_add(user)
    services.backup_codes_generate(user=user)
    _sign_in(client, user)
    client.post(VERIFY, {"code": totp_code(device)})
    remove = f"/accounts/mfa/totp/{device.pk}/remove/"
    assert client.get(remove).status_code == 200

    refused = client.post(remove, {"code": "000000" if totp_code(device) != "000000" else "111111"})
    assert refused.status_code == 200
    assert TOTPDevice.objects.filter(pk=device.pk).exists()

    removed = client.post(remove, {"code": totp_code(device)})

    assert removed.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticToken.objects.filter(device__user=user).exists()
    client.post("/accounts/logout/")
    signed_in = _sign_in(client, user)
    assert client.get(signed_in["Location"]).status_code == 200  # no second step any more


def test_someone_elses_device_cannot_be_removed(client):
    owner_device = totp_device_add(verified_user())
    client.force_login(verified_user())

    assert client.get(f"/accounts/mfa/totp/{owner_device.pk}/remove/").status_code == 404


def test_a_session_waiting_for_its_code_counts_as_nobody_on_the_api(client):
    user = verified_user()
    device = totp_device_add(user)
    _sign_in(client, user)

    assert client.get("/api/v1/bookings/").status_code in (401, 403)
    client.post(VERIFY, {"code": totp_code(device)})
    assert client.get("/api/v1/bookings/").status_code == 200


def test_the_status_page_lists_the_apps(client):
    user = verified_user()
    client.force_login(user)
    assert "Off" in client.get("/accounts/mfa/").content.decode()

    device = totp_device_add(user, name="Work phone")
    client.post(VERIFY, {"code": totp_code(device)})
    html = client.get("/accounts/mfa/").content.decode()

    assert "Work phone" in html
    assert f"/accounts/mfa/totp/{device.pk}/remove/" in html
