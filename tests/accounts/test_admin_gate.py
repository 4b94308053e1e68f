"""Staff without a verified OTP device cannot reach /admin/."""

from __future__ import annotations

import pytest

from tests.accounts.helpers import otp_force_login, totp_code, totp_device_add, verified_user

pytestmark = pytest.mark.django_db


def _staff():
    return verified_user(email="agent@example.com", is_staff=True, is_superuser=True)


def test_staff_without_a_device_are_sent_to_enrol(client):
    client.force_login(_staff())

    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0] == "/accounts/mfa/totp/?next=%2Fadmin%2F"
    assert response.status_code == 200
    assert "<svg" in response.content.decode()


def test_staff_with_a_device_but_no_code_yet_are_sent_to_verify(client):
    staff = _staff()
    totp_device_add(staff)
    client.force_login(staff)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/mfa/verify/?next=%2Fadmin%2F"


def test_staff_verified_with_a_real_totp_code_reach_the_admin(client):
    staff = _staff()
    device = totp_device_add(staff)
    client.force_login(staff)

    verified = client.post("/accounts/mfa/verify/?next=/admin/", {"code": totp_code(device), "next": "/admin/"})

    assert verified.status_code == 302
    assert verified["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_admin_has_no_sign_in_form_of_its_own(client):
    response = client.get("/admin/login/?next=/admin/bookings/booking/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fbookings%2Fbooking%2F"
    assert client.post("/admin/login/", {"username": "x", "password": "y"}).status_code == 302


def test_a_customer_is_refused_the_admin(client):
    client.force_login(verified_user())

    assert client.get("/admin/login/?next=/admin/").status_code == 403


def test_the_otp_login_helper_gives_staff_the_admin(client):
    otp_force_login(client, _staff())

    assert client.get("/admin/").status_code == 200
