from django.urls import path

from apps.inventory.api.views import FlightSearchApi

urlpatterns = [
    path("flights/search/", FlightSearchApi.as_view(), name="flight-search"),
]
