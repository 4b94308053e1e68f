import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.pagination import PageNumberPagination
from apps.core.api.schema import NOT_FOUND, PAGE_PARAMETERS, VALIDATION_ERROR, answers
from apps.flights import selectors as flight_selectors
from apps.inventory import selectors
from apps.inventory.api.serializers import (
    FlightSearchInputSerializer,
    OfferPageSerializer,
    OfferSerializer,
    SeatMapSerializer,
)

SEARCH_PARAMS = (
    "origin",
    "destination",
    "departure_date",
    "return_date",
    "adults",
    "children",
    "infants",
    "cabin",
    "max_stops",
    "airlines",
    "max_price",
    "departure_from",
    "departure_to",
    "sort",
    "page",
    "page_size",
)
_UPPER = {"origin", "destination", "airlines"}


def search_cache_key(params) -> str:
    """The normalised query, without touching the database: a cached answer costs one
    Redis read. Only answers to valid queries are ever stored under it."""
    parts = []
    for name in SEARCH_PARAMS:
        value = params.get(name, "").strip()
        parts.append(f"{name}={value.upper() if name in _UPPER else value}")
    return "search:v1:" + hashlib.sha256("&".join(parts).encode()).hexdigest()


class FlightSearchApi(APIView):
    """Offers for a one-way or round trip: direct flights and one-stop connections, priced
    for the passengers, filtered, sorted and paginated. Offer ids are signed and expire."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[FlightSearchInputSerializer, *PAGE_PARAMETERS],
        responses={200: OfferPageSerializer},
    )
    @answers(VALIDATION_ERROR, NOT_FOUND)  # 404: a page past the last
    def get(self, request: Request) -> HttpResponse:
        key = search_cache_key(request.query_params)
        body = cache.get(key)
        if body is not None:
            return HttpResponse(body, content_type="application/json", headers={"X-Cache": "hit"})
        query = FlightSearchInputSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        criteria = query.criteria()
        candidates = selectors.offers_search(criteria=criteria)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(candidates, request, view=self)
        offers = selectors.offers_sign(candidates=page, mix=criteria.mix, cabin=criteria.cabin)
        data = paginator.get_paginated_response(OfferSerializer(offers, many=True).data).data
        body = JSONRenderer().render(data)
        cache.set(key, body, settings.SEARCH_CACHE_SECONDS)
        return HttpResponse(body, content_type="application/json", headers={"X-Cache": "miss"})


class SeatMapApi(APIView):
    """Cabins, rows and seats of a flight with availability, characteristics and price."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: SeatMapSerializer})
    @answers(NOT_FOUND)
    def get(self, request: Request, flight_id: int) -> Response:
        flight = flight_selectors.flight_get(flight_id=flight_id)
        if flight is None:
            raise NotFound("No flight with this id.")
        return Response(
            SeatMapSerializer.from_map(
                flight_id=flight.pk,
                currency=selectors.flight_currency(flight=flight),
                cabins=selectors.seat_map(flight=flight),
            )
        )
