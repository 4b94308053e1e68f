"""Fare classes: buckets per cabin, cheapest open sells first, overbooking only by allowance."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache

from apps.bookings import services as booking_services
from apps.core.errors import ValidationFailed
from apps.flights.services import aircraft_types_ensure
from apps.inventory import services
from apps.inventory.errors import PriceChanged, SoldOut
from apps.inventory.fares import opening_fares
from apps.inventory.models import FareClass
from apps.inventory.offers import PassengerMix, offer_build
from tests.factories import FareClassFactory, FlightFactory

pytestmark = pytest.mark.django_db


def _book(fare_class: FareClass, name: str = "Lovelace", adults: int = 1):
    offer = offer_build(slices=[[fare_class]], mix=PassengerMix(adults=adults), cabin=fare_class.cabin)
    return booking_services.booking_create(
        offer_id=offer.id,
        passengers=[
            booking_services.PassengerInput(type="adult", given_name="Ada", family_name=name + "x" * i)
            for i in range(adults)
        ],
        contact=booking_services.ContactInput(email="ada@example.com"),
        user=None,
    )


def test_a_new_flight_opens_brands_whose_buckets_add_up_to_the_cabin():
    flight = FlightFactory(aircraft=aircraft_types_ensure()["A320"])
    fares = {f["code"]: f for f in opening_fares(flight)}
    assert {code: (f["brand"], f["cabin"]) for code, f in fares.items()} == {
        "V": ("Basic", "economy"),
        "M": ("Standard", "economy"),
        "Y": ("Flex", "economy"),
        "I": ("Business Saver", "business"),
        "J": ("Business Flex", "business"),
    }
    assert fares["V"]["capacity"] + fares["M"]["capacity"] + fares["Y"]["capacity"] == 144
    assert fares["I"]["capacity"] + fares["J"]["capacity"] == 20
    assert fares["V"]["price"] < fares["M"]["price"] < fares["Y"]["price"] < fares["I"]["price"]
    assert (fares["Y"]["refundable"], fares["V"]["refundable"]) == (True, False)
    assert fares["V"]["checked_bags"] == 0


def test_search_offers_the_cheapest_bucket_with_room_and_moves_up_when_it_fills(client):
    flight = FlightFactory()
    basic = FareClassFactory(flight=flight, code="V", brand="Basic", price=Decimal("80.00"), capacity=1)
    FareClassFactory(flight=flight, code="M", brand="Standard", price=Decimal("110.00"), capacity=10)
    query = {
        "origin": flight.origin.iata_code,
        "destination": flight.destination.iata_code,
        "departure_date": flight.departure_date.isoformat(),
    }
    offer = client.get("/api/v1/flights/search/", query).json()["results"][0]
    assert (offer["total_amount"], offer["fare"]["brand"]) == ("80.00", "Basic")

    _book(basic)
    cache.clear()  # a cached answer may show the old price for a minute; booking re-checks it
    offer = client.get("/api/v1/flights/search/", query).json()["results"][0]
    assert (offer["total_amount"], offer["fare"]["brand"]) == ("110.00", "Standard")


def test_booking_a_full_bucket_when_a_dearer_one_has_room_answers_price_changed():
    flight = FlightFactory()
    basic = FareClassFactory(flight=flight, code="V", price=Decimal("80.00"), capacity=1)
    FareClassFactory(flight=flight, code="M", price=Decimal("110.00"), capacity=10)
    offer_for_basic = offer_build(slices=[[basic]], mix=PassengerMix(adults=1), cabin="economy")
    _book(basic, "First")

    with pytest.raises(PriceChanged):
        booking_services.booking_create(
            offer_id=offer_for_basic.id,
            passengers=[booking_services.PassengerInput(type="adult", given_name="Ada", family_name="Second")],
            contact=booking_services.ContactInput(email="ada@example.com"),
            user=None,
        )


def test_overbooking_allowance_is_the_only_way_to_sell_above_the_seats():
    fare_class = FareClassFactory(code="Y", capacity=2)
    _book(fare_class, adults=2)
    with pytest.raises(SoldOut):
        _book(fare_class, "Third")

    services.overbooking_set(flight=fare_class.flight, allowance=1)
    _book(fare_class, "Third")
    with pytest.raises(SoldOut):
        _book(fare_class, "Fourth")
    fare_class.refresh_from_db()
    assert (fare_class.sold, fare_class.capacity) == (3, 3)
    fare_class.flight.refresh_from_db()
    assert fare_class.flight.overbooking_allowance == 1


def test_allowance_cannot_shrink_below_what_is_sold():
    fare_class = FareClassFactory(code="Y", capacity=1)
    services.overbooking_set(flight=fare_class.flight, allowance=1)
    _book(fare_class, adults=2)
    with pytest.raises(ValidationFailed):
        services.overbooking_set(flight=fare_class.flight, allowance=0)
