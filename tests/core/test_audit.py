"""Staff actions leave an audit trail readable in the admin: who, when, what changed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.core.models import AuditEntry
from apps.flights.models import FlightStatus
from apps.payments import services as payment_services
from tests.accounts.helpers import otp_force_login, roles_ensured
from tests.factories import FareClassFactory, FlightFactory, UserFactory
from tests.payments.helpers import hold, pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    otp_force_login(client, UserFactory(email="root@example.com", is_staff=True, is_superuser=True))
    return client


def _change_form_data(client, url: str) -> dict:
    form = client.get(url).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        data[name] = value.pk if hasattr(value, "pk") else value
    return data


def test_a_flight_status_change_in_the_admin_is_recorded_with_before_and_after(admin_client):
    flight = FlightFactory()
    url = f"/admin/flights/flight/{flight.pk}/change/"
    data = _change_form_data(admin_client, url)
    data.update(status=FlightStatus.DELAYED, **{
        f"fare_classes-{k}": v for k, v in {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0}.items()
    })  # fmt: skip
    data["departure_at_0"], data["departure_at_1"] = flight.departure_at.strftime("%Y-%m-%d %H:%M:%S").split()
    data["arrival_at_0"], data["arrival_at_1"] = flight.arrival_at.strftime("%Y-%m-%d %H:%M:%S").split()
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""

    entry = AuditEntry.objects.get(object_type="flights.flight", object_id=str(flight.pk))
    assert entry.actor_label == "root@example.com"
    assert entry.action == "admin_change"
    assert entry.changes == {"status": [FlightStatus.SCHEDULED, FlightStatus.DELAYED]}
    listing = admin_client.get("/admin/core/auditentry/?action__exact=admin_change").content.decode()
    assert "root@example.com" in listing


def test_a_staff_refund_is_recorded_once_even_if_the_form_is_sent_twice():
    payment = pay(hold(FareClassFactory(refundable=True, change_fee=Decimal("0.00"))))
    agent = UserFactory(email="agent@example.com", is_staff=True)
    for _ in range(2):
        payment_services.refund_by_staff(
            payment_id=payment.pk, amount=Decimal("20.00"), user=agent, note="goodwill", token="same-form"
        )
    [entry] = AuditEntry.objects.filter(action="refund")
    assert (entry.actor, entry.object_id) == (agent, str(payment.pk))
    assert entry.changes["amount"] == "20.00"
    assert entry.changes["override"] is False


def test_nobody_can_edit_or_delete_the_audit_trail(admin_client):
    FlightFactory()
    entry = AuditEntry.objects.create(actor_label="x", action="a", object_type="t", object_id="1", object_repr="r")
    assert admin_client.post(f"/admin/core/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_an_agent_sees_only_their_partners_bookings_in_the_admin_and_their_actions_are_audited(client):
    from apps.accounts.models import Partner
    from apps.bookings.models import Booking, BookingStatus

    agency = Partner.objects.create(name="Sky Agency", contact_email="ops@sky.example")
    agent = UserFactory(email="agent@sky.example", is_staff=True, partner=agency)
    agent.groups.add(roles_ensured()["agent"])
    ours, theirs = hold(), hold()
    Booking.objects.filter(pk=ours.pk).update(partner=agency)
    otp_force_login(client, agent)

    listing = client.get("/admin/bookings/booking/").content.decode()
    assert ours.locator in listing
    assert theirs.locator not in listing
    assert client.get(f"/admin/bookings/booking/{theirs.pk}/change/").status_code == 302  # "does not exist"

    client.post("/admin/bookings/booking/", {"action": "cancel_bookings", "_selected_action": [ours.pk, theirs.pk]})
    assert Booking.objects.get(pk=ours.pk).status == BookingStatus.CANCELLED
    assert Booking.objects.get(pk=theirs.pk).status == BookingStatus.HELD
    [entry] = AuditEntry.objects.filter(action="admin_cancel")
    assert (entry.actor, entry.object_id) == (agent, str(ours.pk))


def test_an_agent_sees_and_refunds_only_their_partners_payments_in_the_admin(client):
    from apps.accounts.models import Partner
    from apps.bookings.models import Booking
    from apps.payments.models import Refund

    agency = Partner.objects.create(name="Sky Agency", contact_email="ops@sky.example")
    agent = UserFactory(email="agent@sky.example", is_staff=True, partner=agency)
    agent.groups.add(roles_ensured()["agent"])
    ours, theirs = pay(hold()), pay(hold())
    Booking.objects.filter(pk=ours.booking_id).update(partner=agency)
    stranger = UserFactory(email="stranger@example.com")
    otp_force_login(client, agent)

    listing = client.get("/admin/payments/payment/").content.decode()
    assert ours.booking.locator in listing
    assert theirs.booking.locator not in listing
    assert client.get(f"/admin/payments/payment/{theirs.pk}/refund/").status_code == 404
    response = client.post(
        f"/admin/payments/payment/{theirs.pk}/refund/", {"amount": "1.00", "note": "x", "token": "t"}
    )
    assert response.status_code == 404
    assert not Refund.objects.exists()
    assert client.get("/admin/payments/providerevent/").status_code == 403
    assert stranger.email not in client.get("/admin/accounts/user/").content.decode()
