"""Customers' accounts through allauth's pages: sign-up with a confirmed email address,
sign-in, password reset and email change."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from apps.accounts.models import User
from tests.accounts.helpers import PASSWORD, link_in, verified_user

NEW_PASSWORD = "a much longer new passphrase"

pytestmark = pytest.mark.django_db


def _signed_in_user_id(client) -> int | None:
    user_id = client.session.get("_auth_user_id")
    return int(user_id) if user_id else None


def test_sign_up_sends_a_confirmation_link_that_signs_the_customer_in(client):
    response = client.post(
        "/accounts/signup/", {"email": "grace@example.com", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(email="grace@example.com")
    assert _signed_in_user_id(client) is None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["grace@example.com"]

    link = link_in(mail.outbox[0], "/accounts/confirm-email/")
    page = client.get(link)
    assert page.status_code == 200
    assert "grace@example.com" in page.content.decode()
    confirmed = client.post(link)

    assert confirmed.status_code == 302
    assert _signed_in_user_id(client) == user.pk
    assert EmailAddress.objects.get(user=user).verified
    assert client.get(reverse("bookings:my_trips")).status_code == 200


def test_a_customer_who_never_confirmed_cannot_sign_in(client):
    client.post("/accounts/signup/", {"email": "grace@example.com", "password1": PASSWORD, "password2": PASSWORD})

    response = client.post("/accounts/login/", {"login": "grace@example.com", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert _signed_in_user_id(client) is None


def test_a_confirmed_customer_signs_in_on_our_page(client):
    user = verified_user()
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "site-header" in html  # our layout, not allauth's bare one
    assert "style=" not in html  # the CSP forbids inline styles

    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert _signed_in_user_id(client) == user.pk


def test_password_reset_by_the_emailed_link(client):
    user = verified_user()
    response = client.post("/accounts/password/reset/", {"email": user.email})
    assert response.status_code == 302
    link = link_in(mail.outbox[0], "/accounts/password/reset/key/")

    form = client.get(link)  # the key moves into the session, the page loses it from its URL
    assert form.status_code == 302
    done = client.post(form["Location"], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    client.post("/accounts/login/", {"login": user.email, "password": NEW_PASSWORD})
    assert _signed_in_user_id(client) == user.pk


def test_email_change_takes_effect_once_the_new_address_is_confirmed(client):
    user = verified_user(email="old@example.com")
    client.force_login(user)

    response = client.post("/accounts/email/", {"action_add": "", "email": "new@example.com"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "old@example.com"
    page = client.get("/accounts/email/").content.decode()
    assert "new@example.com" in page

    confirmation = next(m for m in mail.outbox if m.to == ["new@example.com"])
    client.post(link_in(confirmation, "/accounts/confirm-email/"))

    user.refresh_from_db()
    assert user.email == "new@example.com"
    assert list(EmailAddress.objects.filter(user=user).values_list("email", "verified", "primary")) == [
        ("new@example.com", True, True)
    ]


def test_sixth_sign_in_within_five_minutes_is_refused_even_with_the_right_password(client):
    user = verified_user()
    for _ in range(5):
        wrong = client.post("/accounts/login/", {"login": user.email, "password": "not my password"})
        assert wrong.status_code == 200
        assert "not correct" in wrong.content.decode()

    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})

    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert _signed_in_user_id(client) is None


def test_signing_out_needs_a_post_and_ends_the_session(client):
    client.force_login(verified_user())
    assert client.get("/accounts/logout/").status_code == 200  # a confirmation page, no side effect
    assert _signed_in_user_id(client) is not None

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert _signed_in_user_id(client) is None
