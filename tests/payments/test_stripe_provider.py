"""The Stripe provider through the official SDK, against recorded Stripe responses served
over real HTTP on loopback (`stripe_api`, see stripe_fake.py)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from apps.payments.errors import PaymentMethodInvalid, PaymentProviderUnavailable, RefundNotAllowed, WebhookInvalid
from apps.payments.providers import ChargeRequest, IntentRequest, RefundRequest, get_provider
from tests.payments.stripe_fake import load_fixture, refused_url, sign_webhook, stripe_event

PI_ID = "pi_1PgafyB7WZ01zgkWSjxsAJo3"
REFUND_ID = "re_1Pgc72B7WZ01zgkWqPvrRrPE"
CREATED = datetime(2009, 2, 13, 23, 31, 30, tzinfo=UTC)  # 1234567890, as in Stripe's examples
WEBHOOK_SECRET = "whsec_test_flightbook"


def charge_request(**changes) -> ChargeRequest:
    values = {
        "amount": Decimal("459.90"),
        "currency": "EUR",
        "payment_method": "pm_card_visa",
        "idempotency_key": "payment-41-charge",
        "description": "Flightbook booking K7M2QX",
        "metadata": {"locator": "K7M2QX", "payment": "41"},
    }
    values.update(changes)
    return ChargeRequest(**values)


def refund_request(**changes) -> RefundRequest:
    values = {
        "payment_reference": PI_ID,
        "amount": Decimal("200.00"),
        "currency": "EUR",
        "idempotency_key": "refund-7",
        "metadata": {"locator": "K7M2QX", "refund": "7"},
    }
    values.update(changes)
    return RefundRequest(**values)


# Charges


def test_charge_sends_minor_units_and_our_idempotency_key_to_stripe(stripe_api):
    stripe_api.respond("POST", "/v1/payment_intents", load_fixture("payment_intent_succeeded"))

    state = get_provider("stripe").charge(charge_request())

    assert (state.status, state.reference) == ("succeeded", PI_ID)
    assert (state.amount, state.currency) == (Decimal("459.90"), "EUR")
    assert state.metadata == {"locator": "K7M2QX", "payment": "41"}
    assert state.created == CREATED
    [sent] = stripe_api.requests
    assert sent.form == {
        "amount": "45990",
        "currency": "eur",
        "payment_method": "pm_card_visa",
        "confirm": "true",
        "description": "Flightbook booking K7M2QX",
        "metadata[locator]": "K7M2QX",
        "metadata[payment]": "41",
        "automatic_payment_methods[enabled]": "true",
        "automatic_payment_methods[allow_redirects]": "never",
    }
    assert sent.idempotency_key == "payment-41-charge"
    assert sent.authorization == "Bearer sk_test_flightbook"


def test_zero_decimal_currency_is_sent_as_whole_yen(stripe_api):
    stripe_api.respond("POST", "/v1/payment_intents", load_fixture("payment_intent_succeeded_jpy"))

    state = get_provider("stripe").charge(charge_request(amount=Decimal("52000"), currency="JPY"))

    assert stripe_api.requests[0].form["amount"] == "52000"
    assert stripe_api.requests[0].form["currency"] == "jpy"
    assert (state.amount, state.currency) == (Decimal("52000"), "JPY")


def test_amount_finer_than_the_currency_allows_is_never_sent(stripe_api):
    with pytest.raises(ValueError, match="decimal places"):
        get_provider("stripe").charge(charge_request(amount=Decimal("52000.50"), currency="JPY"))

    assert stripe_api.requests == []


def test_declined_card_is_a_failed_payment_with_stripes_reason(stripe_api):
    stripe_api.respond("POST", "/v1/payment_intents", load_fixture("error_card_declined"), status=402)

    state = get_provider("stripe").charge(charge_request(payment_method="pm_card_chargeDeclined"))

    assert (state.status, state.reference) == ("failed", PI_ID)
    assert state.failure_code == "generic_decline"
    assert state.failure_message == "Your card was declined."
    assert (state.amount, state.currency) == (Decimal("459.90"), "EUR")
    # A decline is an answer, not an outage: the SDK does not ask again.
    assert len(stripe_api.requests) == 1


def test_declined_payment_still_reads_as_failed_when_retrieved_later(stripe_api):
    declined = load_fixture("error_card_declined")["error"]["payment_intent"]
    stripe_api.respond("GET", f"/v1/payment_intents/{PI_ID}", declined)

    state = get_provider("stripe").retrieve(PI_ID)

    assert state.status == "failed"
    assert state.failure_code == "generic_decline"


def test_card_needing_3d_secure_gives_the_page_to_send_the_customer_to(stripe_api):
    stripe_api.respond("POST", "/v1/payment_intents", load_fixture("payment_intent_requires_action"))
    return_url = "https://flightbook.example/bookings/K7M2QX/payment/return"

    state = get_provider("stripe").charge(
        charge_request(payment_method="pm_card_authenticationRequired", return_url=return_url)
    )

    assert state.status == "requires_action"
    assert state.next_action_url.startswith("https://hooks.stripe.com/3d_secure_2/hosted?")
    sent = stripe_api.requests[0].form
    assert sent["return_url"] == return_url
    assert "automatic_payment_methods[allow_redirects]" not in sent


def test_unknown_payment_method_is_the_customers_to_fix(stripe_api):
    stripe_api.respond("POST", "/v1/payment_intents", load_fixture("error_no_such_payment_method"), status=400)

    with pytest.raises(PaymentMethodInvalid, match="No such PaymentMethod"):
        get_provider("stripe").charge(charge_request(payment_method="pm_1NoSuchMethodB7WZ01zgkW"))


@pytest.mark.parametrize("payment_method", ["pm_card_visa", "pm_1Pgc75B7WZ01zgkWlHVgdEGJ"])
def test_stripe_payment_method_ids_are_accepted(stripe_api, payment_method):
    get_provider("stripe").check_payment_method(payment_method)


@pytest.mark.parametrize("payment_method", ["", "4242424242424242", "tok_visa", "card_1PgaftB7WZ01zgkW", "pm_x y"])
def test_anything_but_a_payment_method_id_is_refused_before_calling_stripe(stripe_api, payment_method):
    with pytest.raises(PaymentMethodInvalid):
        get_provider("stripe").charge(charge_request(payment_method=payment_method))

    assert stripe_api.requests == []


# Outages


def test_stripe_error_is_retried_with_the_same_key_and_the_charge_goes_through(stripe_api):
    stripe_api.respond("POST", "/v1/payment_intents", load_fixture("error_api_error"), status=500)
    stripe_api.respond("POST", "/v1/payment_intents", load_fixture("payment_intent_succeeded"))

    state = get_provider("stripe").charge(charge_request())

    assert state.status == "succeeded"
    assert [r.idempotency_key for r in stripe_api.requests] == ["payment-41-charge", "payment-41-charge"]


def test_stripe_failing_every_attempt_is_provider_unavailable(stripe_api):
    stripe_api.respond("POST", "/v1/payment_intents", load_fixture("error_api_error"), status=500, times=3)

    with pytest.raises(PaymentProviderUnavailable):
        get_provider("stripe").charge(charge_request())

    assert len(stripe_api.requests) == 3  # the first try and two retries


def test_stripe_unreachable_is_provider_unavailable(stripe_api, settings):
    settings.STRIPE_API_BASE = refused_url()

    with pytest.raises(PaymentProviderUnavailable):
        get_provider("stripe").charge(charge_request())


def test_rejected_api_key_is_provider_unavailable_not_a_decline(stripe_api):
    stripe_api.respond("POST", "/v1/payment_intents", load_fixture("error_invalid_api_key"), status=401)

    with pytest.raises(PaymentProviderUnavailable):
        get_provider("stripe").charge(charge_request())

    assert len(stripe_api.requests) == 1


# Payments the browser confirms, cancellation


def test_intent_for_the_browser_carries_its_client_secret(stripe_api):
    stripe_api.respond("POST", "/v1/payment_intents", load_fixture("payment_intent_requires_payment_method"))

    state = get_provider("stripe").intent_create(
        IntentRequest(
            amount=Decimal("459.90"),
            currency="EUR",
            idempotency_key="payment-41-intent",
            description="Flightbook booking K7M2QX",
            metadata={"locator": "K7M2QX"},
        )
    )

    assert state.client_secret == "pi_1PgafyB7WZ01zgkWSjxsAJo3_secret_Dm43xiq1k0ywrRRjDoi8y1gkM"
    assert state.status == "requires_action"  # waiting for the card form, not failed
    [sent] = stripe_api.requests
    assert "confirm" not in sent.form
    assert sent.form["amount"] == "45990"
    assert sent.form["automatic_payment_methods[enabled]"] == "true"
    assert sent.idempotency_key == "payment-41-intent"


def test_cancel_of_a_waiting_payment_is_canceled(stripe_api):
    stripe_api.respond("POST", f"/v1/payment_intents/{PI_ID}/cancel", load_fixture("payment_intent_canceled"))

    state = get_provider("stripe").cancel(PI_ID)

    assert (state.status, state.reference) == ("canceled", PI_ID)


def test_cancel_of_a_payment_that_succeeded_meanwhile_reports_the_success(stripe_api):
    stripe_api.respond(
        "POST", f"/v1/payment_intents/{PI_ID}/cancel", load_fixture("error_cancel_succeeded"), status=400
    )
    stripe_api.respond("GET", f"/v1/payment_intents/{PI_ID}", load_fixture("payment_intent_succeeded"))

    state = get_provider("stripe").cancel(PI_ID)

    assert state.status == "succeeded"
    assert state.amount == Decimal("459.90")


# Refunds


def test_refund_sends_the_amount_and_key_and_reports_success(stripe_api):
    stripe_api.respond("POST", "/v1/refunds", load_fixture("refund_succeeded"))

    state = get_provider("stripe").refund(refund_request())

    assert (state.status, state.reference, state.payment_reference) == ("succeeded", REFUND_ID, PI_ID)
    assert (state.amount, state.currency) == (Decimal("200.00"), "EUR")
    [sent] = stripe_api.requests
    assert sent.form == {
        "payment_intent": PI_ID,
        "amount": "20000",
        "metadata[locator]": "K7M2QX",
        "metadata[refund]": "7",
    }
    assert sent.idempotency_key == "refund-7"


def test_pending_refund_is_pending_until_stripe_settles_it(stripe_api):
    stripe_api.respond("POST", "/v1/refunds", load_fixture("refund_pending"))
    stripe_api.respond("GET", f"/v1/refunds/{REFUND_ID}", load_fixture("refund_succeeded"))
    provider = get_provider("stripe")

    assert provider.refund(refund_request()).status == "pending"
    assert provider.retrieve_refund(REFUND_ID).status == "succeeded"


# Reconciliation lists


def test_payments_between_follows_every_page(stripe_api):
    stripe_api.respond("GET", "/v1/payment_intents", load_fixture("payment_intent_list_page1"))
    stripe_api.respond("GET", "/v1/payment_intents", load_fixture("payment_intent_list_page2"))
    start = datetime(2026, 3, 1, tzinfo=UTC)
    end = datetime(2026, 3, 2, tzinfo=UTC)

    states = list(get_provider("stripe").payments_between(start, end))

    assert [(s.reference, s.status) for s in states] == [
        ("pi_3PgbzQB7WZ01zgkW1c2lQm9T", "succeeded"),
        ("pi_3PgbzPB7WZ01zgkW0aY7RtKe", "requires_action"),
        ("pi_3PgbzNB7WZ01zgkW1vX8dHsJ", "canceled"),
    ]
    first, second = stripe_api.requests
    assert first.query == {"created[gte]": "1772323200", "created[lt]": "1772409600", "limit": "100"}
    assert second.query == {**first.query, "starting_after": "pi_3PgbzPB7WZ01zgkW0aY7RtKe"}


def test_refunds_between_lists_refunds_in_the_window(stripe_api):
    stripe_api.respond("GET", "/v1/refunds", load_fixture("refund_list"))
    start = datetime(2026, 3, 1, tzinfo=UTC)

    states = list(get_provider("stripe").refunds_between(start, datetime(2026, 3, 2, tzinfo=UTC)))

    assert [(s.reference, s.status) for s in states] == [
        (REFUND_ID, "succeeded"),
        ("re_3PgbzRB7WZ01zgkW0kL2sN4p", "pending"),
    ]
    assert stripe_api.requests[0].query["created[gte]"] == "1772323200"


# Finding the payment of an attempt whose request died


def test_finding_an_attempt_falls_back_to_the_list_when_stripe_refuses_search(stripe_api):
    # Search is not offered to every account; Stripe answers 400 invalid_request_error.
    refused = {"error": {"type": "invalid_request_error", "code": "feature_unavailable", "message": "No search."}}
    stripe_api.respond("GET", "/v1/payment_intents/search", refused, status=400)
    page = load_fixture("payment_intent_list_page2")
    page["data"][0]["metadata"] = {"locator": "K7M2QX", "payment_id": "41"}
    stripe_api.respond("GET", "/v1/payment_intents", page)

    state = get_provider("stripe").payment_find(payment_id="41", created_after=CREATED)

    assert (state.reference, state.status) == (page["data"][0]["id"], page["data"][0]["status"])
    [listed] = stripe_api.requests_to("GET", "/v1/payment_intents")
    assert int(listed.query["created[gte]"]) < int(CREATED.timestamp())  # a margin for clocks


def test_finding_an_attempt_stripe_never_received_is_none(stripe_api):
    stripe_api.respond("GET", "/v1/payment_intents/search", load_fixture("payment_intent_search_empty"))
    stripe_api.respond("GET", "/v1/payment_intents", load_fixture("payment_intent_list_page2"))  # others' payments

    assert get_provider("stripe").payment_find(payment_id="41", created_after=CREATED) is None


# Webhooks


def test_signed_payment_event_is_accepted_and_read(stripe_api):
    body = stripe_event(
        "payment_intent.succeeded",
        load_fixture("payment_intent_succeeded"),
        event_id="evt_3PgbzSB7WZ01zgkW1bqN0x2A",
        created=1772323260,
    )

    event = get_provider("stripe").webhook_event(body, sign_webhook(body, WEBHOOK_SECRET))

    assert (event.id, event.type) == ("evt_3PgbzSB7WZ01zgkW1bqN0x2A", "payment_intent.succeeded")
    assert event.created == datetime(2026, 3, 1, 0, 1, tzinfo=UTC)
    assert (event.payment.reference, event.payment.status) == (PI_ID, "succeeded")
    assert event.payment.metadata == {"locator": "K7M2QX", "payment": "41"}
    assert event.refund is None
    assert event.payload == json.loads(body)


@pytest.mark.parametrize("event_type", ["refund.updated", "charge.refund.updated"])
def test_signed_refund_event_is_read_as_a_refund(stripe_api, event_type):
    body = stripe_event(
        event_type, load_fixture("refund_succeeded"), event_id="evt_3PgbzTB7WZ01zgkW", created=1772323260
    )

    event = get_provider("stripe").webhook_event(body, sign_webhook(body, WEBHOOK_SECRET))

    assert (event.refund.reference, event.refund.status, event.refund.amount) == (
        REFUND_ID,
        "succeeded",
        Decimal("200"),
    )
    assert event.payment is None


def test_signed_event_of_a_type_we_do_not_act_on_carries_neither(stripe_api):
    body = json.dumps(load_fixture("event")).encode()  # Stripe's example: plan.created

    event = get_provider("stripe").webhook_event(body, sign_webhook(body, WEBHOOK_SECRET))

    assert event.type == "plan.created"
    assert (event.payment, event.refund) == (None, None)


def _payment_event() -> bytes:
    return stripe_event(
        "payment_intent.succeeded", load_fixture("payment_intent_succeeded"), event_id="evt_1", created=1772323260
    )


def test_event_signed_with_another_secret_is_refused(stripe_api):
    body = _payment_event()

    with pytest.raises(WebhookInvalid):
        get_provider("stripe").webhook_event(body, sign_webhook(body, "whsec_someone_else"))


def test_event_changed_after_signing_is_refused(stripe_api):
    body = _payment_event()
    signature = sign_webhook(body, WEBHOOK_SECRET)
    tampered = body.replace(b'"amount": 45990', b'"amount": 1')

    with pytest.raises(WebhookInvalid):
        get_provider("stripe").webhook_event(tampered, signature)


def test_event_signed_longer_ago_than_the_tolerance_is_refused(stripe_api):
    body = _payment_event()
    signed_at = int(time.time()) - 301

    with pytest.raises(WebhookInvalid):
        get_provider("stripe").webhook_event(body, sign_webhook(body, WEBHOOK_SECRET, timestamp=signed_at))


def test_event_delivered_late_but_within_the_tolerance_is_accepted(stripe_api):
    body = _payment_event()
    signed_at = int(time.time()) - 240

    event = get_provider("stripe").webhook_event(body, sign_webhook(body, WEBHOOK_SECRET, timestamp=signed_at))

    assert event.payment.status == "succeeded"


@pytest.mark.parametrize("signature", ["", "t=1772323260", "garbage"])
def test_event_without_a_usable_signature_header_is_refused(stripe_api, signature):
    with pytest.raises(WebhookInvalid):
        get_provider("stripe").webhook_event(_payment_event(), signature)


def test_signed_body_that_is_not_json_is_refused(stripe_api):
    body = b"<html>not an event</html>"

    with pytest.raises(WebhookInvalid):
        get_provider("stripe").webhook_event(body, sign_webhook(body, WEBHOOK_SECRET))


def test_a_refund_stripe_will_never_make_is_refused_not_retried(stripe_api):
    refused = {
        "error": {
            "code": "charge_already_refunded",
            "doc_url": "https://stripe.com/docs/error-codes/charge-already-refunded",
            "message": "Charge ch_1PgafuB7WZ01zgkWXYmPNZs8 has already been refunded.",
            "request_log_url": "https://dashboard.stripe.com/test/logs/req_5Gd1sVa8Nq3wKf?t=1234567890",
            "type": "invalid_request_error",
        }
    }
    stripe_api.respond("POST", "/v1/refunds", refused, status=400)

    with pytest.raises(RefundNotAllowed, match="charge_already_refunded"):
        get_provider("stripe").refund(refund_request())

    assert len(stripe_api.requests_to("POST", "/v1/refunds")) == 1
