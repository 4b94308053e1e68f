from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.flights import selectors


class AirportSerializer(serializers.Serializer):
    iata_code = serializers.CharField()
    name = serializers.CharField()
    city = serializers.CharField()
    country = serializers.CharField()
    time_zone = serializers.CharField()


class AirportListApi(APIView):
    """Airport autocomplete by IATA code, city or name."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="At least one character")],
        responses=AirportSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = request.query_params.get("q", "").strip()
        if not query:
            raise serializers.ValidationError({"q": ["Type part of a code, city or airport name."]})
        airports = selectors.airport_search(query=query)
        return Response(
            {
                "count": len(airports),
                "next": None,
                "previous": None,
                "results": AirportSerializer(airports, many=True).data,
            }
        )
