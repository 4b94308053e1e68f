from django.urls import path

from apps.bookings.api.views import (
    BookingCancellationApi,
    BookingDetailApi,
    BookingListCreateApi,
    BookingLookupApi,
    BookingSeatsApi,
)

urlpatterns = [
    path("bookings/", BookingListCreateApi.as_view(), name="booking-list"),
    # Before `<locator>/`: "lookup" would otherwise be read as a locator.
    path("bookings/lookup/", BookingLookupApi.as_view(), name="booking-lookup"),
    path("bookings/<str:locator>/", BookingDetailApi.as_view(), name="booking-detail"),
    path("bookings/<str:locator>/seats/", BookingSeatsApi.as_view(), name="booking-seats"),
    path("bookings/<str:locator>/cancellation/", BookingCancellationApi.as_view(), name="booking-cancellation"),
]
