from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.flights.forms import SearchForm
from apps.inventory import selectors
from apps.inventory.api.serializers import FlightSearchInputSerializer, OfferSerializer
from apps.inventory.offers import PassengerMix


def search_results(request: HttpRequest) -> HttpResponse:
    """The results page: the same query and rules as `GET /api/v1/flights/search/`."""
    query = FlightSearchInputSerializer(data=request.GET)
    context = {"form": SearchForm(request.GET or None), "offers": None, "errors": None}
    if query.is_valid():
        data = query.validated_data
        offers = selectors.offers_search(
            origin=data["origin"],
            destination=data["destination"],
            departure_date=data["departure_date"],
            mix=PassengerMix(adults=data["adults"], children=data["children"], infants=data["infants"]),
            cabin=data["cabin"],
        )
        context.update(
            offers=OfferSerializer(offers, many=True).data,
            origin=data["origin"],
            destination=data["destination"],
            departure_date=data["departure_date"],
        )
        status = 200
    else:
        context["errors"] = {field: [str(e) for e in errs] for field, errs in query.errors.items()}
        status = 400
    return render(request, "inventory/results.html", context, status=status)
