from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core import clock
from apps.core.api.fields import AmountField
from apps.flights import selectors as flight_selectors
from apps.inventory.models import Cabin, FareClass
from apps.inventory.offers import PassengerMix
from apps.inventory.selectors import SORTS, SearchCriteria

MAX_PASSENGERS = 9
MAX_DAYS_AHEAD = 365
AIRLINE_CODE = re.compile(r"^[A-Z0-9]{2}$")
AIRPORT_CODE = r"^[A-Za-z]{3}$"
AIRPORT_CODE_ERRORS = {"invalid": "An airport is its three-letter IATA code, e.g. LHR."}


def local_iso(moment, tz_name: str) -> str:
    return clock.local(moment, tz_name).isoformat()


class SegmentSerializer(serializers.Serializer):
    """One flight of a slice, from the fare class it is sold in."""

    flight_id = serializers.IntegerField(source="flight.pk")
    flight_number = serializers.CharField(source="flight.flight_number")
    airline = serializers.CharField(source="flight.airline.iata_code")
    origin = serializers.CharField(source="flight.origin.iata_code")
    destination = serializers.CharField(source="flight.destination.iata_code")
    departure_at = serializers.SerializerMethodField()
    arrival_at = serializers.SerializerMethodField()
    aircraft = serializers.CharField(source="flight.aircraft.code")
    cabin = serializers.CharField()
    fare_class = serializers.CharField(source="code")

    def get_departure_at(self, fare_class: FareClass) -> str:
        return local_iso(fare_class.flight.departure_at, fare_class.flight.origin.time_zone)

    def get_arrival_at(self, fare_class: FareClass) -> str:
        return local_iso(fare_class.flight.arrival_at, fare_class.flight.destination.time_zone)


