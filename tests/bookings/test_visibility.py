"""Who sees which booking beyond the matrix: a partner's agents and keys, an agent's lookup
by locator and family name (grant, audit entry, expiry), and what a booking records of
who made it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from apps.accounts.api_keys import PartnerKeyPrincipal, api_key_create
from apps.accounts.models import Partner, User
from apps.bookings import selectors, services
from apps.bookings.models import Booking, BookingAccessGrant
from apps.core.models import AuditEntry
from apps.inventory.offers import PassengerMix, offer_build
from tests.factories import FareClassFactory, UserFactory

LOOKUP = "/api/v1/bookings/lookup/"


def _hold(actor, family_name: str = "Lovelace") -> Booking:
    offer = offer_build(slices=[[FareClassFactory()]], mix=PassengerMix(adults=1), cabin="economy")
    return services.booking_create(
        offer_id=offer.id,
        passengers=[services.PassengerInput(type="adult", given_name="Ada", family_name=family_name)],
        contact=services.ContactInput(email="ada@example.com"),
        user=actor,
    )


def _partner(name: str = "Sky Travel") -> Partner:
    return Partner.objects.create(name=name, contact_email=f"ops@{name.split()[0].lower()}.example")


def _agent(partner: Partner | None = None, email: str = "agent@example.com") -> User:
    agent = UserFactory(email=email, is_staff=True, partner=partner)
    agent.groups.add(Group.objects.get_or_create(name="agent")[0])
    return agent


def _as(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _with_key(raw_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    return client


def _listed(client: APIClient) -> list[str]:
    response = client.get("/api/v1/bookings/")
    assert response.status_code == 200, response.content
    return sorted(b["locator"] for b in response.json()["results"])


@pytest.mark.django_db
class TestWhoMadeIt:
    def test_a_booking_by_api_key_belongs_to_the_partner_and_no_user(self):
        partner = _partner()
        api_key, _ = api_key_create(partner=partner, name="engine", scopes=["book"], created_by=None)
        booking = Booking.objects.get(pk=_hold(PartnerKeyPrincipal(api_key)).pk)
        assert (booking.user, booking.partner, booking.api_key) == (None, partner, api_key)
        event = booking.events.get()
        assert (event.actor, event.actor_label) == (None, f"api-key:{api_key.prefix}")

    def test_a_booking_by_an_agent_is_theirs_and_their_partners(self):
        partner = _partner()
        agent = _agent(partner)
        booking = Booking.objects.get(pk=_hold(agent).pk)
        assert (booking.user, booking.partner, booking.api_key) == (agent, partner, None)

    def test_a_customers_booking_has_no_partner(self):
        customer = UserFactory()
        booking = Booking.objects.get(pk=_hold(customer).pk)
        assert (booking.user, booking.partner, booking.api_key) == (customer, None, None)


@pytest.mark.django_db
class TestPartnersSeeTheirOwn:
    def test_an_agent_lists_their_partners_bookings_and_not_another_partners(self):
        partner, other = _partner("Sky Travel"), _partner("Cloud Tours")
        colleague, outsider = _agent(partner, "colleague@sky.example"), _agent(other, "agent@cloud.example")
        by_colleague, by_outsider = _hold(colleague), _hold(outsider)
        customers_own = _hold(UserFactory())

        agent = _agent(partner, "me@sky.example")
        assert _listed(_as(agent)) == [by_colleague.locator]
        assert _as(agent).get(f"/api/v1/bookings/{by_outsider.locator}/").status_code == 404
        assert _as(agent).get(f"/api/v1/bookings/{customers_own.locator}/").status_code == 404

    def test_a_partners_user_outside_the_agent_group_sees_only_their_own(self):
        partner = _partner()
        by_agent = _hold(_agent(partner))
        not_an_agent = UserFactory(partner=partner)
        assert _as(not_an_agent).get(f"/api/v1/bookings/{by_agent.locator}/").status_code == 404

    def test_a_key_sees_only_the_bookings_it_made_not_its_sibling_keys(self):
        partner = _partner()
        mine, raw = api_key_create(partner=partner, name="web", scopes=["read", "book"], created_by=None)
        sibling, _ = api_key_create(partner=partner, name="mobile", scopes=["read", "book"], created_by=None)
        made_by_me = _hold(PartnerKeyPrincipal(mine))
        made_by_sibling = _hold(PartnerKeyPrincipal(sibling))
        made_by_agent = _hold(_agent(partner))

        client = _with_key(raw)
        assert _listed(client) == [made_by_me.locator]
        for other in (made_by_sibling, made_by_agent):
            response = client.get(f"/api/v1/bookings/{other.locator}/")
            assert (response.status_code, response.json()["code"]) == (404, "not_found")

    def test_a_key_books_through_the_api_and_reads_what_it_booked(self):
        partner = _partner()
        api_key, raw = api_key_create(partner=partner, name="engine", scopes=["read", "book"], created_by=None)
        fare_class = FareClassFactory()
        offer = offer_build(slices=[[fare_class]], mix=PassengerMix(adults=1), cabin="economy")
        created = _with_key(raw).post(
            "/api/v1/bookings/",
            {
                "offer_id": offer.id,
                "passengers": [{"type": "adult", "given_name": "Ada", "family_name": "Lovelace"}],
                "contact": {"email": "ada@example.com"},
            },
            format="json",
        )
        assert created.status_code == 201, created.content
        assert created.json()["events"][0]["actor"] == f"api-key:{api_key.prefix}"
        booking = Booking.objects.get(locator=created.json()["locator"])
        assert (booking.user, booking.partner, booking.api_key) == (None, partner, api_key)

    def test_a_partners_booking_cannot_be_claimed_by_a_guest_with_locator_and_name(self, client):
        api_key, _ = api_key_create(partner=_partner(), name="engine", scopes=["book"], created_by=None)
        booking = _hold(PartnerKeyPrincipal(api_key))
        assert (
            selectors.booking_find_by_locator_and_family_name(locator=booking.locator, family_name="Lovelace") is None
        )
        response = client.post("/bookings/manage/", {"locator": booking.locator, "family_name": "Lovelace"})
        assert response.status_code == 404

    def test_an_admins_trips_page_shows_their_own_trips_not_everyones(self, client):
        admin = UserFactory(email="admin@example.com", is_staff=True)
        admin.groups.add(Group.objects.get_or_create(name="admin")[0])
        own, someone_elses = _hold(admin), _hold(UserFactory())
        client.force_login(admin)
        page = client.get("/bookings/").content.decode()
        assert own.locator in page
        assert someone_elses.locator not in page
        assert _listed(_as(admin)) == sorted([own.locator, someone_elses.locator])


@pytest.mark.django_db
class TestAgentLookup:
    def test_an_agent_finds_a_booking_by_locator_and_name_and_may_serve_it_for_a_day(self):
        booking = _hold(UserFactory(), family_name="Lovelace")
        agent = _agent()
        client = _as(agent)
        assert client.get(f"/api/v1/bookings/{booking.locator}/").status_code == 404

        response = client.post(LOOKUP, {"locator": booking.locator.lower(), "family_name": "LOVELACE"})

        assert response.status_code == 200, response.content
        assert response.json()["locator"] == booking.locator
        grant = BookingAccessGrant.objects.get()
        assert (grant.booking_id, grant.user) == (booking.pk, agent)
        assert grant.expires_at - grant.granted_at == timedelta(hours=24)
        entry = AuditEntry.objects.get(action="agent_lookup")
        assert (entry.actor, entry.object_type, entry.object_id) == (agent, "bookings.booking", str(booking.pk))
        assert client.get(f"/api/v1/bookings/{booking.locator}/").status_code == 200
        assert _listed(client) == [booking.locator]

    def test_an_agent_finds_a_booking_by_the_name_as_on_the_ticket(self):
        booking = _hold(UserFactory(), family_name="Núñez-García")
        client = _as(_agent())
        response = client.post(LOOKUP, {"locator": booking.locator, "family_name": "Nunez Garcia"})
        assert response.status_code == 200, response.content
        assert response.json()["passengers"][0]["family_name"] == "Núñez-García"

    def test_a_wrong_name_and_an_unknown_locator_get_the_same_answer(self):
        booking = _hold(UserFactory(), family_name="Lovelace")
        client = _as(_agent())
        wrong_name = client.post(LOOKUP, {"locator": booking.locator, "family_name": "Babbage"})
        unknown = client.post(LOOKUP, {"locator": "ZZZZZZ", "family_name": "Lovelace"})
        assert wrong_name.status_code == unknown.status_code == 404
        assert wrong_name.json() == unknown.json()
        assert wrong_name.json()["code"] == "not_found"
        assert not BookingAccessGrant.objects.exists()
        assert not AuditEntry.objects.filter(action="agent_lookup").exists()

    def test_the_grant_expires(self, later):
        booking = _hold(UserFactory())
        client = _as(_agent())
        client.post(LOOKUP, {"locator": booking.locator, "family_name": "Lovelace"})
        later(hours=23, minutes=59)
        assert client.get(f"/api/v1/bookings/{booking.locator}/").status_code == 200
        later(minutes=2)
        assert client.get(f"/api/v1/bookings/{booking.locator}/").status_code == 404

    def test_customers_and_keys_may_not_look_up(self):
        booking = _hold(UserFactory())
        _, raw = api_key_create(partner=_partner(), name="engine", scopes=["read", "book", "pay"], created_by=None)
        body = {"locator": booking.locator, "family_name": "Lovelace"}
        for client, code in ((_as(UserFactory()), "permission_denied"), (_with_key(raw), "permission_denied")):
            response = client.post(LOOKUP, body)
            assert (response.status_code, response.json()["code"]) == (403, code)
        assert APIClient().post(LOOKUP, body).status_code == 401
        assert not BookingAccessGrant.objects.exists()

    def test_a_grant_gives_nothing_to_someone_who_is_no_longer_an_agent(self):
        booking = _hold(UserFactory())
        agent = _agent()
        _as(agent).post(LOOKUP, {"locator": booking.locator, "family_name": "Lovelace"})
        agent.groups.clear()
        agent.is_staff = False
        agent.save()
        former = User.objects.get(pk=agent.pk)
        assert _as(former).get(f"/api/v1/bookings/{booking.locator}/").status_code == 404
