"""Error reports sent to Sentry carry no travel document, date of birth or secret."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from apps.core.privacy import FILTERED, mask_document_number, scrub_sentry_event

NUMBER = "X7341982"


def _event() -> dict:
    body = {
        "offer_id": "abc",
        "passengers": [
            {
                "type": "adult",
                "given_name": "Grace",
                "date_of_birth": "1987-06-23",
                "document": {"type": "passport", "number": NUMBER, "expires_on": "2034-09-30"},
            }
        ],
        "password": "hunter2",
    }
    return {
        "request": {
            "url": "https://flightbook.example/api/v1/bookings/",
            "method": "POST",
            "data": body,
            "query_string": f"document_number={NUMBER}&flight=BA117",
            "headers": {"Authorization": "Bearer eyJ.secret", "Content-Type": "application/json"},
        },
        "extra": {"passport": NUMBER, "raw_body": json.dumps(body), "locator": "ABC234"},
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "stacktrace": {
                        "frames": [
                            {
                                "function": "booking_create",
                                "vars": {
                                    "p": f"PassengerInput(type='adult', date_of_birth=datetime.date(1987, 6, 23), "
                                    f"document_number='{NUMBER}', nationality='US')",
                                    "document_number": f"'{NUMBER}'",
                                    "born": "datetime.date(1987, 6, 23)",
                                },
                            }
                        ]
                    },
                }
            ]
        },
        "breadcrumbs": {"values": [{"message": f"checking document_number={NUMBER} for ABC234"}]},
    }


def test_the_scrubbed_event_holds_no_document_number_birth_date_or_secret():
    scrubbed = json.dumps(scrub_sentry_event(_event(), {}))

    for secret in (NUMBER, "1987-06-23", "1987, 6, 23", "2034-09-30", "hunter2", "eyJ.secret"):
        assert secret not in scrubbed, secret


def test_what_helps_debugging_is_kept():
    scrubbed = scrub_sentry_event(_event(), {})

    assert scrubbed["request"]["data"]["passengers"][0]["document"] == FILTERED
    assert scrubbed["request"]["data"]["passengers"][0]["given_name"] == "Grace"
    assert scrubbed["request"]["data"]["offer_id"] == "abc"
    assert scrubbed["request"]["query_string"] == f"document_number={FILTERED}&flight=BA117"
    assert scrubbed["extra"]["locator"] == "ABC234"
    assert scrubbed["exception"]["values"][0]["stacktrace"]["frames"][0]["function"] == "booking_create"


def test_the_original_event_is_left_untouched():
    event = _event()

    scrub_sentry_event(event, {})

    assert event["extra"]["passport"] == NUMBER


def test_document_numbers_are_masked_to_their_last_two_characters():
    assert mask_document_number(NUMBER) == "••••••82"
    assert mask_document_number("AB1") == "••••••"
    assert mask_document_number("") == ""


def test_sentry_is_set_up_with_the_scrubber_when_a_dsn_is_given():
    code = (
        "import django; django.setup(); import sentry_sdk; o = sentry_sdk.get_client().options; "
        "print(o['before_send'].__name__, o['before_send_transaction'].__name__, o['send_default_pii'])"
    )
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "flightbook.settings.dev",
        "SENTRY_DSN": "https://key@o0.ingest.invalid/1",
    }
    result = subprocess.run(  # noqa: S603 (our own interpreter, fixed code)
        [sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True,
        text=True, timeout=60, check=True,
    )  # fmt: skip

    assert result.stdout.split() == ["scrub_sentry_event", "scrub_sentry_event", "False"]
