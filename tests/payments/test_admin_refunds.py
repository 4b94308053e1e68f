"""Agents refund from the admin within the fare rules; only an admin may override them;
every refund is on the booking's timeline and in the admin log."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission

from apps.accounts.models import Partner
from apps.bookings.models import Booking
from apps.payments.models import Payment, Refund, RefundStatus, SandboxRecord
from tests.accounts.helpers import otp_force_login, roles_ensured
from tests.factories import FareClassFactory, UserFactory
from tests.payments.helpers import hold, pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_client(client):
    """An agent of a travel agency; the bookings `_form` opens are made the agency's."""
    agency = Partner.objects.create(name="Sky Agency", contact_email="ops@sky.example")
    agent = UserFactory(email="agent@example.com", is_staff=True, partner=agency)
    agent.groups.add(roles_ensured()["agent"])
    agent.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="payments", codename__in=["view_payment", "add_refund"])
    )
    otp_force_login(client, agent)
    client.agency = agency
    return client


def _form(client, payment: Payment):
    if getattr(client, "agency", None) is not None:
        Booking.objects.filter(pk=payment.booking_id).update(partner=client.agency)
    response = client.get(f"/admin/payments/payment/{payment.pk}/refund/")
    assert response.status_code == 200
    return response, response.context["form"].initial["token"]


def test_agent_refunds_what_the_fare_rules_allow(agent_client, django_capture_on_commit_callbacks):
    # Refundable fare of 200 with a change fee of 50: cancelling now would give back 150.
    payment = pay(hold(FareClassFactory(refundable=True, change_fee=Decimal("50.00"))))
    response, token = _form(agent_client, payment)
    assert "150.00 EUR" in response.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        agent_client.post(
            f"/admin/payments/payment/{payment.pk}/refund/",
            {"amount": "150.00", "note": "Customer called: illness", "token": token},
        )
    refund = Refund.objects.get(payment=payment)
    assert (refund.amount, refund.status, refund.requested_by) == (
        Decimal("150.00"),
        RefundStatus.SUCCEEDED,
        "agent@example.com",
    )
    assert SandboxRecord.objects.get(kind="refund").amount == Decimal("150.00")
    event = payment.booking.events.get(kind="refund_requested")
    assert (event.actor_label, event.detail["amount"]) == ("agent@example.com", "150.00")
    assert LogEntry.objects.filter(object_id=str(payment.pk), change_message__contains="illness").exists()


def test_a_double_submitted_refund_form_refunds_once(agent_client):
    payment = pay(hold(FareClassFactory(refundable=True, change_fee=Decimal("0.00"))))
    _, token = _form(agent_client, payment)
    for _ in range(2):
        agent_client.post(
            f"/admin/payments/payment/{payment.pk}/refund/", {"amount": "50.00", "note": "goodwill", "token": token}
        )
    assert Refund.objects.filter(payment=payment).count() == 1
    payment.refresh_from_db()
    assert payment.amount_refunded == Decimal("50.00")


def test_agent_cannot_go_beyond_the_fare_rules_or_override_them(agent_client):
    payment = pay(hold(FareClassFactory(refundable=False)))
    _, token = _form(agent_client, payment)
    response = agent_client.post(
        f"/admin/payments/payment/{payment.pk}/refund/", {"amount": "10.00", "note": "please", "token": token}
    )
    assert "allow at most 0.00 EUR" in response.content.decode()
    response = agent_client.post(
        f"/admin/payments/payment/{payment.pk}/refund/",
        {"amount": "10.00", "note": "please", "token": token, "override": "on"},
    )
    assert "Only an admin may override" in response.content.decode()
    assert not Refund.objects.exists()
    payment.refresh_from_db()
    assert payment.amount_refunded == 0


def test_admin_overrides_the_fare_rules_and_it_is_recorded(client):
    otp_force_login(client, UserFactory(email="root@example.com", is_staff=True, is_superuser=True))
    payment = pay(hold(FareClassFactory(refundable=False)))
    _, token = _form(client, payment)
    client.post(
        f"/admin/payments/payment/{payment.pk}/refund/",
        {"amount": "200.00", "note": "Flight moved by 5 hours", "token": token, "override": "on"},
    )
    refund = Refund.objects.get(payment=payment)
    assert refund.amount == Decimal("200.00")
    assert refund.requested_by == "root@example.com (override of the fare rules)"
    assert payment.booking.events.get(kind="refund_requested").actor_label.endswith("(override of the fare rules)")


def test_staff_without_the_refund_permission_are_refused(client):
    otp_force_login(client, UserFactory(is_staff=True))
    payment = pay(hold(FareClassFactory(refundable=True)))
    assert client.get(f"/admin/payments/payment/{payment.pk}/refund/").status_code == 403
    assert client.post(f"/admin/payments/payment/{payment.pk}/refund/", {"amount": "1", "note": "x"}).status_code == 403
    assert not Refund.objects.exists()


def test_payments_refunds_and_events_are_listed_with_filters(client):
    otp_force_login(client, UserFactory(is_staff=True, is_superuser=True))
    payment = pay(hold(FareClassFactory()))
    page = client.get("/admin/payments/payment/?status__exact=succeeded").content.decode()
    assert payment.booking.locator in page
    assert payment.provider_reference in page
    assert (
        client.get("/admin/payments/payment/?status__exact=failed").content.decode().count(payment.provider_reference)
        == 0
    )
    assert client.get("/admin/payments/refund/?reason__exact=agent").status_code == 200
    assert client.get("/admin/payments/providerevent/").status_code == 200
