from rest_framework import serializers

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
