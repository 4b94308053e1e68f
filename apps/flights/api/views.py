from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.schema import NOT_FOUND, VALIDATION_ERROR, answers
from apps.flights import selectors
from apps.flights.api.serializers import (
    AirportListSerializer,
    AirportSearchInputSerializer,
    AirportSerializer,
    FlightSerializer,
    FlightStatusInputSerializer,
)


class AirportListApi(APIView):
    """Airport autocomplete by IATA code, city or name, best match first."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="airports_list",
        parameters=[AirportSearchInputSerializer],
        responses={200: AirportListSerializer},
    )
    @answers(VALIDATION_ERROR)
    def get(self, request: Request) -> Response:
        query = AirportSearchInputSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        airports = selectors.airport_search(query=query.validated_data["q"], limit=query.validated_data["limit"])
        return Response(
            {
                "count": len(airports),
                "next": None,
                "previous": None,
                "results": AirportSerializer(airports, many=True).data,
            }
        )


class FlightDetailApi(APIView):
    """A flight's details and live status."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: FlightSerializer})
    @answers(NOT_FOUND)
    def get(self, request: Request, flight_id: int) -> Response:
        flight = selectors.flight_get(flight_id=flight_id)
        if flight is None:
            raise NotFound("No flight with this id.")
        return Response(FlightSerializer(flight).data)


class FlightStatusApi(APIView):
    """The status of a flight by number and local departure date, e.g. `BA117` on `2026-12-01`."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[FlightStatusInputSerializer],
        responses={200: FlightSerializer},
    )
    @answers(VALIDATION_ERROR, NOT_FOUND)
    def get(self, request: Request) -> Response:
        query = FlightStatusInputSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        flight = selectors.flight_by_number(
            flight_number=query.validated_data["flight_number"], departure_date=query.validated_data["date"]
        )
        if flight is None:
            raise NotFound("No such flight on that date.")
        return Response(FlightSerializer(flight).data)
