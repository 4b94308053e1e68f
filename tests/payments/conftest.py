from __future__ import annotations

import pytest

from tests.factories import UserFactory
from tests.payments.helpers import STRIPE_WEBHOOK_SECRET, api_as
from tests.payments.stripe_fake import FakeStripe


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def api(user):
    """An API client signed in as `user`."""
    return api_as(user)


@pytest.fixture
def stripe_api(settings, monkeypatch):
    """A fake api.stripe.com on loopback, with the Stripe provider configured to use it.
    Script answers with `stripe_api.respond(...)`; read `stripe_api.requests` afterwards."""
    import stripe

    # The SDK backs off at least 0.5 s between retries; a few milliseconds prove the same thing.
    monkeypatch.setattr(stripe.HTTPClient, "INITIAL_DELAY", 0.01)
    server = FakeStripe().start()
    settings.PAYMENT_PROVIDER = "stripe"
    settings.STRIPE_SECRET_KEY = "sk_test_flightbook"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_flightbook"
    settings.STRIPE_WEBHOOK_SECRET = STRIPE_WEBHOOK_SECRET
    settings.STRIPE_API_BASE = server.url
    try:
        yield server
    finally:
        server.stop()
    if server.unexpected:
        calls = ", ".join(f"{r.method} {r.path}" for r in server.unexpected)
        pytest.fail(f"The fake Stripe got requests nothing was scripted for: {calls}")
