from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from rest_framework.test import APIClient

from apps.bookings import services
from apps.bookings.models import Booking, BookingStatus
from apps.core import clock
from apps.inventory.offers import PassengerMix, offer_build
from apps.payments.services import payment_create
from tests.accounts.helpers import otp_force_login
from tests.factories import FareClassFactory, UserFactory

pytestmark = pytest.mark.django_db


def _booking(user, fare_class=None) -> Booking:
    fare_class = fare_class or FareClassFactory()
    offer = offer_build(slices=[[fare_class]], mix=PassengerMix(adults=1), cabin="economy")
    return services.booking_create(
        offer_id=offer.id,
        passengers=[services.PassengerInput(type="adult", given_name="Ada", family_name="Lovelace")],
        contact=services.ContactInput(email="ada@example.com"),
        user=user,
    )


@pytest.fixture
def admin_client(client):
    otp_force_login(client, UserFactory(email="root@example.com", is_staff=True, is_superuser=True))
    return client


def test_agent_cancels_bookings_from_the_admin_list(admin_client):
    booking = _booking(UserFactory())
    response = admin_client.post(
        "/admin/bookings/booking/", {"action": "cancel_bookings", "_selected_action": [booking.pk]}, follow=True
    )
    assert "Done for 1 booking" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.events.last().actor_label == "root@example.com"


def test_agent_resends_the_confirmation_email(admin_client, django_capture_on_commit_callbacks):
    user = UserFactory()
    booking = _booking(user)
    with django_capture_on_commit_callbacks(execute=True):
        payment_create(locator=booking.locator, payment_method="pm_card_visa", user=user)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/bookings/booking/", {"action": "resend_confirmation", "_selected_action": [booking.pk]}
        )
    assert [m.subject for m in mail.outbox] == [mail.outbox[0].subject] * 2
    assert booking.locator in mail.outbox[1].subject


def test_fare_capacity_cannot_be_set_below_what_is_sold(admin_client):
    fare_class = FareClassFactory(capacity=5, sold=3)
    response = admin_client.post(
        f"/admin/inventory/fareclass/{fare_class.pk}/change/",
        {"cabin": "economy", "code": "Y", "brand": "Standard", "price": "100.00", "currency": "EUR",
         "capacity": 2, "change_fee": "0", "checked_bags": 1, "flight": fare_class.flight_id},
    )  # fmt: skip
    assert response.status_code == 200
    assert "already sold" in response.content.decode()
    fare_class.refresh_from_db()
    assert fare_class.capacity == 5


def test_reading_a_booking_after_its_hold_ran_out_expires_it_and_frees_its_seats():
    user = UserFactory()
    fare_class = FareClassFactory(capacity=1)
    booking = _booking(user, fare_class)
    Booking.objects.filter(pk=booking.pk).update(hold_expires_at=clock.now() - timedelta(seconds=1))
    api = APIClient()
    api.force_authenticate(user)

    body = api.get(f"/api/v1/bookings/{booking.locator}/").json()

    assert body["status"] == "expired"
    assert body["events"][-1]["kind"] == "expired"
    fare_class.refresh_from_db()
    assert fare_class.sold == 0


def test_booking_admin_page_shows_passengers_and_their_seats(admin_client):
    from apps.flights.services import aircraft_types_ensure
    from tests.factories import FlightFactory

    user = UserFactory()
    booking = _booking(user, FareClassFactory(flight=FlightFactory(aircraft=aircraft_types_ensure()["A320"])))
    passenger = booking.passengers.get()
    services.booking_seats_choose(
        locator=booking.locator,
        choices=[services.SeatChoice(passenger_id=passenger.pk, flight_id=booking.segments.get().flight_id,
                                     designator="21C")],
        actor=user,
    )  # fmt: skip
    html = admin_client.get(f"/admin/bookings/booking/{booking.pk}/change/").content.decode()
    assert "LOVELACE/ADA: 21C" in html
