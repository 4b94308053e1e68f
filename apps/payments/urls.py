from django.urls import path

from apps.payments import views

app_name = "payments"

urlpatterns = [
    path("<str:locator>/", views.pay, name="pay"),
]
