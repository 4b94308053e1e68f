from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.flights import selectors
from apps.flights.api.serializers import AirportListSerializer, AirportSearchInputSerializer, AirportSerializer


class AirportListApi(APIView):
    """Airport autocomplete by IATA code, city or name, best match first."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="airports_list",
        parameters=[AirportSearchInputSerializer],
        responses={200: AirportListSerializer, 400: OpenApiResponse(description="problem+json")},
    )
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
