"""A payment that succeeds after the hold ran out: the booking takes back the same fare
classes and seats if they are still free, and otherwise the money goes back in full.
Never a booking confirmed on seats sold to someone else."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.bookings import services as booking_services
from apps.bookings.models import Booking, BookingStatus
from apps.inventory.models import FareClass, Hold, HoldStatus, SeatAssignment
from apps.payments import services
from apps.payments.models import Payment, PaymentStatus, Refund, RefundReason, RefundStatus, SandboxRecord
from apps.payments.providers import ChargeRequest
from apps.payments.providers.sandbox import SandboxProvider
from tests.factories import FareClassFactory, UserFactory, a320_flight
from tests.payments.helpers import api_as, charged_but_unrecorded, hold, pay, pay_by_api

pytestmark = pytest.mark.django_db

PAST_THE_HOLD = {"minutes": 16}  # holds last 15 minutes


@pytest.fixture
def fare_class():
    return FareClassFactory(flight=a320_flight(), price=Decimal("180.00"), capacity=2)


def _choose_seats(booking: Booking, user, *designators: str) -> None:
    flight_id = booking.segments.get().flight_id
    booking_services.booking_seats_choose(
        locator=booking.locator,
        choices=[
            booking_services.SeatChoice(passenger_id=passenger.pk, flight_id=flight_id, designator=designator)
            for passenger, designator in zip(booking.passengers.order_by("position"), designators, strict=True)
        ],
        actor=user,
    )


def _start_3ds(booking: Booking) -> Payment:
    payment = pay(booking, "pm_card_authenticationRequired")
    assert payment.status == PaymentStatus.REQUIRES_ACTION
    return payment


def _approve(payment: Payment) -> str:
    _, outcome = services.sandbox_authenticate(
        reference=payment.provider_reference, approve=True, actor_label="ada@example.com"
    )
    return outcome


def _active_seats(locator: str) -> set[tuple[int, str]]:
    return set(SeatAssignment.objects.filter(reference=locator, active=True).values_list("passenger_ref", "designator"))


def _sandbox_refunds(payment: Payment) -> list[tuple[str, Decimal]]:
    return list(
        SandboxRecord.objects.filter(
            kind=SandboxRecord.Kind.REFUND, payment_reference=payment.provider_reference
        ).values_list("status", "amount")
    )


# (a) the seats are still free


def test_a_late_payment_takes_back_the_same_fare_class_and_seats_when_they_are_free(fare_class, later):
    user = UserFactory()
    booking = hold(fare_class, user=user, adults=2)
    _choose_seats(booking, user, "20A", "20B")
    seats_before = _active_seats(booking.locator)
    payment = _start_3ds(booking)
    later(**PAST_THE_HOLD)
    assert booking_services.bookings_expire_due() == 1  # the job ran: seats and fare class given back
    assert FareClass.objects.get(pk=fare_class.pk).sold == 0
    assert _active_seats(booking.locator) == set()

    outcome = _approve(payment)

    assert outcome == "reinstated"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert list(booking.events.values_list("kind", flat=True)) == [
        "created",
        "seats_chosen",
        "expired",
        "reinstated",
        "confirmed",
    ]
    assert _active_seats(booking.locator) == seats_before
    assert list(Hold.objects.filter(reference=booking.locator, status=HoldStatus.CONFIRMED).values_list(
        "fare_class_id", "quantity"
    )) == [(fare_class.pk, 2)]  # fmt: skip
    assert FareClass.objects.get(pk=fare_class.pk).sold == 2
    assert all(p.ticket_number for p in booking.passengers.all())
    payment.refresh_from_db()
    assert payment.applied is True
    assert not Refund.objects.exists()


def test_a_late_payment_confirms_when_the_hold_ran_out_but_nobody_released_it_yet(fare_class, later):
    user = UserFactory()
    booking = hold(fare_class, user=user, adults=2)
    payment = _start_3ds(booking)
    later(**PAST_THE_HOLD)

    outcome = _approve(payment)

    assert outcome == "confirmed"
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED
    assert FareClass.objects.get(pk=fare_class.pk).sold == 2
    assert not Refund.objects.exists()


# (b) the fare class was sold to someone else meanwhile


def _paid_while_the_seats_were_resold(fare_class, later, monkeypatch, django_capture_on_commit_callbacks):
    """Customer A pays through the API; while the bank thinks, A's hold runs out and
    customer B books every seat. Returns A's response, A's API client, A's booking and B's."""
    customer, other = UserFactory(), UserFactory()
    booking = hold(fare_class, user=customer, adults=2)
    resold: list[Booking] = []
    charge = SandboxProvider.charge

    def slow_bank(provider, request: ChargeRequest):
        later(**PAST_THE_HOLD)
        resold.append(hold(fare_class, user=other, adults=2))
        return charge(provider, request)

    monkeypatch.setattr(SandboxProvider, "charge", slow_bank)
    api = api_as(customer)
    with django_capture_on_commit_callbacks(execute=True):
        response = pay_by_api(api, booking.locator)
    return response, api, booking, resold[0]


def test_a_payment_completing_after_the_seats_were_resold_answers_hold_expired_saying_it_is_refunded(
    fare_class, later, monkeypatch, django_capture_on_commit_callbacks
):
    response, api, booking, _ = _paid_while_the_seats_were_resold(
        fare_class, later, monkeypatch, django_capture_on_commit_callbacks
    )

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "hold_expired"
    assert "refunded in full" in response.json()["detail"]
    assert api.get(f"/api/v1/bookings/{booking.locator}/").json()["status"] == "expired"


def test_a_payment_completing_after_the_seats_were_resold_is_refunded_in_full_at_the_bank(
    fare_class, later, monkeypatch, django_capture_on_commit_callbacks
):
    _, api, booking, _ = _paid_while_the_seats_were_resold(
        fare_class, later, monkeypatch, django_capture_on_commit_callbacks
    )

    payment = Payment.objects.get(booking=booking)
    assert (payment.status, payment.applied) == (PaymentStatus.SUCCEEDED, False)
    refund = Refund.objects.get()
    assert (refund.payment_id, refund.reason, refund.amount) == (
        payment.pk,
        RefundReason.SEATS_RELEASED,
        Decimal("360.00"),
    )
    assert refund.status == RefundStatus.SUCCEEDED  # the outbox carried it out
    assert _sandbox_refunds(payment) == [(RefundStatus.SUCCEEDED, Decimal("360.00"))]
    detail = api.get(f"/api/v1/bookings/{booking.locator}/").json()
    assert [(r["status"], r["amount"], r["reason"]) for r in detail["refunds"]] == [
        ("succeeded", "360.00", "seats_released")
    ]
    assert [p["ticket_number"] for p in detail["passengers"]] == [None, None]


def test_a_payment_completing_after_the_seats_were_resold_leaves_them_with_the_new_customer(
    fare_class, later, monkeypatch, django_capture_on_commit_callbacks
):
    _, _, booking, other = _paid_while_the_seats_were_resold(
        fare_class, later, monkeypatch, django_capture_on_commit_callbacks
    )

    assert Booking.objects.get(pk=other.pk).status == BookingStatus.HELD
    assert Hold.objects.filter(reference=other.locator, status=HoldStatus.ACTIVE).count() == 1
    assert not Hold.objects.filter(reference=booking.locator, status__in=[HoldStatus.ACTIVE, HoldStatus.CONFIRMED])
    assert FareClass.objects.get(pk=fare_class.pk).sold == 2  # == capacity, never more


def test_the_banks_page_tells_the_customer_a_payment_too_late_is_refunded(fare_class, later, client):
    customer = UserFactory()
    booking = hold(fare_class, user=customer, adults=2)
    payment = _start_3ds(booking)
    later(**PAST_THE_HOLD)
    hold(fare_class, user=UserFactory(), adults=2)
    client.force_login(customer)

    answer = client.post(f"/payments/authenticate/{payment.provider_reference}/", {"answer": "approve"}, follow=True)

    assert answer.redirect_chain[0] == (f"/bookings/{booking.locator}/", 302)
    page = answer.content.decode()
    assert "refunded in full" in page
    assert 'data-refund-status="pending"' in page  # the Refunds table shows it on its way
    assert "Paid after the seats were released" in page


def test_a_3ds_approval_after_the_fare_class_filled_up_is_refunded(fare_class, later):
    customer = UserFactory()
    booking = hold(fare_class, user=customer, adults=2)
    payment = _start_3ds(booking)
    later(**PAST_THE_HOLD)
    other = hold(fare_class, user=UserFactory(), adults=2)

    outcome = _approve(payment)

    assert outcome == RefundReason.SEATS_RELEASED
    assert Booking.objects.get(pk=booking.pk).status != BookingStatus.CONFIRMED
    assert Booking.objects.get(pk=other.pk).status == BookingStatus.HELD
    assert FareClass.objects.get(pk=fare_class.pk).sold == 2
    refund = Refund.objects.get(payment=payment)
    assert (refund.reason, refund.amount) == (RefundReason.SEATS_RELEASED, payment.amount)
    assert "paid_unmatched" in booking.events.values_list("kind", flat=True)


# (c) a chosen seat was taken by someone else meanwhile


def test_a_late_payment_whose_chosen_seat_was_taken_meanwhile_is_refunded(later):
    fare_class = FareClassFactory(flight=a320_flight(), capacity=144)  # plenty of room: only the seat is in the way
    customer, other = UserFactory(), UserFactory()
    booking = hold(fare_class, user=customer)
    _choose_seats(booking, customer, "20A")
    payment = _start_3ds(booking)
    later(**PAST_THE_HOLD)
    booking_services.bookings_expire_due()
    newcomer = hold(fare_class, user=other)
    _choose_seats(newcomer, other, "20A")

    outcome = _approve(payment)

    assert outcome == RefundReason.SEATS_RELEASED
    booking.refresh_from_db()
    assert booking.status == BookingStatus.EXPIRED
    assert _active_seats(newcomer.locator) == {(newcomer.passengers.get().pk, "20A")}
    assert _active_seats(booking.locator) == set()
    assert FareClass.objects.get(pk=fare_class.pk).sold == 1  # the newcomer's seat only
    refund = Refund.objects.get(payment=payment)
    assert (refund.reason, refund.amount) == (RefundReason.SEATS_RELEASED, payment.amount)
    payment.refresh_from_db()
    assert (payment.status, payment.applied) == (PaymentStatus.SUCCEEDED, False)


# (d) a second success for a booking already paid


def test_a_second_success_for_a_confirmed_booking_is_refunded_as_a_duplicate(
    fare_class, django_capture_on_commit_callbacks
):
    customer = UserFactory()
    booking = hold(fare_class, user=customer)
    first = pay(booking)
    tickets = list(booking.passengers.values_list("ticket_number", flat=True))
    # Another attempt the bank also took (e.g. reported by a webhook after the first paid).
    second, state = charged_but_unrecorded(booking)

    with django_capture_on_commit_callbacks(execute=True):
        second, outcome = services.payment_state_apply(payment_id=second.pk, state=state)

    assert outcome == RefundReason.DUPLICATE
    assert (second.status, second.applied) == (PaymentStatus.SUCCEEDED, False)
    refund = Refund.objects.get()
    assert (refund.payment_id, refund.reason, refund.amount) == (second.pk, RefundReason.DUPLICATE, Decimal("180.00"))
    assert _sandbox_refunds(second) == [(RefundStatus.SUCCEEDED, Decimal("180.00"))]
    first.refresh_from_db()
    assert first.applied is True
    assert first.amount_refunded == 0
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert list(booking.passengers.values_list("ticket_number", flat=True)) == tickets  # no new tickets


def test_the_same_late_success_reported_twice_is_refunded_once(fare_class, later):
    customer = UserFactory()
    booking = hold(fare_class, user=customer, adults=2)
    payment = _start_3ds(booking)
    later(**PAST_THE_HOLD)
    hold(fare_class, user=UserFactory(), adults=2)
    _approve(payment)
    state = SandboxProvider().retrieve(payment.provider_reference)

    _, outcome = services.payment_state_apply(payment_id=payment.pk, state=state)  # e.g. a redelivered webhook

    assert outcome == ""
    assert Refund.objects.filter(payment=payment).count() == 1
    assert Payment.objects.get(pk=payment.pk).amount_refunded == Decimal("360.00")


def test_a_3ds_approval_after_the_customer_cancelled_the_held_booking_is_refunded(fare_class):
    customer = UserFactory()
    booking = hold(fare_class, user=customer)
    payment = _start_3ds(booking)
    booking_services.booking_cancel(locator=booking.locator, actor=customer)

    outcome = _approve(payment)

    assert outcome == RefundReason.BOOKING_CLOSED
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CANCELLED
    assert FareClass.objects.get(pk=fare_class.pk).sold == 0
    refund = Refund.objects.get(payment=payment)
    assert (refund.reason, refund.amount) == (RefundReason.BOOKING_CLOSED, payment.amount)
