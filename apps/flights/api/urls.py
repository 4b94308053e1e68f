from django.urls import path

from apps.flights.api.views import AirportListApi, FlightDetailApi, FlightStatusApi

urlpatterns = [
    path("airports/", AirportListApi.as_view(), name="airport-list"),
    path("flights/status/", FlightStatusApi.as_view(), name="flight-status"),
    path("flights/<int:flight_id>/", FlightDetailApi.as_view(), name="flight-detail"),
]
