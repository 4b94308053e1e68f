"""GDPR: a customer reads their profile, downloads all their personal data, and erases
it; what accounting law requires is kept, and a trip not yet over blocks the erasure."""

from __future__ import annotations

import json
import stat
from decimal import Decimal
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from apps.accounts.api_keys import PartnerKeyPrincipal
from apps.accounts.models import ApiKey, Partner, User
from apps.bookings import services as booking_services
from apps.bookings.models import Booking, BookingEvent, Passenger
from apps.core.models import AuditEntry
from apps.notifications.models import Notification
from apps.payments.models import Payment, Refund
from tests.accounts.helpers import totp_device_add, verified_user
from tests.factories import UserFactory
from tests.privacy.conftest import PASSPORT_NUMBER, PASSWORD, fly, paid_trip_abroad, trip_abroad

pytestmark = pytest.mark.django_db

ME, EXPORT = "/api/v1/me/", "/api/v1/me/export/"


@pytest.fixture
def customer():
    return verified_user(email="grace@example.com", first_name="Grace", last_name="Hopper")


def _problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    return body


def _flown_and_refunded_history(customer, django_capture_on_commit_callbacks) -> Booking:
    """A trip paid, flown; another paid, cancelled and refunded; emails sent for both."""
    with django_capture_on_commit_callbacks(execute=True):
        flown = paid_trip_abroad(customer)
    fly(flown)
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = paid_trip_abroad(customer)
    with django_capture_on_commit_callbacks(execute=True):
        booking_services.booking_cancel(locator=cancelled.locator, actor=customer)
    assert Refund.objects.filter(payment__booking=cancelled).exists()
    return flown


# Profile


def test_me_answers_the_profile(customer, customer_api):
    body = customer_api.get(ME).json()

    assert body["email"] == "grace@example.com"
    assert (body["given_name"], body["family_name"], body["partner"]) == ("Grace", "Hopper", None)
    assert body["date_joined"]


def test_me_needs_a_person_not_an_api_key():
    partner = Partner.objects.create(name="Faraway Travel", contact_email="ops@faraway.example")
    key = ApiKey.objects.create(partner=partner, name="site", prefix="fbk_test", key_hash="0" * 64, scopes=["read"])
    client = APIClient()
    client.force_authenticate(PartnerKeyPrincipal(key))

    _problem(client.get(ME), 403, "permission_denied")
    _problem(client.get(EXPORT), 403, "permission_denied")
    _problem(APIClient().get(ME), 401, "not_authenticated")


# Export


def test_the_export_holds_everything_about_the_customer_and_no_secret(
    customer, customer_api, django_capture_on_commit_callbacks
):
    _flown_and_refunded_history(customer, django_capture_on_commit_callbacks)
    totp_device_add(customer)

    response = customer_api.get(EXPORT)

    assert response.status_code == 200
    data = response.json()
    assert data["account"]["email"] == "grace@example.com"
    assert data["email_addresses"] == [{"email": "grace@example.com", "verified": True, "primary": True}]
    assert data["two_factor_devices"] == [{"kind": "TOTPDevice", "name": "Phone", "confirmed": True}]
    assert len(data["bookings"]) == 2
    flown = data["bookings"][0]
    assert flown["contact"] == {"email": "grace@example.com", "phone": "+12025550100"}
    (passenger,) = flown["passengers"]
    assert passenger["date_of_birth"] == "1987-06-23"
    assert passenger["document"]["number"] == PASSPORT_NUMBER
    assert len(passenger["ticket_number"]) == 13
    assert flown["segments"][0]["destination"] == "JFK"
    assert flown["payments"][0]["amount"] == "300.00"
    assert flown["payments"][0]["status"] == "succeeded"
    assert [e["kind"] for e in flown["events"]][:2] == ["created", "confirmed"]
    refunds = data["bookings"][1]["payments"][0]["refunds"]
    assert [(r["amount"], r["status"]) for r in refunds] == [("300.00", "succeeded")]
    assert {"booking_confirmed", "refund_succeeded"} <= {n["kind"] for n in data["notifications"]}
    text = json.dumps(data)
    payment = Payment.objects.filter(booking__user=customer).first()
    for secret in (payment.provider_reference, payment.payment_method, customer.password):
        assert secret not in text
    assert AuditEntry.objects.filter(action="personal_data_export", object_id=str(customer.pk)).exists()


