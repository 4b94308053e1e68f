"""Production sends customer email over SMTP configured from the environment, with links
to the public site."""

from __future__ import annotations

import json

from tests.core.test_production_logging import _run

SHOW = (
    "import django, json; django.setup(); from django.conf import settings as s;"
    "print(json.dumps([s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_USE_SSL, s.SITE_URL]))"
)


def test_production_sends_email_through_the_smtp_server_the_environment_names():
    result = _run(
        SHOW,
        EMAIL_HOST="smtp.mail.example",
        EMAIL_PORT="465",
        EMAIL_HOST_USER="flightbook",
        EMAIL_USE_SSL="true",
        SITE_URL="https://book.flightbook.example/",
    )

    assert json.loads(result.stdout) == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.mail.example",
        465,
        "flightbook",
        True,
        "https://book.flightbook.example",
    ]


def test_production_email_links_default_to_the_public_host_not_localhost():
    result = _run(SHOW)

    assert json.loads(result.stdout)[-1] == "https://flightbook.example"
