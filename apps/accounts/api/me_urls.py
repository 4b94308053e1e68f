"""The signed-in customer's own data: profile, GDPR export and erasure."""

from django.urls import path

from apps.accounts.api.me_views import MeApi, MeExportApi

urlpatterns = [
    path("", MeApi.as_view(), name="me"),
    path("export/", MeExportApi.as_view(), name="me-export"),
]
