"""The edges of paying and refunding: a total that changes while the customer pays, a
provider that does not answer, refunds that add up beyond the fare rules, a refund
that fails after it succeeded, amounts finer than a currency allows."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from apps.bookings import services as booking_services
from apps.bookings.models import Booking, BookingStatus
from apps.inventory import selectors as inventory_selectors
from apps.payments import services
from apps.payments.errors import RefundNotAllowed
from apps.payments.models import Payment, PaymentStatus, ProviderEvent, Refund, RefundReason, RefundStatus
from apps.payments.providers import RefundState
from tests.factories import FareClassFactory, UserFactory, a320_flight
from tests.payments.helpers import agent_refund, deliver_stripe_webhook, hold, pay, pay_by_api
from tests.payments.stripe_fake import load_fixture, stripe_event

pytestmark = pytest.mark.django_db

PI_ID = "pi_1PgafyB7WZ01zgkWSjxsAJo3"


def test_a_priced_seat_chosen_while_3ds_is_open_means_the_old_amount_never_confirms(
    django_capture_on_commit_callbacks,
):
    user = UserFactory()
    booking = hold(FareClassFactory(flight=a320_flight()), user=user)  # a seat map with priced seats
    payment = pay(booking, "pm_card_authenticationRequired")
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
    again = pay(booking)
    assert again.amount == booking.total_amount
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_after_stripe_did_not_answer_a_retry_sends_the_same_charge_again(stripe_api, user, api):
    booking = hold(user=user)
    stripe_api.respond("POST", "/v1/payment_intents", load_fixture("error_api_error"), status=500, times=3)
    first = pay_by_api(api, booking.locator)
    assert first.status_code == 503
    assert first.json()["code"] == "payment_provider_unavailable"

    intent = load_fixture("payment_intent_succeeded")
    intent.update(amount=int(booking.total_amount * 100), currency="eur")
    stripe_api.respond("POST", "/v1/payment_intents", intent)
    second = pay_by_api(api, booking.locator)

    assert second.status_code == 201, second.content
    keys = {r.idempotency_key for r in stripe_api.requests_to("POST", "/v1/payment_intents")}
    assert keys == {f"flightbook-payment-{second.json()['id']}"}
    assert Payment.objects.filter(booking=booking).count() == 1
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED


def test_an_agent_refund_before_the_cancellation_counts_against_the_fare_rules(django_capture_on_commit_callbacks):
    # Refundable 200 with a 50 fee: the rules give back 150 in all, however it is split.
    fare_class = FareClassFactory(refundable=True, change_fee=Decimal("50.00"))
    payment = pay(hold(fare_class, user=UserFactory()))
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
    payment = pay(hold(user=UserFactory()))
    refund = agent_refund(payment, "80.00", source_key="k1")
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
    payment = pay(hold(user=UserFactory()))
    Payment.objects.filter(pk=payment.pk).update(currency="JPY")
    with pytest.raises(RefundNotAllowed, match="JPY"):
        agent_refund(payment, "10.50", source_key="k")
    assert not Refund.objects.exists()


def test_a_webhook_reopening_a_declined_attempt_is_ignored_not_an_error(stripe_api, user, api, client):
    booking = hold(user=user)
    declined = load_fixture("error_card_declined")
    stripe_api.respond("POST", "/v1/payment_intents", declined, status=402)
    assert pay_by_api(api, booking.locator).status_code == 402

    reopened = load_fixture("payment_intent_requires_action")
    reopened.update(id=declined["error"]["payment_intent"]["id"], amount=int(booking.total_amount * 100))
    payload = stripe_event("payment_intent.requires_action", reopened, event_id="evt_reopen", created=int(time.time()))
    response = deliver_stripe_webhook(client, payload)

    assert response.status_code == 200
    assert Payment.objects.get(booking=booking).status == PaymentStatus.FAILED
    stored = ProviderEvent.objects.get(event_id="evt_reopen")
    assert "client_secret" not in str(stored.payload)
