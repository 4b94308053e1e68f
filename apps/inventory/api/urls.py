from django.urls import path

from apps.inventory.api.views import FlightSearchApi, SeatMapApi

urlpatterns = [
    path("flights/search/", FlightSearchApi.as_view(), name="flight-search"),
    path("flights/<int:flight_id>/seatmap/", SeatMapApi.as_view(), name="flight-seatmap"),
]
