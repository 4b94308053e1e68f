"""`POST /api/v1/auth/token/` (+ OTP), rotation, sign-out and revocation on a new password."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from apps.accounts import services
from tests.accounts.helpers import PASSWORD, link_in, totp_code, totp_device_add, verified_user
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
LOGOUT = "/api/v1/auth/logout/"
PROTECTED = "/api/v1/bookings/"


def _problem(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code


def _can_read(api_client, access: str) -> int:
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    status = api_client.get(PROTECTED).status_code
    api_client.credentials()
    return status


def test_a_customer_without_a_device_needs_no_otp(api_client):
    user = verified_user()

    response = api_client.post(TOKEN, {"email": user.email, "password": PASSWORD})

    assert response.status_code == 200
    assert _can_read(api_client, response.json()["access"]) == 200


def test_a_user_made_by_staff_or_a_command_gets_tokens(api_client):
    user = UserFactory()  # no email address record at all

    assert api_client.post(TOKEN, {"email": user.email, "password": PASSWORD}).status_code == 200


def test_a_device_without_otp_answers_otp_required(api_client):
    user = verified_user()
    totp_device_add(user)

    _problem(api_client.post(TOKEN, {"email": user.email, "password": PASSWORD}), 401, "otp_required")


def test_a_wrong_otp_answers_otp_invalid(api_client):
    user = verified_user()
    device = totp_device_add(user)
    wrong = f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"

    _problem(api_client.post(TOKEN, {"email": user.email, "password": PASSWORD, "otp": wrong}), 401, "otp_invalid")


def test_the_right_otp_gives_tokens(api_client):
    user = verified_user()
    device = totp_device_add(user)

    response = api_client.post(TOKEN, {"email": user.email, "password": PASSWORD, "otp": totp_code(device)})

    assert response.status_code == 200
    assert _can_read(api_client, response.json()["access"]) == 200


def test_a_backup_code_is_an_otp_too(api_client):
    user = verified_user()
    totp_device_add(user)
    code = services.backup_codes_generate(user=user)[0]

    assert api_client.post(TOKEN, {"email": user.email, "password": PASSWORD, "otp": code}).status_code == 200
    _problem(api_client.post(TOKEN, {"email": user.email, "password": PASSWORD, "otp": code}), 401, "otp_invalid")


def test_staff_without_a_device_get_no_tokens(api_client):
    staff = verified_user(is_staff=True)

    _problem(api_client.post(TOKEN, {"email": staff.email, "password": PASSWORD}), 403, "mfa_enrolment_required")


def test_staff_with_a_device_get_tokens_with_a_code(api_client):
    staff = verified_user(is_staff=True)
    device = totp_device_add(staff)

    response = api_client.post(TOKEN, {"email": staff.email, "password": PASSWORD, "otp": totp_code(device)})

    assert response.status_code == 200


def test_a_wrong_password_answers_invalid_credentials(api_client):
    user = verified_user()

    _problem(api_client.post(TOKEN, {"email": user.email, "password": "nope"}), 401, "invalid_credentials")


def test_an_unconfirmed_sign_up_gets_no_tokens(api_client):
    user = UserFactory()
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)

    _problem(api_client.post(TOKEN, {"email": user.email, "password": PASSWORD}), 403, "email_unverified")


def test_the_api_shares_the_sign_in_lockout(api_client):
    user = verified_user()
    for _ in range(5):
        _problem(api_client.post(TOKEN, {"email": user.email, "password": "nope"}), 401, "invalid_credentials")

    _problem(api_client.post(TOKEN, {"email": user.email, "password": PASSWORD}), 429, "too_many_login_attempts")


def test_a_locked_account_is_told_how_long_to_wait(api_client):
    user = verified_user()
    for _ in range(5):
        api_client.post(TOKEN, {"email": user.email, "password": "nope"})

    locked = api_client.post(TOKEN, {"email": user.email, "password": PASSWORD})

    _problem(locked, 429, "too_many_login_attempts")
    # Five failures in five minutes lock the account until the first of them is five minutes old.
    assert 60 < int(locked["Retry-After"]) <= 300


def test_refresh_rotates_and_the_old_refresh_token_is_refused(api_client):
    user = verified_user()
    first = api_client.post(TOKEN, {"email": user.email, "password": PASSWORD}).json()

    rotated = api_client.post(REFRESH, {"refresh": first["refresh"]})
    assert rotated.status_code == 200
    second = rotated.json()
    assert second["refresh"] != first["refresh"]
    assert _can_read(api_client, second["access"]) == 200

    _problem(api_client.post(REFRESH, {"refresh": first["refresh"]}), 401, "token_invalid")
    assert api_client.post(REFRESH, {"refresh": second["refresh"]}).status_code == 200


def test_logout_blacklists_the_refresh_token(api_client):
    user = verified_user()
    pair = api_client.post(TOKEN, {"email": user.email, "password": PASSWORD}).json()

    assert api_client.post(LOGOUT, {"refresh": pair["refresh"]}).status_code == 204

    _problem(api_client.post(REFRESH, {"refresh": pair["refresh"]}), 401, "token_invalid")


def test_a_garbage_token_is_a_problem_not_a_crash(api_client):
    _problem(api_client.post(REFRESH, {"refresh": "not-a-jwt"}), 401, "token_invalid")
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-jwt")
    _problem(api_client.get(PROTECTED), 401, "token_invalid")


def test_a_bad_or_expired_access_token_is_answered_with_a_bearer_challenge(api_client):
    from datetime import timedelta

    from django.utils import timezone

    from apps.accounts.jwt import AccessToken

    expired = AccessToken.for_user(verified_user())
    expired.set_exp(from_time=timezone.now() - timedelta(hours=1), lifetime=timedelta(minutes=5))
    for token in ("not-a-jwt", str(expired)):
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        response = api_client.get(PROTECTED)
        _problem(response, 401, "token_invalid")
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_used_refresh_token_is_answered_with_a_challenge_too(api_client):
    response = api_client.post(REFRESH, {"refresh": "not-a-jwt"})
    _problem(response, 401, "token_invalid")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_password_change_kills_old_access_and_refresh_tokens(api_client, client):
    user = verified_user()
    old = api_client.post(TOKEN, {"email": user.email, "password": PASSWORD}).json()
    assert _can_read(api_client, old["access"]) == 200
    new_password = "another long passphrase"

    client.force_login(user)
    changed = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": new_password, "password2": new_password},
    )
    assert changed.status_code == 302

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {old['access']}")
    _problem(api_client.get(PROTECTED), 401, "token_revoked")
    api_client.credentials()
    _problem(api_client.post(REFRESH, {"refresh": old["refresh"]}), 401, "token_invalid")
    fresh = api_client.post(TOKEN, {"email": user.email, "password": new_password})
    assert fresh.status_code == 200
    assert _can_read(api_client, fresh.json()["access"]) == 200


def test_a_password_reset_kills_old_tokens(api_client, client):
    user = verified_user()
    old = api_client.post(TOKEN, {"email": user.email, "password": PASSWORD}).json()
    new_password = "another long passphrase"

    client.post("/accounts/password/reset/", {"email": user.email})
    form = client.get(link_in(mail.outbox[-1], "/accounts/password/reset/key/"))
    client.post(form["Location"], {"password1": new_password, "password2": new_password})

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {old['access']}")
    _problem(api_client.get(PROTECTED), 401, "token_revoked")
    api_client.credentials()
    _problem(api_client.post(REFRESH, {"refresh": old["refresh"]}), 401, "token_invalid")


def test_the_schema_documents_the_otp_field_and_the_errors(client):
    schema = client.get("/api/schema/?format=json").json()

    token = schema["paths"]["/api/v1/auth/token/"]["post"]
    assert "otp" in schema["components"]["schemas"]["TokenObtainInput"]["properties"]
    assert "otp_required" in token["responses"]["401"]["description"]
    assert "mfa_enrolment_required" in token["responses"]["403"]["description"]
    assert "/api/v1/auth/logout/" in schema["paths"]
