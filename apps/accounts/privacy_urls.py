from django.urls import path

from apps.accounts import privacy_views

app_name = "privacy"

urlpatterns = [
    path("", privacy_views.privacy_page, name="page"),
    path("export/", privacy_views.privacy_export, name="export"),
    path("delete/", privacy_views.privacy_erase, name="erase"),
]
