from django.urls import path

from apps.payments import views

app_name = "payments"

urlpatterns = [
    path("authenticate/<str:reference>/", views.authenticate, name="authenticate"),
    path("<str:locator>/", views.pay, name="pay"),
    path("<str:locator>/return/", views.stripe_return, name="stripe_return"),
    path("<str:locator>/receipt/<int:payment_id>/", views.receipt, name="receipt"),
]
