from django.urls import path

from apps.bookings import views

app_name = "bookings"

urlpatterns = [
    path("", views.my_trips, name="my_trips"),
    path("new/", views.booking_new, name="new"),
    path("<str:locator>/", views.booking_detail, name="detail"),
]
