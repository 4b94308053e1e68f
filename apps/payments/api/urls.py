from django.urls import path

from apps.payments.api.views import PaymentCreateApi, StripeWebhookApi

urlpatterns = [
    path("bookings/<str:locator>/payments/", PaymentCreateApi.as_view(), name="booking-payment-create"),
    path("payments/webhooks/stripe/", StripeWebhookApi.as_view(), name="payments-webhook-stripe"),
]
