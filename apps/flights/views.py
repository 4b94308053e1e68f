from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.flights.forms import SearchForm


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "flights/home.html", {"form": SearchForm()})
