from rest_framework import serializers

from apps.core import clock
from apps.flights.selectors import AIRPORT_SEARCH_MAX_RESULTS


class AirportSearchInputSerializer(serializers.Serializer):
    q = serializers.CharField(
        max_length=64,
        help_text="Part of an IATA code, city or airport name; case and accents do not matter.",
        error_messages={
            "required": "Type part of a code, city or airport name.",
            "blank": "Type part of a code, city or airport name.",
        },
    )
    limit = serializers.IntegerField(
        min_value=1, max_value=AIRPORT_SEARCH_MAX_RESULTS, default=10, help_text="How many airports, at most"
    )


class AirportSerializer(serializers.Serializer):
    iata_code = serializers.CharField()
    name = serializers.CharField()
    city = serializers.CharField()
    country = serializers.CharField(help_text="ISO 3166-1 alpha-2")
    time_zone = serializers.CharField(help_text="IANA zone, e.g. Europe/Paris")


class AirportListSerializer(serializers.Serializer):
    """The list shape of every API list; autocomplete answers fit on one page."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = AirportSerializer(many=True)


class FlightAirportSerializer(serializers.Serializer):
    iata_code = serializers.CharField()
    name = serializers.CharField()
    city = serializers.CharField()
    time_zone = serializers.CharField()


class FlightSerializer(serializers.Serializer):
    """A dated flight; times in the local time of the airport concerned, with its offset."""

    id = serializers.IntegerField()
    flight_number = serializers.CharField()
    airline = serializers.CharField(source="airline.iata_code")
    airline_name = serializers.CharField(source="airline.name")
    origin = FlightAirportSerializer()
    destination = FlightAirportSerializer()
    departure_date = serializers.DateField()
    departure_at = serializers.SerializerMethodField()
    arrival_at = serializers.SerializerMethodField()
    duration_minutes = serializers.IntegerField()
    aircraft = serializers.CharField(source="aircraft.code")
    aircraft_name = serializers.CharField(source="aircraft.name")
    status = serializers.CharField()

    def get_departure_at(self, flight) -> str:
        return clock.local(flight.departure_at, flight.origin.time_zone).isoformat()

    def get_arrival_at(self, flight) -> str:
        return clock.local(flight.arrival_at, flight.destination.time_zone).isoformat()


class FlightStatusInputSerializer(serializers.Serializer):
    flight_number = serializers.RegexField(
        r"^\s*[A-Za-z0-9]{2}\s*\d{1,4}\s*$",
        error_messages={"invalid": "A flight number is an airline code and up to four digits, e.g. BA117."},
    )
    date = serializers.DateField(help_text="Local departure date at the origin")
