"""Every API answer tells the client its budget (DESIGN.md §4): `RateLimit-Limit`,
`RateLimit-Remaining` and `RateLimit-Reset` of the budget closest to running out, per
user, partner key or address; a partner's plan, set in the admin, moves its own keys'
budgets; while the throttle store is away the headers are left out, not made up."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.accounts.api_keys import api_key_create
from apps.accounts.models import Partner
from tests.accounts.helpers import otp_force_login, roles_ensured
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

AIRPORTS = "/api/v1/airports/?q=lon"
UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens there


@pytest.fixture
def rates(settings):
    def set_rates(**rates: str) -> None:
        settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, **rates}

    return set_rates


def _budget(response) -> tuple[int, int, int]:
    return (
        int(response["RateLimit-Limit"]),
        int(response["RateLimit-Remaining"]),
        int(response["RateLimit-Reset"]),
    )


def _signed_in(user=None) -> APIClient:
    client = APIClient()
    client.force_authenticate(user or UserFactory())
    return client


def _with_key(partner: Partner) -> APIClient:
    _, raw_key = api_key_create(partner=partner, name="engine", scopes=["read", "book"], created_by=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    return client


def test_each_answer_tells_a_customer_how_much_of_the_budget_is_left(rates):
    rates(user_burst="5/minute", user_sustained="100/hour")
    client = _signed_in()

    budgets = [_budget(client.get(AIRPORTS)) for _ in range(3)]

    assert [(limit, remaining) for limit, remaining, _ in budgets] == [(5, 4), (5, 3), (5, 2)]
    assert all(0 < reset <= 60 for _, _, reset in budgets)


def test_the_budget_told_is_the_one_closest_to_running_out(rates):
    # Booking creation has its own, smaller burst on top of the API-wide budgets.
    rates(user_burst="50/minute", user_sustained="100/hour", booking_burst="3/minute", booking_sustained="60/hour")
    client = _signed_in()

    assert _budget(client.get("/api/v1/bookings/"))[:2] == (50, 49)
    created = client.post("/api/v1/bookings/", {})
    assert created.status_code == 400  # counted even when the body is wrong
    assert _budget(created)[:2] == (3, 2)


def test_a_refusal_says_nothing_is_left_and_when_to_try_again(rates):
    rates(user_burst="2/minute")
    client = _signed_in()
    client.get(AIRPORTS)
    client.get(AIRPORTS)

    refused = client.get(AIRPORTS)

    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    limit, remaining, reset = _budget(refused)
    assert (limit, remaining) == (2, 0)
    assert int(refused["Retry-After"]) == reset > 0


def test_a_refusal_waits_for_every_budget_the_client_has_used_up(rates):
    rates(user_burst="1/minute", user_sustained="2/hour")
    client = _signed_in()
    client.get(AIRPORTS)

    # Over the burst; and this attempt, still counted by the hourly budget, used that up.
    refused = client.get(AIRPORTS)

    assert refused.status_code == 429
    limit, remaining, reset = _budget(refused)
    assert (limit, remaining) == (2, 0)
    assert reset > 60  # a retry after the minute's burst would be refused by the hour's budget
    assert int(refused["Retry-After"]) == reset


def test_anonymous_clients_are_told_the_budget_of_their_address(rates):
    rates(anon_burst="4/minute")
    here, elsewhere = APIClient(), APIClient(REMOTE_ADDR="203.0.113.9")

    assert _budget(here.get(AIRPORTS))[:2] == (4, 3)
    assert _budget(here.get(AIRPORTS))[:2] == (4, 2)
    assert _budget(elsewhere.get(AIRPORTS))[:2] == (4, 3)


def test_a_partners_plan_sets_the_budget_of_its_own_keys_and_agents_only(rates):
    rates(user_burst="30/minute")
    premium = Partner.objects.create(
        name="Premium Travel", contact_email="ops@premium.example", rate_limits={"user_burst": "600/minute"}
    )
    basic = Partner.objects.create(name="Basic Travel", contact_email="ops@basic.example")

    assert _budget(_with_key(premium).get("/api/v1/bookings/"))[:2] == (600, 599)
    assert _budget(_with_key(basic).get("/api/v1/bookings/"))[:2] == (30, 29)
    assert _budget(_signed_in(UserFactory(partner=premium)).get(AIRPORTS))[:2] == (600, 599)
    assert _budget(_signed_in().get(AIRPORTS))[:2] == (30, 29)


def test_a_plan_may_also_be_tighter_than_the_global_rate(rates):
    rates(user_burst="30/minute")
    trial = Partner.objects.create(
        name="Trial Travel", contact_email="ops@trial.example", rate_limits={"user_burst": "1/minute"}
    )
    client = _with_key(trial)

    assert client.get("/api/v1/bookings/").status_code == 200
    refused = client.get("/api/v1/bookings/")
    assert refused.status_code == 429
    assert _budget(refused)[:2] == (1, 0)


def test_with_the_throttle_store_unreachable_requests_answer_without_a_budget(settings, rates):
    rates(user_burst="1/minute")
    settings.CACHES = {**settings.CACHES, "throttles": {**settings.CACHES["throttles"], "LOCATION": UNREACHABLE}}
    client = _signed_in()

    answers = [client.get(AIRPORTS) for _ in range(2)]

    assert [answer.status_code for answer in answers] == [200, 200]  # with the store up, the second is 429
    for answer in answers:
        assert not {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} & set(answer.headers)


class TestPlanInTheAdmin:
    @pytest.fixture
    def admin_client(self, client):
        admin = UserFactory(email="admin@example.com", is_staff=True)
        admin.groups.add(roles_ensured()["admin"])
        otp_force_login(client, admin)
        return client

    @staticmethod
    def _form(**rates: str) -> dict:
        inlines = {
            f"{prefix}-{field}": 0 for prefix in ("agents", "api_keys") for field in ("TOTAL_FORMS", "INITIAL_FORMS")
        }
        return {"name": "Sky Travel", "contact_email": "ops@sky.example", "is_active": "on", **inlines, **rates}

    def test_an_admin_sets_a_partners_rates_and_its_keys_get_them(self, admin_client, rates):
        rates(booking_burst="20/minute")
        partner = Partner.objects.create(name="Sky Travel", contact_email="ops@sky.example")
        page = admin_client.get(f"/admin/accounts/partner/{partner.pk}/change/")
        assert 'placeholder="20/minute"' in page.content.decode()  # the global rate, for reference

        response = admin_client.post(
            f"/admin/accounts/partner/{partner.pk}/change/", self._form(rate_booking_burst="120/minute")
        )

        assert response.status_code == 302, response.content
        partner.refresh_from_db()
        assert partner.rate_limits == {"booking_burst": "120/minute"}
        created = _with_key(partner).post("/api/v1/bookings/", {})
        assert _budget(created)[:2] == (120, 119)

    def test_a_rate_the_throttles_cannot_read_is_refused_with_a_sentence(self, admin_client):
        partner = Partner.objects.create(
            name="Sky Travel", contact_email="ops@sky.example", rate_limits={"user_burst": "600/minute"}
        )

        response = admin_client.post(
            f"/admin/accounts/partner/{partner.pk}/change/", self._form(rate_user_burst="600 per minute")
        )

        assert response.status_code == 200
        assert response.context["adminform"].form.errors["rate_user_burst"] == [
            "Write a rate as a number of requests per second, minute, hour or day, e.g. “600/minute”."
        ]
        partner.refresh_from_db()
        assert partner.rate_limits == {"user_burst": "600/minute"}