class SliceSerializer(serializers.Serializer):
    """A journey from one place to another: its segments in order (from a list of fare classes)."""

    origin = serializers.CharField()
    destination = serializers.CharField()
    departure_at = serializers.CharField()
    arrival_at = serializers.CharField()
    duration_minutes = serializers.IntegerField()
    stops = serializers.IntegerField()
    segments = SegmentSerializer(many=True)

    def to_representation(self, fare_classes: list[FareClass]) -> dict:
        first, last = fare_classes[0].flight, fare_classes[-1].flight
        return {
            "origin": first.origin.iata_code,
            "destination": last.destination.iata_code,
            "departure_at": local_iso(first.departure_at, first.origin.time_zone),
            "arrival_at": local_iso(last.arrival_at, last.destination.time_zone),
            "duration_minutes": int((last.arrival_at - first.departure_at).total_seconds() // 60),
            "stops": len(fare_classes) - 1,
            "segments": SegmentSerializer(fare_classes, many=True).data,
        }


class PassengerCountSerializer(serializers.Serializer):
    adults = serializers.IntegerField()
    children = serializers.IntegerField()
    infants = serializers.IntegerField()


class FareSerializer(serializers.Serializer):
    brand = serializers.CharField()
    refundable = serializers.BooleanField()
    change_fee = AmountField()
    checked_bags = serializers.IntegerField()


class OfferSerializer(serializers.Serializer):
    id = serializers.CharField()
    expires_at = serializers.DateTimeField()
    total_amount = AmountField()
    currency = serializers.CharField()
    passengers = serializers.SerializerMethodField()
    slices = serializers.SerializerMethodField()
    fare = serializers.SerializerMethodField()
    seats_remaining = serializers.IntegerField(allow_null=True)

    @extend_schema_field(PassengerCountSerializer)
    def get_passengers(self, offer) -> dict:
        return offer.mix.as_dict()

    @extend_schema_field(SliceSerializer(many=True))
    def get_slices(self, offer) -> list:
        return [SliceSerializer(fare_slice).data for fare_slice in offer.slices]

    @extend_schema_field(FareSerializer)
    def get_fare(self, offer) -> dict:
        # The most restrictive rules of the offer's fare classes apply to the whole trip.
        fare_classes = offer.fare_classes
        return {
            "brand": fare_classes[0].brand,
            "refundable": all(fc.refundable for fc in fare_classes),
            "change_fee": str(max(fc.change_fee for fc in fare_classes)),
            "checked_bags": min(fc.checked_bags for fc in fare_classes),
        }


class OfferPageSerializer(serializers.Serializer):
    """A page of offers, in the list shape of every API list."""

    count = serializers.IntegerField(min_value=0, help_text="Offers in all pages")
    next = serializers.URLField(allow_null=True, help_text="The next page, or null on the last")
    previous = serializers.URLField(allow_null=True, help_text="The previous page, or null on the first")
    results = OfferSerializer(many=True)


class FlightSearchInputSerializer(serializers.Serializer):
    origin = serializers.RegexField(
        AIRPORT_CODE,
        trim_whitespace=False,
        error_messages=AIRPORT_CODE_ERRORS,
        help_text="IATA airport code, e.g. LHR (case does not matter)",
    )
    destination = serializers.RegexField(
        AIRPORT_CODE,
        trim_whitespace=False,
        error_messages=AIRPORT_CODE_ERRORS,
        help_text="IATA airport code, e.g. CDG (case does not matter)",
    )
    departure_date = serializers.DateField(help_text="Local date of departure at the origin")
    return_date = serializers.DateField(required=False, allow_null=True, help_text="For a round trip")
    adults = serializers.IntegerField(min_value=1, max_value=MAX_PASSENGERS, default=1)
    children = serializers.IntegerField(min_value=0, max_value=MAX_PASSENGERS - 1, default=0, help_text="Aged 2-11")
    infants = serializers.IntegerField(
        min_value=0, max_value=MAX_PASSENGERS - 1, default=0, help_text="Under 2, on an adult's lap"
    )
    cabin = serializers.ChoiceField(choices=Cabin.choices, default=Cabin.ECONOMY)
    max_stops = serializers.IntegerField(min_value=0, max_value=1, default=1)
    airlines = serializers.CharField(
        required=False, allow_blank=True, help_text="Comma-separated IATA airline codes, e.g. BA,AF"
    )
    max_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"), required=False)
    departure_from = serializers.TimeField(required=False, help_text="Earliest local departure time, HH:MM")
    departure_to = serializers.TimeField(required=False, help_text="Latest local departure time, HH:MM")
    sort = serializers.ChoiceField(choices=[(s, s) for s in SORTS], default="price")

    def _airport(self, code: str):
        airport = flight_selectors.airport_get(iata_code=code)
        if airport is None:
            raise serializers.ValidationError(f"Unknown airport {code.upper()!r}.")
        return airport

    def validate_origin(self, value: str):
        return self._airport(value)

    def validate_destination(self, value: str):
        return self._airport(value)

    def validate_airlines(self, value: str) -> frozenset[str]:
        codes = frozenset(code.strip().upper() for code in value.split(",") if code.strip())
        bad = sorted(code for code in codes if not AIRLINE_CODE.match(code))
        if bad:
            raise serializers.ValidationError(f"Not an airline code: {', '.join(bad)}.")
        return codes

    def validate(self, attrs: dict) -> dict:
        errors = {}
        origin, destination = attrs["origin"], attrs["destination"]
        if origin == destination:
            errors["destination"] = ["The destination must differ from the origin."]
        # "Today" is the origin's today: it may still be yesterday in UTC, or already tomorrow.
        local_today = clock.local(clock.now(), origin.time_zone).date()
        if attrs["departure_date"] < local_today:
            errors["departure_date"] = ["The departure date is in the past."]
        elif attrs["departure_date"] > local_today + timedelta(days=MAX_DAYS_AHEAD):
            errors["departure_date"] = [f"Flights are sold at most {MAX_DAYS_AHEAD} days ahead."]
        return_date = attrs.get("return_date")
        if return_date is not None and return_date < attrs["departure_date"]:
            errors["return_date"] = ["The return date is before the departure date."]
        if attrs["adults"] + attrs["children"] + attrs["infants"] > MAX_PASSENGERS:
            errors["adults"] = [f"At most {MAX_PASSENGERS} passengers per booking."]
        if attrs["infants"] > attrs["adults"]:
            errors["infants"] = ["Each infant travels on an adult's lap: no more infants than adults."]
        start, end = attrs.get("departure_from"), attrs.get("departure_to")
        if start and end and end < start:
            errors["departure_to"] = ["The latest departure time is before the earliest."]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def criteria(self) -> SearchCriteria:
        data = self.validated_data
        return SearchCriteria(
            origin=data["origin"],
            destination=data["destination"],
            departure_date=data["departure_date"],
            return_date=data.get("return_date"),
            mix=PassengerMix(adults=data["adults"], children=data["children"], infants=data["infants"]),
            cabin=data["cabin"],
            max_stops=data["max_stops"],
            airlines=data.get("airlines") or frozenset(),
            max_price=data.get("max_price"),
            departure_from=data.get("departure_from"),
            departure_to=data.get("departure_to"),
            sort=data["sort"],
        )


class SeatSerializer(serializers.Serializer):
    designator = serializers.CharField(source="spec.designator")
    available = serializers.BooleanField()
    characteristics = serializers.ListField(child=serializers.CharField(), source="spec.characteristics")
    price = AmountField()


class SeatRowSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    seats = SeatSerializer(many=True)


class SeatMapCabinSerializer(serializers.Serializer):
    cabin = serializers.CharField()
    rows = SeatRowSerializer(many=True)


class SeatMapSerializer(serializers.Serializer):
    flight_id = serializers.IntegerField()
    currency = serializers.CharField()
    cabins = SeatMapCabinSerializer(many=True)

    @staticmethod
    def from_map(*, flight_id: int, currency: str, cabins: dict) -> dict:
        return SeatMapSerializer(
            {
                "flight_id": flight_id,
                "currency": currency,
                "cabins": [
                    {"cabin": cabin, "rows": [{"number": row[0].spec.row, "seats": row} for row in rows]}
                    for cabin, rows in cabins.items()
                ],
            }
        ).data
