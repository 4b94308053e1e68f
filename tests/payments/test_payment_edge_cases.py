"""The edges of paying and refunding: a total that changes while the customer pays, a
provider that does not answer, refunds that add up beyond the fare rules, a refund
that fails after it succeeded, amounts finer than a currency allows."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from apps.bookings import services as booking_services
from apps.bookings.models import Booking, BookingStatus
from apps.flights.services import aircraft_types_ensure
from apps.inventory import selectors as inventory_selectors
from apps.inventory.offers import PassengerMix, offer_build
from apps.payments import services
from apps.payments.errors import RefundNotAllowed
from apps.payments.models import Payment, PaymentStatus, ProviderEvent, Refund, RefundReason, RefundStatus
from apps.payments.providers import RefundState
from tests.factories import FareClassFactory, FlightFactory, UserFactory
from tests.payments.stripe_fake import load_fixture, sign_webhook, stripe_event

pytestmark = pytest.mark.django_db

PI_ID = "pi_1PgafyB7WZ01zgkWSjxsAJo3"


def _hold(user, *, fare_class=None) -> Booking:
    fare_class = fare_class or FareClassFactory(flight=FlightFactory(aircraft=aircraft_types_ensure()["A320"]))
    offer = offer_build(slices=[[fare_class]], mix=PassengerMix(adults=1), cabin="economy")
    return booking_services.booking_create(
        offer_id=offer.id,
        passengers=[booking_services.PassengerInput(type="adult", given_name="Ada", family_name="Lovelace")],
        contact=booking_services.ContactInput(email="ada@example.com"),
        user=user,
    )


def _paid(user, fare_class) -> Payment:
    booking = _hold(user, fare_class=fare_class)
    return services.payment_create(locator=booking.locator, payment_method="pm_card_visa", user=user)


def test_a_priced_seat_chosen_while_3ds_is_open_means_the_old_amount_never_confirms(
    django_capture_on_commit_callbacks,
):
    user = UserFactory()
    booking = _hold(user)
    payment = services.payment_create(
        locator=booking.locator, payment_method="pm_card_authenticationRequired", user=user
    )
    flight = booking.segments.get().flight
    priced = next(s for row in inventory_selectors.seat_map(flight=flight)["economy"] for s in row if s.price > 0)
    booking_services.booking_seats_choose(
        locator=booking.locator,
        choices=[
            booking_services.SeatChoice(
                passenger_id=booking.passengers.get().pk, flight_id=flight.pk, designator=priced.spec.designator
            )
        ],
        actor=user,
    )

    with django_capture_on_commit_callbacks(execute=True):
        payment, outcome = services.sandbox_authenticate(
            reference=payment.provider_reference, approve=True, actor_label=user.email
        )

    booking.refresh_from_db()
    assert outcome == RefundReason.AMOUNT_CHANGED
    assert booking.status == BookingStatus.HELD
    assert booking.total_amount == payment.amount + priced.price
    refund = Refund.objects.get(payment=payment)
    assert (refund.amount, refund.status) == (payment.amount, RefundStatus.SUCCEEDED)
    # The customer pays the new total and the booking is confirmed.
    again = services.payment_create(locator=booking.locator, payment_method="pm_card_visa", user=user)
    assert again.amount == booking.total_amount
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_after_stripe_did_not_answer_a_retry_sends_the_same_charge_again(stripe_api):
    user = UserFactory()
    booking = _hold(user)
    api = APIClient()
    api.force_authenticate(user)
    stripe_api.respond("POST", "/v1/payment_intents", load_fixture("error_api_error"), status=500, times=3)
    first = api.post(f"/api/v1/bookings/{booking.locator}/payments/", {"payment_method": "pm_card_visa"})
    assert first.status_code == 503
    assert first.json()["code"] == "payment_provider_unavailable"

    intent = load_fixture("payment_intent_succeeded")
    intent.update(amount=int(booking.total_amount * 100), currency="eur")
    stripe_api.respond("POST", "/v1/payment_intents", intent)
    second = api.post(f"/api/v1/bookings/{booking.locator}/payments/", {"payment_method": "pm_card_visa"})

    assert second.status_code == 201, second.content
    keys = {r.idempotency_key for r in stripe_api.requests_to("POST", "/v1/payment_intents")}
    assert keys == {f"flightbook-payment-{second.json()['id']}"}
    assert Payment.objects.filter(booking=booking).count() == 1
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED


def test_an_agent_refund_before_the_cancellation_counts_against_the_fare_rules(django_capture_on_commit_callbacks):
    # Refundable 200 with a 50 fee: the rules give back 150 in all, however it is split.
    fare_class = FareClassFactory(refundable=True, change_fee=Decimal("50.00"))
    payment = _paid(UserFactory(), fare_class)
    agent = UserFactory(is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.refund_by_staff(
            payment_id=payment.pk, amount=Decimal("100.00"), user=agent, note="goodwill first", token="t1"
        )
    with django_capture_on_commit_callbacks(execute=True):
        booking_services.booking_cancel(locator=payment.booking.locator, actor=None, actor_label="customer")

    payment.refresh_from_db()
    assert payment.amount_refunded == Decimal("150.00")
    assert sorted(Refund.objects.values_list("reason", "amount")) == [
        ("agent", Decimal("100.00")),
        ("cancellation", Decimal("50.00")),
    ]


def test_a_refund_that_fails_after_it_succeeded_can_be_made_again():
    payment = _paid(UserFactory(), FareClassFactory())
    refund = services.refund_create(
        payment_id=payment.pk, amount=Decimal("80.00"), reason="agent", source_key="k1", requested_by="agent"
    )
    state = RefundState(
        reference="re_1", payment_reference=payment.provider_reference, status=RefundStatus.SUCCEEDED,
        amount=Decimal("80.00"), currency="EUR",
    )  # fmt: skip
    services.refund_state_apply(refund_id=refund.pk, state=state)
    services.refund_state_apply(refund_id=refund.pk, state=RefundState(**{**vars(state), "status": "failed"}))

    refund.refresh_from_db()
    payment.refresh_from_db()
    assert refund.status == RefundStatus.FAILED
    assert payment.amount_refunded == 0
    assert payment.booking.events.filter(kind="refund_failed").exists()


def test_a_refund_finer_than_the_currency_allows_is_refused():
    payment = _paid(UserFactory(), FareClassFactory())
    Payment.objects.filter(pk=payment.pk).update(currency="JPY")
    with pytest.raises(RefundNotAllowed, match="JPY"):
        services.refund_create(
            payment_id=payment.pk, amount=Decimal("10.50"), reason="agent", source_key="k", requested_by="agent"
        )
    assert not Refund.objects.exists()


def test_a_webhook_reopening_a_declined_attempt_is_ignored_not_an_error(stripe_api, client):
    user = UserFactory()
    booking = _hold(user)
    declined = load_fixture("error_card_declined")
    stripe_api.respond("POST", "/v1/payment_intents", declined, status=402)
    api = APIClient()
    api.force_authenticate(user)
    assert (
        api.post(f"/api/v1/bookings/{booking.locator}/payments/", {"payment_method": "pm_card_visa"}).status_code == 402
    )

    reopened = load_fixture("payment_intent_requires_action")
    reopened.update(id=declined["error"]["payment_intent"]["id"], amount=int(booking.total_amount * 100))
    payload = stripe_event("payment_intent.requires_action", reopened, event_id="evt_reopen", created=int(time.time()))
    response = client.post(
        "/api/v1/payments/webhooks/stripe/",
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign_webhook(payload, "whsec_test_flightbook"),
    )

    assert response.status_code == 200
    assert Payment.objects.get(booking=booking).status == PaymentStatus.FAILED
    stored = ProviderEvent.objects.get(event_id="evt_reopen")
    assert "client_secret" not in str(stored.payload)
