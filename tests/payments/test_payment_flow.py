"""Paying a held booking through the API and the sandbox's pages: a card that pays, one
that is declined, one that needs 3-D Secure; never two charges, never a client's amount,
never someone else's booking."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from apps.bookings.models import Booking, BookingStatus
from apps.core.models import OutboxEvent
from apps.payments.models import Payment, PaymentStatus, SandboxRecord
from apps.payments.providers.sandbox import SandboxProvider
from tests.factories import FareClassFactory, UserFactory
from tests.payments.helpers import api_as, charges_taken, hold, pay_by_api

pytestmark = pytest.mark.django_db


@pytest.fixture
def fare_class():
    """230 EUR a seat: 460.00 for two."""
    return FareClassFactory(price=Decimal("230.00"))


@pytest.fixture
def browser(client, user):
    """The customer's browser, signed in (the sandbox's 3-D Secure page is a web page)."""
    client.force_login(user)
    return client


# A card that pays


def test_a_visa_payment_confirms_the_booking_and_tickets_every_passenger(fare_class, api, user):
    booking = hold(fare_class, user=user, adults=2)

    response = pay_by_api(api, booking.locator)

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["amount"], body["currency"]) == ("succeeded", "460.00", "EUR")
    assert body["booking_status"] == "confirmed"
    detail = api.get(f"/api/v1/bookings/{booking.locator}/").json()
    assert detail["status"] == "confirmed"
    tickets = [p["ticket_number"] for p in detail["passengers"]]
    assert len(tickets) == 2
    assert all(re.fullmatch(r"125\d{10}", ticket) for ticket in tickets), tickets  # BA's airline prefix
    assert len(set(tickets)) == 2
    assert [(p["status"], p["amount"]) for p in detail["payments"]] == [("succeeded", "460.00")]
    assert charges_taken() == 1


def test_a_confirmed_booking_announces_itself_once_through_the_outbox(fare_class, api, user):
    booking = hold(fare_class, user=user)

    pay_by_api(api, booking.locator)

    events = OutboxEvent.objects.filter(topic="booking.confirmed")
    assert [event.payload for event in events] == [{"locator": booking.locator}]


def test_paying_a_booking_already_paid_answers_409_and_charges_nothing_more(fare_class, api, user):
    booking = hold(fare_class, user=user)
    pay_by_api(api, booking.locator)

    again = pay_by_api(api, booking.locator, "pm_card_mastercard")

    assert (again.status_code, again.json()["code"]) == (409, "booking_already_paid")
    assert charges_taken() == 1
    assert Payment.objects.filter(booking=booking).count() == 1


# A card that is declined


def test_a_declined_card_answers_402_and_leaves_the_booking_held(fare_class, api, user):
    booking = hold(fare_class, user=user)

    response = pay_by_api(api, booking.locator, "pm_card_chargeDeclined")

    assert response.status_code == 402
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "payment_declined"
    detail = api.get(f"/api/v1/bookings/{booking.locator}/").json()
    assert detail["status"] == "held"
    assert [p["ticket_number"] for p in detail["passengers"]] == [None]
    payment = Payment.objects.get(booking=booking)
    assert (payment.status, payment.failure_code, payment.applied) == (PaymentStatus.FAILED, "card_declined", False)
    assert charges_taken() == 0


def test_after_a_decline_another_card_pays_the_booking(fare_class, api, user):
    booking = hold(fare_class, user=user)
    pay_by_api(api, booking.locator, "pm_card_chargeDeclined")

    response = pay_by_api(api, booking.locator, "pm_card_visa")

    assert response.status_code == 201, response.content
    detail = api.get(f"/api/v1/bookings/{booking.locator}/").json()
    assert detail["status"] == "confirmed"
    assert sorted(p["status"] for p in detail["payments"]) == ["failed", "succeeded"]
    assert charges_taken() == 1


# A card that needs 3-D Secure


def test_a_card_needing_3ds_answers_202_with_the_banks_page_to_send_the_customer_to(fare_class, api, user):
    booking = hold(fare_class, user=user)

    response = pay_by_api(api, booking.locator, "pm_card_authenticationRequired")

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "requires_action"
    assert body["next_action"]["type"] == "redirect_to_url"
    assert body["next_action"]["url"] == f"http://testserver/payments/authenticate/{body['provider_reference']}/"
    assert api.get(f"/api/v1/bookings/{booking.locator}/").json()["status"] == "held"
    assert charges_taken() == 0


def test_approving_3ds_on_the_banks_page_confirms_the_booking(fare_class, api, user, browser):
    booking = hold(fare_class, user=user, adults=2)
    url = pay_by_api(api, booking.locator, "pm_card_authenticationRequired").json()["next_action"]["url"]
    page = browser.get(url)
    assert page.status_code == 200
    assert "460.00 EUR" in page.content.decode()

    answer = browser.post(url, {"answer": "approve"})

    payment = Payment.objects.get(booking=booking)
    assert answer.status_code == 302
    assert answer["Location"] == f"/payments/{booking.locator}/receipt/{payment.pk}/"
    assert (payment.status, payment.applied) == (PaymentStatus.SUCCEEDED, True)
    detail = api.get(f"/api/v1/bookings/{booking.locator}/").json()
    assert detail["status"] == "confirmed"
    assert all(re.fullmatch(r"125\d{10}", p["ticket_number"] or "") for p in detail["passengers"])
    assert charges_taken() == 1
    assert browser.get(answer["Location"]).status_code == 200  # the receipt


def test_refusing_3ds_leaves_the_booking_held_and_the_payment_failed(fare_class, api, user, browser):
    booking = hold(fare_class, user=user)
    url = pay_by_api(api, booking.locator, "pm_card_authenticationRequired").json()["next_action"]["url"]

    answer = browser.post(url, {"answer": "decline"})

    assert answer.status_code == 302
    assert answer["Location"] == f"/payments/{booking.locator}/"
    assert [str(m) for m in get_messages(answer.wsgi_request)]  # the customer is told why
    payment = Payment.objects.get(booking=booking)
    assert payment.status == PaymentStatus.FAILED
    assert api.get(f"/api/v1/bookings/{booking.locator}/").json()["status"] == "held"
    assert charges_taken() == 0
    assert pay_by_api(api, booking.locator).status_code == 201  # and the customer may try again


def test_a_3ds_challenge_cannot_be_found_from_the_payment_id(fare_class, api, user, client):
    booking = hold(fare_class, user=user)
    pay_by_api(api, booking.locator, "pm_card_authenticationRequired")
    payment = Payment.objects.get(booking=booking)
    guessed = hashlib.sha256(payment.provider_idempotency_key.encode()).hexdigest()[:24]
    client.force_login(UserFactory())

    answer = client.post(f"/payments/authenticate/pi_sandbox_{guessed}/", {"answer": "approve"})

    assert answer.status_code == 404
    assert Payment.objects.get(booking=booking).status == PaymentStatus.REQUIRES_ACTION
    assert charges_taken() == 0


def test_the_customer_of_an_api_booking_completes_3ds_without_any_session_of_ours(fare_class, api, user):
    booking = hold(fare_class, user=user)
    url = pay_by_api(api, booking.locator, "pm_card_authenticationRequired").json()["next_action"]["url"]

    answer = Client().post(url, {"answer": "approve"})  # the bank page, in the customer's own browser

    assert answer.status_code == 200
    assert "Payment confirmed" in answer.content.decode()
    assert api.get(f"/api/v1/bookings/{booking.locator}/").json()["status"] == "confirmed"


def test_a_new_attempt_cancels_the_one_waiting_for_3ds_so_the_card_is_charged_once(fare_class, api, user, browser):
    booking = hold(fare_class, user=user)
    waiting_url = pay_by_api(api, booking.locator, "pm_card_authenticationRequired").json()["next_action"]["url"]

    paid = pay_by_api(api, booking.locator, "pm_card_visa")
    late_answer = browser.post(waiting_url, {"answer": "approve"})  # the old bank page, still open in a tab

    assert paid.status_code == 201, paid.content
    assert late_answer.status_code == 302
    statuses = sorted(Payment.objects.filter(booking=booking).values_list("status", flat=True))
    assert statuses == [PaymentStatus.CANCELED, PaymentStatus.SUCCEEDED]
    assert charges_taken() == 1
    assert Payment.objects.get(booking=booking, applied=True).payment_method == "pm_card_visa"


def test_a_3ds_approval_the_bank_has_but_we_had_not_heard_of_pays_instead_of_a_second_charge(fare_class, api, user):
    booking = hold(fare_class, user=user)
    reference = pay_by_api(api, booking.locator, "pm_card_authenticationRequired").json()["provider_reference"]
    SandboxProvider().authenticate(reference, approve=True)  # approved; the redirect back never arrived

    again = pay_by_api(api, booking.locator, "pm_card_visa")

    assert (again.status_code, again.json()["code"]) == (409, "booking_already_paid")
    assert api.get(f"/api/v1/bookings/{booking.locator}/").json()["status"] == "confirmed"
    assert charges_taken() == 1
    assert Payment.objects.get(booking=booking).applied is True


# Amounts, replays, strangers


def test_the_amount_charged_is_the_bookings_total_whatever_the_client_sends(fare_class, api, user):
    booking = hold(fare_class, user=user, adults=2)

    response = pay_by_api(api, booking.locator, amount="1.00", currency="USD")

    assert response.status_code == 201, response.content
    assert (response.json()["amount"], response.json()["currency"]) == ("460.00", "EUR")
    charge = SandboxRecord.objects.get(kind=SandboxRecord.Kind.PAYMENT)
    assert (charge.amount, charge.currency) == (Decimal("460.00"), "EUR")


def test_a_replayed_payment_request_gets_the_first_answer_and_charges_once(fare_class, api, user):
    booking = hold(fare_class, user=user)

    first = pay_by_api(api, booking.locator, key="pay-attempt-1")
    replay = pay_by_api(api, booking.locator, key="pay-attempt-1")

    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert Payment.objects.filter(booking=booking).count() == 1
    assert SandboxRecord.objects.filter(kind=SandboxRecord.Kind.PAYMENT).count() == 1


def test_a_replayed_declined_request_is_not_sent_to_the_bank_again(fare_class, api, user):
    booking = hold(fare_class, user=user)

    first = pay_by_api(api, booking.locator, "pm_card_chargeDeclined", key="pay-attempt-2")
    replay = pay_by_api(api, booking.locator, "pm_card_chargeDeclined", key="pay-attempt-2")

    assert (first.status_code, replay.status_code) == (402, 402)
    assert replay.json() == first.json()
    assert Payment.objects.filter(booking=booking).count() == 1
    assert SandboxRecord.objects.filter(kind=SandboxRecord.Kind.PAYMENT).count() == 1


def test_the_same_key_with_another_card_is_refused_and_charges_nothing(fare_class, api, user):
    booking = hold(fare_class, user=user)
    pay_by_api(api, booking.locator, "pm_card_chargeDeclined", key="pay-attempt-3")

    other = pay_by_api(api, booking.locator, "pm_card_visa", key="pay-attempt-3")

    assert (other.status_code, other.json()["code"]) == (422, "idempotency_mismatch")
    assert charges_taken() == 0
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.HELD


def test_paying_another_customers_booking_is_not_found_and_records_nothing(fare_class, user):
    booking = hold(fare_class, user=user)
    stranger = api_as(UserFactory())

    response = pay_by_api(stranger, booking.locator)

    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert not Payment.objects.exists()
    assert not SandboxRecord.objects.exists()
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.HELD


def test_paying_after_the_hold_ran_out_is_refused_before_the_card_is_charged(fare_class, api, user):
    booking = hold(fare_class, user=user)
    Booking.objects.filter(pk=booking.pk).update(hold_expires_at=booking.created_at)

    response = pay_by_api(api, booking.locator)

    assert (response.status_code, response.json()["code"]) == (409, "hold_expired")
    assert not SandboxRecord.objects.exists()


def test_cancelling_a_held_booking_cancels_its_open_3ds_challenge(
    fare_class, api, user, browser, django_capture_on_commit_callbacks
):
    booking = hold(fare_class, user=user)
    waiting_url = pay_by_api(api, booking.locator, "pm_card_authenticationRequired").json()["next_action"]["url"]

    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"/api/v1/bookings/{booking.locator}/cancellation/").status_code == 200
    late_answer = browser.post(waiting_url, {"answer": "approve"})  # the bank page, still open in a tab

    assert late_answer.status_code == 302
    assert Payment.objects.get(booking=booking).status == PaymentStatus.CANCELED
    assert charges_taken() == 0
