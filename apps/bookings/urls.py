from django.urls import path

from apps.bookings import views

app_name = "bookings"

urlpatterns = [
    path("", views.my_trips, name="my_trips"),
    path("new/", views.booking_new, name="new"),
    path("manage/", views.booking_manage, name="manage"),
    path("<str:locator>/", views.booking_detail, name="detail"),
    path("<str:locator>/seats/<int:flight_id>/", views.booking_seats, name="seats"),
    path("<str:locator>/cancel/", views.booking_cancel, name="cancel"),
]
