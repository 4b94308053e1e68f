"""factory-boy factories for every app's models; tests build their data here."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory
from django.utils import timezone

from apps.accounts.models import User
from apps.flights.models import AircraftType, Airline, Airport, Flight
from apps.flights.reference import airport_search_text
from apps.flights.services import aircraft_types_ensure
from apps.inventory.models import Cabin, FareClass


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"traveller{n}@example.com")
    first_name = "Ada"
    last_name = "Lovelace"
    password = factory.django.Password("correct horse battery staple")


class AirportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Airport
        django_get_or_create = ("iata_code",)

    iata_code = "LHR"
    name = factory.LazyAttribute(lambda a: f"{a.iata_code} International")
    city = factory.LazyAttribute(lambda a: f"City {a.iata_code}")
    country = "GB"
    time_zone = "Europe/London"
    latitude = Decimal("51.470000")
    longitude = Decimal("-0.454300")


class AirlineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Airline
        django_get_or_create = ("iata_code",)

    iata_code = "BA"
    name = "British Airways"
    ticket_prefix = "125"


class AircraftTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AircraftType
        django_get_or_create = ("code",)

    code = "A320"
    name = "Airbus A320"


class FlightFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Flight

    airline = factory.SubFactory(AirlineFactory)
    number = factory.Sequence(lambda n: str(100 + n))
    origin = factory.SubFactory(AirportFactory, iata_code="LHR")
    # Domestic by default (London to Edinburgh): no travel documents needed.
    destination = factory.SubFactory(
        AirportFactory, iata_code="EDI", country="GB", time_zone="Europe/London", city="Edinburgh"
    )
    departure_at = factory.LazyFunction(lambda: (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0))
    arrival_at = factory.LazyAttribute(lambda f: f.departure_at + timedelta(minutes=80))
    # A flight's date is its local departure date at the origin.
    departure_date = factory.LazyAttribute(lambda f: f.departure_at.astimezone(ZoneInfo(f.origin.time_zone)).date())
    aircraft = factory.SubFactory(AircraftTypeFactory)


def a320_flight(**fields) -> Flight:
    """A flight flown by the reference A320 (`aircraft_types_ensure`), which has a real seat map."""
    return FlightFactory(aircraft=aircraft_types_ensure()["A320"], **fields)


class FareClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FareClass

    flight = factory.SubFactory(FlightFactory)
    cabin = Cabin.ECONOMY
    code = "Y"
    brand = "Standard"
    price = Decimal("200.00")
    currency = "EUR"
    capacity = 150
    checked_bags = 1


class SearchableAirportFactory(AirportFactory):
    """An airport as `import_airports` stores it: searchable by code, city and name."""

    search_text = factory.LazyAttribute(
        lambda a: airport_search_text(iata_code=a.iata_code, city=a.city, name=a.name, other_names=[])
    )
    traffic_rank = 100_000
