"""Partner API keys (made once, stored hashed, found by prefix, revocable, last use kept),
their admin, and the roles the migration makes."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from apps.accounts.api_keys import api_key_create, api_key_revoke
from apps.accounts.models import ApiKey, Partner
from apps.core.errors import ValidationFailed
from apps.core.models import AuditEntry
from tests.accounts.helpers import roles_ensured
from tests.factories import UserFactory

BOOKINGS = "/api/v1/bookings/"
KEY_FORMAT = re.compile(r"^fbk_([a-z0-9]{8})_([A-Za-z0-9_-]{43})$")


@pytest.fixture
def partner(db) -> Partner:
    return Partner.objects.create(name="Sky Travel", contact_email="ops@sky.example")


def _with_key(raw_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    return client


def _refused(response, detail_part: str = "") -> None:
    assert response.status_code == 401, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_api_key"
    assert detail_part in response.json()["detail"]
    # A 401 says which scheme would be accepted (RFC 9110 §11.6.1).
    assert response["WWW-Authenticate"] == 'Api-Key realm="api"'


@pytest.mark.django_db
class TestKeys:
    def test_a_new_key_is_returned_once_and_only_its_hash_is_stored(self, partner):
        creator = UserFactory(email="admin@example.com", is_staff=True)
        api_key, raw_key = api_key_create(partner=partner, name="engine", scopes=["read", "book"], created_by=creator)

        prefix, secret = KEY_FORMAT.match(raw_key).groups()
        stored = ApiKey.objects.get()
        assert stored.prefix == prefix
        assert stored.key_hash == hashlib.sha256(raw_key.encode()).hexdigest()
        assert secret not in str(list(ApiKey.objects.values()))
        assert (stored.scopes, stored.created_by, stored.partner) == (["book", "read"], creator, partner)
        entry = AuditEntry.objects.get(action="api_key_create")
        assert (entry.actor, entry.object_id) == (creator, str(api_key.pk))
        assert secret not in str(entry.changes)

    def test_each_key_is_different(self, partner):
        keys = [api_key_create(partner=partner, name=f"k{i}", scopes=["read"], created_by=None)[1] for i in range(5)]
        assert len({KEY_FORMAT.match(k).group(1) for k in keys}) == 5

    def test_scopes_are_read_book_or_pay(self, partner):
        for scopes in ([], ["admin"], ["read", "write"]):
            with pytest.raises(ValidationFailed):
                api_key_create(partner=partner, name="engine", scopes=scopes, created_by=None)
        assert not ApiKey.objects.exists()

    def test_the_key_signs_in_as_its_partner(self, partner):
        _, raw_key = api_key_create(partner=partner, name="engine", scopes=["read"], created_by=None)
        response = _with_key(raw_key).get(BOOKINGS)
        assert response.status_code == 200, response.content
        assert response.json()["count"] == 0

    @pytest.mark.parametrize(
        "header",
        [
            "Api-Key fbk_abcdefgh_" + "x" * 43,
            "Api-Key not-a-key",
            "Api-Key",
            "Api-Key two parts",
        ],
        ids=["unknown", "malformed", "missing", "extra"],
    )
    def test_an_unknown_or_malformed_key_is_refused(self, partner, header):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=header)
        _refused(client.get(BOOKINGS))

    def test_the_right_prefix_with_a_wrong_secret_is_refused(self, partner):
        _, raw_key = api_key_create(partner=partner, name="engine", scopes=["read"], created_by=None)
        forged = raw_key[:-4] + ("AAAA" if not raw_key.endswith("AAAA") else "BBBB")
        _refused(_with_key(forged).get(BOOKINGS), "not valid")

    def test_a_revoked_key_is_refused_and_revoking_again_changes_nothing(self, partner):
        admin = UserFactory(email="admin@example.com", is_staff=True)
        api_key, raw_key = api_key_create(partner=partner, name="engine", scopes=["read"], created_by=None)
        assert _with_key(raw_key).get(BOOKINGS).status_code == 200

        revoked_at = api_key_revoke(api_key=api_key, actor=admin).revoked_at
        assert api_key_revoke(api_key=api_key, actor=admin).revoked_at == revoked_at

        _refused(_with_key(raw_key).get(BOOKINGS), "revoked")
        assert AuditEntry.objects.filter(action="api_key_revoke", actor=admin).count() == 1

    def test_a_key_of_an_inactive_partner_is_refused(self, partner):
        _, raw_key = api_key_create(partner=partner, name="engine", scopes=["read"], created_by=None)
        Partner.objects.filter(pk=partner.pk).update(is_active=False)
        _refused(_with_key(raw_key).get(BOOKINGS), "not active")

    def test_last_use_is_written_at_most_once_a_minute(self, partner, later):
        api_key, raw_key = api_key_create(partner=partner, name="engine", scopes=["read"], created_by=None)
        assert api_key.last_used_at is None
        client = _with_key(raw_key)

        client.get(BOOKINGS)
        first = ApiKey.objects.get().last_used_at
        assert first is not None
        later(seconds=30)
        client.get(BOOKINGS)
        assert ApiKey.objects.get().last_used_at == first
        later(seconds=31)
        client.get(BOOKINGS)
        assert ApiKey.objects.get().last_used_at > first

    def test_a_key_is_not_a_user_and_has_no_other_endpoint(self, partner):
        _, raw_key = api_key_create(partner=partner, name="engine", scopes=["read", "book", "pay"], created_by=None)
        response = _with_key(raw_key).post(f"{BOOKINGS}lookup/", {"locator": "ABCDEF", "family_name": "Lovelace"})
        assert response.status_code == 403


def _staff_client(client, user):
    """Signed in to the admin with a verified second factor (as django-otp marks it)."""
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def admin_client_verified(client, db):
    admin = UserFactory(email="admin@example.com", is_staff=True)
    admin.groups.add(roles_ensured()["admin"])
    return _staff_client(client, admin)


@pytest.mark.django_db
class TestKeyAdmin:
    def test_the_add_form_shows_the_raw_key_once(self, admin_client_verified, partner):
        page = admin_client_verified.get(f"/admin/accounts/apikey/add/?partner={partner.pk}")
        assert page.status_code == 200

        created = admin_client_verified.post(
            "/admin/accounts/apikey/add/", {"partner": partner.pk, "name": "engine", "scopes": ["read", "pay"]}
        )

        assert created.status_code == 200
        assert "no-store" in created["Cache-Control"]
        raw_key = re.search(r"fbk_[a-z0-9]{8}_[A-Za-z0-9_-]{43}", created.content.decode()).group(0)
        api_key = ApiKey.objects.get()
        assert (api_key.name, api_key.scopes, api_key.prefix) == ("engine", ["pay", "read"], raw_key.split("_")[1])
        assert _with_key(raw_key).get(BOOKINGS).status_code == 200
        # Never again: not on the key's page, not on the partner's.
        for path in (f"/admin/accounts/apikey/{api_key.pk}/change/", f"/admin/accounts/partner/{partner.pk}/change/"):
            shown = admin_client_verified.get(path)
            assert shown.status_code == 200
            assert raw_key not in shown.content.decode()
            assert api_key.prefix in shown.content.decode()

    def test_the_revoke_action_revokes_and_audits(self, admin_client_verified, partner):
        api_key, raw_key = api_key_create(partner=partner, name="engine", scopes=["read"], created_by=None)
        response = admin_client_verified.post(
            "/admin/accounts/apikey/", {"action": "revoke", "_selected_action": [api_key.pk]}
        )
        assert response.status_code == 302
        assert ApiKey.objects.get().revoked_at is not None
        assert AuditEntry.objects.filter(action="api_key_revoke").exists()
        _refused(_with_key(raw_key).get(BOOKINGS))

    def test_keys_are_listed_with_their_last_use_and_grants_are_read_only(self, admin_client_verified, partner):
        api_key_create(partner=partner, name="engine", scopes=["read"], created_by=None)
        assert admin_client_verified.get("/admin/accounts/apikey/").status_code == 200
        assert admin_client_verified.get("/admin/accounts/partner/").status_code == 200
        assert admin_client_verified.get("/admin/bookings/bookingaccessgrant/").status_code == 200
        assert admin_client_verified.get("/admin/bookings/bookingaccessgrant/add/").status_code == 403
        assert admin_client_verified.get(f"/admin/bookings/booking/?partner__id__exact={partner.pk}").status_code == 200

    def test_a_partner_added_in_the_admin_is_audited(self, admin_client_verified):
        inlines = {
            f"{prefix}-{field}": 0 for prefix in ("agents", "api_keys") for field in ("TOTAL_FORMS", "INITIAL_FORMS")
        }
        response = admin_client_verified.post(
            "/admin/accounts/partner/add/",
            {"name": "Cloud Tours", "contact_email": "ops@cloud.example", "is_active": "on", **inlines},
        )
        assert response.status_code == 302, response.content
        partner = Partner.objects.get(name="Cloud Tours")
        entry = AuditEntry.objects.get(action="admin_add", object_type="accounts.partner")
        assert entry.object_id == str(partner.pk)

    def test_an_agent_may_not_create_keys(self, client, partner):
        agent = UserFactory(email="agent@example.com", is_staff=True, partner=partner)
        agent.groups.add(roles_ensured()["agent"])
        _staff_client(client, agent)
        assert client.get("/admin/accounts/apikey/add/").status_code == 403
        response = client.post("/admin/accounts/apikey/add/", {"partner": partner.pk, "name": "x", "scopes": ["read"]})
        assert response.status_code == 403
        assert not ApiKey.objects.exists()


def _codenames(group: Group) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


@pytest.mark.django_db
class TestRoles:
    def test_the_roles_migration_makes_the_groups_even_before_permissions_exist(self):
        Group.objects.filter(name__in=["customer", "agent", "admin"]).delete()
        Permission.objects.all().delete()  # as on a fresh database, before post_migrate

        groups = roles_ensured()

        assert set(groups) == {"customer", "agent", "admin"}
        assert _codenames(groups["customer"]) == set()
        assert _codenames(groups["agent"]) == {
            "bookings.view_booking",
            "bookings.change_booking",
            "bookings.view_passenger",
            "bookings.view_segment",
            "bookings.view_bookingevent",
            "payments.view_payment",
            "payments.view_refund",
            "payments.add_refund",
            "payments.view_providerevent",
            "flights.view_flight",
            "flights.view_airport",
            "inventory.view_fareclass",
            "accounts.view_user",
        }

    def test_the_admin_role_holds_every_permission_of_our_apps_and_the_groups(self):
        admin = roles_ensured()["admin"]
        ours = ("accounts", "flights", "inventory", "bookings", "payments", "notifications", "core")
        expected = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in Permission.objects.filter(content_type__app_label__in=ours).select_related("content_type")
        }
        granted = _codenames(admin)
        assert expected <= granted
        assert "accounts.add_apikey" in granted
        assert "bookings.view_bookingaccessgrant" in granted
        assert granted - expected == {"auth.add_group", "auth.change_group", "auth.delete_group", "auth.view_group"}

    def test_the_demo_accounts_land_in_their_roles(self):
        from apps.accounts.services import demo_accounts_ensure

        roles_ensured()
        demo_accounts_ensure(password="demo password 123")
        agent = Group.objects.get(name="agent").user_set.get()
        assert agent.has_perm("bookings.view_booking")
        assert not agent.has_perm("accounts.add_apikey")
