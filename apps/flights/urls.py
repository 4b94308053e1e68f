from django.urls import path

from apps.flights import views

app_name = "flights"

urlpatterns = [
    path("", views.home, name="home"),
    path("flights/status/", views.flight_status, name="status"),
]
