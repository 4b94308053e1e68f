"""The OpenAPI document is what partners generate clients from: these are the facts they
rely on. (`make api-check` then proves the server keeps them, with schemathesis.)"""

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command

PROBLEM_REF = "#/components/schemas/Problem"
PROBLEM = "application/problem+json"
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def schema() -> dict:
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", stdout=out)
    return json.loads(out.getvalue())


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield f"{method.upper()} {path}", item[method]


def resolve(schema: dict, ref: str) -> dict:
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def problem_codes(operation: dict, status: int) -> set[str]:
    response = operation["responses"].get(str(status))
    if response is None:
        return set()
    assert response["content"] == {PROBLEM: {"schema": {"$ref": PROBLEM_REF}}}
    return set(re.findall(r"^`([a-z_]+)`", response["description"], re.MULTILINE))


def test_errors_share_one_problem_schema_with_the_shape_of_design_section_4(schema):
    problem = schema["components"]["schemas"]["Problem"]
    assert set(problem["properties"]) == {"type", "title", "status", "detail", "code", "errors"}
    assert set(problem["required"]) == {"type", "title", "status", "detail", "code"}
    for label, operation in operations(schema):
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert response["content"] == {PROBLEM: {"schema": {"$ref": PROBLEM_REF}}}, (label, status)


def test_search_documents_its_answer_as_a_page_of_offers_with_page_parameters(schema):
    operation = schema["paths"]["/api/v1/flights/search/"]["get"]
    page = resolve(schema, operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"])
    assert set(page["required"]) == {"count", "next", "previous", "results"}
    assert page["properties"]["results"]["items"]["$ref"].endswith("/Offer")
    parameters = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert parameters["page"] == {"type": "integer", "minimum": 1}
    assert parameters["page_size"] == {"type": "integer", "minimum": 1, "maximum": 100}


def test_every_operation_that_needs_a_sign_in_documents_401_and_every_throttled_one_429(schema):
    for label, operation in operations(schema):
        if not label.split(" ", 1)[1].startswith("/api/v1/"):
            continue
        signed_in_only = operation.get("security") and {} not in operation["security"]
        if signed_in_only:
            assert "not_authenticated" in problem_codes(operation, 401), label
        if label != "POST /api/v1/payments/webhooks/stripe/":  # Stripe's calls are not throttled
            assert "throttled" in problem_codes(operation, 429), label
            assert operation["responses"]["429"]["headers"]["Retry-After"]["required"] is True
        assert "service_unavailable" in problem_codes(operation, 503), label


def test_every_throttled_operation_documents_the_rate_limit_headers_of_its_answers(schema):
    rate_limit_headers = {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"}
    for label, operation in operations(schema):
        if not label.split(" ", 1)[1].startswith("/api/v1/"):
            continue
        throttled = label != "POST /api/v1/payments/webhooks/stripe/"
        for status, response in operation["responses"].items():
            documented = rate_limit_headers <= set(response.get("headers", {}))
            expected = throttled and (status.startswith("2") or status == "429")
            assert documented == expected, f"{label} {status}"


def test_booking_payment_and_self_service_operations_document_their_refusals(schema):
    paths = schema["paths"]
    pay = paths["/api/v1/bookings/{locator}/payments/"]["post"]
    assert problem_codes(pay, 402) == {"payment_declined"}
    assert {"hold_expired", "booking_already_paid", "payment_in_progress"} <= problem_codes(pay, 409)
    assert problem_codes(pay, 404) == {"not_found"}
    book = paths["/api/v1/bookings/"]["post"]
    assert {"sold_out", "price_changed", "idempotency_in_progress"} <= problem_codes(book, 409)
    assert problem_codes(book, 410) == {"offer_expired"}
    assert problem_codes(book, 422) == {"idempotency_mismatch"}
    seats = paths["/api/v1/bookings/{locator}/seats/"]["put"]
    assert {"seat_unavailable", "booking_not_changeable"} <= problem_codes(seats, 409)
    assert problem_codes(seats, 422) == {"seat_not_allowed"}
    assert "booking_not_changeable" in problem_codes(paths["/api/v1/bookings/{locator}/cancellation/"]["post"], 409)
    assert problem_codes(paths["/api/v1/bookings/lookup/"]["post"], 404) == {"not_found"}
    erase = paths["/api/v1/me/"]["delete"]
    assert problem_codes(erase, 409) == {"erasure_blocked"}
    body = resolve(schema, erase["requestBody"]["content"]["application/json"]["schema"]["$ref"])
    assert body["required"] == ["password"]


def test_api_keys_are_offered_only_where_a_key_is_accepted(schema):
    refused_to_keys = {
        "GET /api/v1/me/",
        "DELETE /api/v1/me/",
        "GET /api/v1/me/export/",
        "POST /api/v1/bookings/lookup/",
    }
    for label, operation in operations(schema):
        schemes = {name for requirement in operation.get("security", []) for name in requirement}
        if label in refused_to_keys:
            assert "apiKeyAuth" not in schemes, label
            assert "jwtAuth" in schemes, label
        elif label.startswith(("GET /api/v1/bookings/", "POST /api/v1/bookings/", "PUT /api/v1/bookings/")):
            assert "apiKeyAuth" in schemes, label
            assert "insufficient_scope" in problem_codes(operation, 403), label


def test_constraints_the_server_enforces_are_in_the_schema(schema):
    search = {p["name"]: p for p in schema["paths"]["/api/v1/flights/search/"]["get"]["parameters"]}
    for name in ("origin", "destination"):
        assert search[name]["required"] is True
        assert search[name]["schema"]["pattern"] == "^[A-Za-z]{3}$"
    assert not search["max_price"]["schema"]["pattern"].startswith("^-")
    booking_input = schema["components"]["schemas"]["BookingCreateInput"]["properties"]
    assert (booking_input["passengers"]["minItems"], booking_input["passengers"]["maxItems"]) == (1, 9)
    key = {p["name"]: p for p in schema["paths"]["/api/v1/bookings/"]["post"]["parameters"]}["Idempotency-Key"]
    assert key["in"] == "header"
    assert (key["schema"]["minLength"], key["schema"]["maxLength"]) == (1, 255)
    offer = schema["components"]["schemas"]["Offer"]["properties"]
    for amount in (offer["total_amount"], schema["components"]["schemas"]["Booking"]["properties"]["total_amount"]):
        assert amount["pattern"] == r"^[0-9]{1,10}\.[0-9]{2}$"  # never negative


def test_idempotent_operations_document_the_idempotency_key_header(schema):
    idempotent = {
        "POST /api/v1/bookings/",
        "POST /api/v1/bookings/{locator}/payments/",
        "POST /api/v1/bookings/{locator}/cancellation/",
    }
    documented = {
        label
        for label, operation in operations(schema)
        if any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", []))
    }
    assert documented == idempotent


def test_free_text_parameters_say_a_nul_character_is_refused(schema):
    # The server refuses NUL in any text (PostgreSQL cannot store it): a client generated
    # from the schema must not expect such a value to be accepted.
    (q,) = [p for p in schema["paths"]["/api/v1/airports/"]["get"]["parameters"] if p["name"] == "q"]
    pattern = re.compile(q["schema"]["pattern"])
    assert pattern.search("Zürich")
    assert not pattern.search("Zü\x00rich")
    assert not pattern.search("   ")
