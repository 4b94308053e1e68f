"""Answers that carry personal data (bookings, passengers, profiles, tokens) must not be
kept by a browser's back/forward cache, a shared proxy or a CDN."""

from __future__ import annotations

from django.utils.cache import add_never_cache_headers
from rest_framework.request import Request
from rest_framework.response import Response


class PersonalDataApi:
    """Mix into an APIView whose answers (refusals included) carry personal data: they
    are sent with `Cache-Control: max-age=0, no-cache, no-store, must-revalidate, private`,
    as Django's `never_cache` does for pages."""

    def finalize_response(self, request: Request, response: Response, *args, **kwargs) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response