def test_another_customers_data_is_not_in_the_export(customer, customer_api):
    trip_abroad(UserFactory(), email="someone@example.com")

    assert customer_api.get(EXPORT).json()["bookings"] == []


# Erasure


def test_erasure_needs_the_password(customer, customer_api):
    _problem(customer_api.delete(ME, {"password": "wrong"}, format="json"), 400, "validation_error")
    _problem(customer_api.delete(ME, {}, format="json"), 400, "validation_error")

    customer.refresh_from_db()
    assert customer.email == "grace@example.com"
    assert customer.is_active


def test_erasure_anonymises_the_customer_and_keeps_the_financial_records(
    customer, customer_api, django_capture_on_commit_callbacks
):
    flown = _flown_and_refunded_history(customer, django_capture_on_commit_callbacks)
    totp_device_add(customer)
    StaticDevice.objects.create(user=customer, name="backup")
    SocialAccount.objects.create(user=customer, provider="google", uid="1234")
    ticket = Passenger.objects.get(booking=flown).ticket_number
    payments_before = list(Payment.objects.values_list("pk", "amount", "status", "provider_reference"))
    refunds_before = list(Refund.objects.values_list("pk", "amount", "status"))
    old_email = customer.email
    assert BookingEvent.objects.filter(booking__user=customer, actor_label__iexact=old_email).exists()

    response = customer_api.delete(ME, {"password": PASSWORD}, format="json")

    assert response.status_code == 204, response.content
    user = User.objects.get(pk=customer.pk)
    assert user.email == f"erased-{user.pk}@invalid.flightbook"
    assert (user.first_name, user.last_name, user.is_active) == ("", "", False)
    assert not user.has_usable_password()
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not SocialAccount.objects.filter(user=user).exists()
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    for booking in Booking.objects.filter(user=user):
        assert (booking.contact_email, booking.contact_phone) == (user.email, "")
        assert booking.total_amount == Decimal("300.00")
    passenger = Passenger.objects.get(booking=flown)
    assert (passenger.given_name, passenger.family_name, passenger.date_of_birth) == ("", "", None)
    assert passenger.document_number == ""
    assert passenger.ticket_number == ticket
    assert list(Payment.objects.values_list("pk", "amount", "status", "provider_reference")) == payments_before
    assert list(Refund.objects.values_list("pk", "amount", "status")) == refunds_before
    assert all((n.subject, n.body, n.recipient) == ("", "", user.email) for n in Notification.objects.filter(user=user))
    assert not BookingEvent.objects.filter(actor_label__icontains=old_email).exists()
    entry = AuditEntry.objects.get(action="personal_data_erase")
    assert (entry.actor_id, entry.object_id, entry.changes["bookings"]) == (user.pk, str(user.pk), 2)


def test_nothing_readable_about_the_customer_is_left_in_their_rows(customer, customer_api):
    booking = trip_abroad(customer)
    fly(booking)
    booking_services.booking_cancel(locator=booking.locator, actor=customer)

    customer_api.delete(ME, {"password": PASSWORD}, format="json")

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT b.contact_email, b.contact_phone, p.given_name, p.family_name, p.given_name_icao,"
            " p.family_name_icao, p.document_number, p.date_of_birth"
            " FROM bookings_booking b JOIN bookings_passenger p ON p.booking_id = b.id"
        )
        row = repr(cursor.fetchall())
        cursor.execute("SELECT email, first_name, last_name FROM accounts_user WHERE id = %s", [customer.pk])
        row += repr(cursor.fetchall())
    for personal in ("grace@example.com", "Grace", "Hopper", "GRACE", "HOPPER", "2025550100", "gAAAAA"):
        assert personal not in row


def test_after_erasure_the_account_cannot_sign_in_and_its_tokens_are_refused(customer, api_client):
    tokens = api_client.post("/api/v1/auth/token/", {"email": customer.email, "password": PASSWORD}).json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")

    assert api_client.delete(ME, {"password": PASSWORD}, format="json").status_code == 204

    assert api_client.get(ME).status_code == 401
    api_client.credentials()
    assert api_client.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}).status_code == 401
    assert api_client.post("/api/v1/auth/token/", {"email": customer.email, "password": PASSWORD}).status_code == 401


