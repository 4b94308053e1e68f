from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.flights.forms import ResultsFilterForm, SearchForm
from apps.inventory import selectors
from apps.inventory.api.serializers import FlightSearchInputSerializer, OfferSerializer

RESULTS_PER_PAGE = 20
FORM_DEFAULTS = {"adults": "1", "children": "0", "infants": "0", "cabin": "economy", "max_stops": "1", "sort": "price"}


def _label(field: str) -> str:
    """The name a person saw on the form ("Depart"), not the parameter ("departure_date")."""
    for form in (SearchForm, ResultsFilterForm):
        if field in form.base_fields:
            return str(form.base_fields[field].label)
    return field.replace("_", " ").capitalize()


def search_results(request: HttpRequest) -> HttpResponse:
    """The results page: the same query, rules and errors as `GET /api/v1/flights/search/`,
    with filters and sort as plain GET parameters (works without JavaScript)."""
    query = FlightSearchInputSerializer(data=request.GET)
    # Show the defaults the search used for whatever the query left out.
    shown = {**FORM_DEFAULTS, **request.GET.dict()}
    context = {
        "form": SearchForm(shown),
        "filters": ResultsFilterForm(shown),
        "offers": None,
        "errors": None,
    }
    if not query.is_valid():
        context["errors"] = {_label(field): [str(e) for e in errs] for field, errs in query.errors.items()}
        return render(request, "inventory/results.html", context, status=400)
    criteria = query.criteria()
    candidates = selectors.offers_search(criteria=criteria)
    page = Paginator(candidates, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    offers = selectors.offers_sign(candidates=list(page.object_list), mix=criteria.mix, cabin=criteria.cabin)
    airlines = sorted(
        {fc.flight.airline.iata_code for c in candidates for s in c.slices for fc in s.fare_classes}
        | set(criteria.airlines)
    )
    params = request.GET.copy()
    params.pop("page", None)
    context.update(
        offers=OfferSerializer(offers, many=True).data,
        page=page,
        criteria=criteria,
        airlines=airlines,
        query_without_page=params.urlencode(),
    )
    return render(request, "inventory/results.html", context)
