from django.urls import path

from apps.payments.api.views import PaymentCreateApi

urlpatterns = [
    path("bookings/<str:locator>/payments/", PaymentCreateApi.as_view(), name="booking-payment-create"),
]
