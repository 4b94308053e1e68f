"""Staff powers need a second factor on every path, and a new password set anywhere ends
every API token."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts.models import Partner
from apps.bookings.models import Booking
from tests.accounts.helpers import otp_force_login, roles_ensured
from tests.factories import UserFactory
from tests.payments.helpers import hold

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner_booking():
    agency = Partner.objects.create(name="Sky Agency", contact_email="ops@sky.example")
    booking = hold()
    Booking.objects.filter(pk=booking.pk).update(partner=agency)
    agent = UserFactory(email="agent@sky.example", is_staff=True, partner=agency)
    agent.groups.add(roles_ensured()["agent"])
    return agent, booking


def test_an_agent_signed_in_without_a_second_factor_sees_no_partner_bookings(client, partner_booking):
    agent, booking = partner_booking
    client.force_login(agent)  # password only: no device, no OTP step

    assert booking.locator not in client.get("/api/v1/bookings/").content.decode()
    assert client.get(f"/api/v1/bookings/{booking.locator}/").status_code == 404
    lookup = client.post(
        "/api/v1/bookings/lookup/", {"locator": booking.locator, "family_name": "Lovelace"}, "application/json"
    )
    assert lookup.status_code == 403


def test_the_same_agent_with_a_verified_second_factor_serves_the_partner(client, partner_booking):
    agent, booking = partner_booking
    otp_force_login(client, agent)
    assert client.get(f"/api/v1/bookings/{booking.locator}/").status_code == 200


def test_a_password_set_by_an_admin_ends_the_users_api_tokens():
    user = UserFactory()
    refresh = RefreshToken.for_user(user)
    access = str(refresh.access_token)
    api = APIClient()

    user.set_password("a-brand-new-password-42")
    user.save()

    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert api.get("/api/v1/me/").status_code == 401
    assert APIClient().post("/api/v1/auth/token/refresh/", {"refresh": str(refresh)}).status_code == 401


def test_staff_cannot_remove_their_only_authenticator(client):
    from apps.accounts.services import totp_device_remove
    from apps.core.errors import ValidationFailed
    from tests.accounts.helpers import totp_code

    staff = UserFactory(is_staff=True)
    device = otp_force_login(client, staff)
    with pytest.raises(ValidationFailed, match="keep an authenticator"):
        totp_device_remove(user=staff, device_id=device.pk, token=totp_code(device))
