from django.urls import path

from apps.flights.api.views import AirportListApi

urlpatterns = [
    path("airports/", AirportListApi.as_view(), name="airport-list"),
]
