from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.core import clock
from apps.flights import selectors
from apps.flights.forms import FlightStatusForm, SearchForm


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "flights/home.html", {"form": SearchForm()})


def flight_status(request: HttpRequest) -> HttpResponse:
    """Look up a flight by number and date (works without JavaScript: a GET form)."""
    form = FlightStatusForm(request.GET or None, initial={"date": clock.now().date()})
    context = {"form": form, "flight": None, "searched": False}
    status = 200
    if request.GET and form.is_valid():
        context["searched"] = True
        flight = selectors.flight_by_number(
            flight_number=form.cleaned_data["flight_number"], departure_date=form.cleaned_data["date"]
        )
        if flight is not None:
            context.update(
                flight=flight,
                departs=clock.local(flight.departure_at, flight.origin.time_zone),
                arrives=clock.local(flight.arrival_at, flight.destination.time_zone),
            )
        else:
            status = 404
    elif request.GET:
        status = 400
    return render(request, "flights/status.html", context, status=status)