def test_a_trip_not_yet_flown_blocks_the_erasure_and_is_named(customer, customer_api):
    upcoming = paid_trip_abroad(customer)
    held = trip_abroad(customer)

    body = _problem(customer_api.delete(ME, {"password": PASSWORD}, format="json"), 409, "erasure_blocked")

    assert upcoming.locator in body["detail"]
    assert held.locator in body["detail"]
    assert sorted(body["errors"]["locators"]) == sorted([upcoming.locator, held.locator])
    customer.refresh_from_db()
    assert customer.is_active
    assert customer.email == "grace@example.com"
    assert Passenger.objects.filter(booking=upcoming).get().document_number == PASSPORT_NUMBER


def test_once_the_trip_is_flown_the_erasure_goes_through(customer, customer_api):
    booking = paid_trip_abroad(customer)
    fly(booking)

    assert customer_api.delete(ME, {"password": PASSWORD}, format="json").status_code == 204


def test_bookings_an_agent_made_for_their_agency_customers_are_not_erased_with_the_agent():
    partner = Partner.objects.create(name="Faraway Travel", contact_email="ops@faraway.example")
    agent = verified_user(email="agent@faraway.example", partner=partner)
    booking = trip_abroad(agent, email="customer@example.com")
    Booking.objects.filter(pk=booking.pk).update(partner=partner)
    client = APIClient()
    client.force_authenticate(agent)

    assert client.delete(ME, {"password": PASSWORD}, format="json").status_code == 204

    booking.refresh_from_db()
    assert booking.contact_email == "customer@example.com"
    assert Passenger.objects.get(booking=booking).document_number == PASSPORT_NUMBER


# Pages


def test_the_privacy_page_offers_the_download_and_the_deletion(client, customer):
    client.force_login(customer)

    page = client.get("/accounts/privacy/").content.decode()
    download = client.get("/accounts/privacy/export/")

    assert "Download my data" in page
    assert "Delete my account" in page
    assert download["Content-Disposition"].startswith("attachment;")
    assert json.loads(download.content)["account"]["email"] == "grace@example.com"


def test_the_privacy_page_needs_a_signed_in_customer(client):
    response = client.get("/accounts/privacy/")

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_deleting_the_account_from_the_page_signs_out(client, customer):
    client.force_login(customer)

    wrong = client.post("/accounts/privacy/delete/", {"password": "wrong"})
    assert wrong.status_code == 400
    assert "not right" in wrong.content.decode()
    done = client.post("/accounts/privacy/delete/", {"password": PASSWORD}, follow=True)

    assert "personal data erased" in done.content.decode()
    assert not User.objects.get(pk=customer.pk).is_active
    assert client.get("/accounts/privacy/").status_code == 302


def test_the_page_names_the_trips_that_block_the_deletion(client, customer):
    booking = paid_trip_abroad(customer)
    client.force_login(customer)

    page = client.get("/accounts/privacy/").content.decode()
    refused = client.post("/accounts/privacy/delete/", {"password": PASSWORD})

    assert booking.locator in page
    assert "cannot delete" in page
    assert refused.status_code == 409
    assert booking.locator in refused.content.decode()


# Commands


def test_gdpr_export_writes_a_private_file(customer, tmp_path):
    trip_abroad(customer)
    output = tmp_path / "export.json"

    call_command("gdpr_export", "--email", "GRACE@example.com", "--output", str(output), stderr=StringIO())

    data = json.loads(output.read_text())
    assert data["bookings"][0]["passengers"][0]["document"]["number"] == PASSPORT_NUMBER
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    assert AuditEntry.objects.get(action="personal_data_export").actor_label == "gdpr_export command"


def test_gdpr_export_names_an_unknown_address():
    with pytest.raises(CommandError, match="No account"):
        call_command("gdpr_export", "--email", "nobody@example.com")


def test_gdpr_erase_refuses_an_upcoming_trip_unless_forced(customer, capsys):
    booking = paid_trip_abroad(customer)

    with pytest.raises(CommandError, match=booking.locator):
        call_command("gdpr_erase", "--email", customer.email)
    call_command("gdpr_erase", "--email", customer.email, "--force")

    assert "Financial records kept" in capsys.readouterr().out
    booking.refresh_from_db()
    assert booking.contact_email.startswith("erased-")
    assert booking.status == "confirmed"
    assert Payment.objects.get(booking=booking).amount == Decimal("300.00")
    entry = AuditEntry.objects.get(action="personal_data_erase")
    assert entry.changes["forced"] is True
    assert entry.actor_label == "gdpr_erase command"
