from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.pagination import PageNumberPagination
from apps.inventory import selectors
from apps.inventory.api.serializers import FlightSearchInputSerializer, OfferSerializer
from apps.inventory.offers import PassengerMix


class FlightSearchApi(APIView):
    """Offers for a journey: one per bookable flight, cheapest open fare in the cabin."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[FlightSearchInputSerializer], responses=OfferSerializer(many=True))
    def get(self, request: Request) -> Response:
        query = FlightSearchInputSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        offers = selectors.offers_search(
            origin=data["origin"],
            destination=data["destination"],
            departure_date=data["departure_date"],
            mix=PassengerMix(adults=data["adults"], children=data["children"], infants=data["infants"]),
            cabin=data["cabin"],
        )
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(offers, request, view=self)
        return paginator.get_paginated_response(OfferSerializer(page, many=True).data)
