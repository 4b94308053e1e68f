import pytest

from tests.accounts.helpers import otp_force_login
from tests.factories import FareClassFactory, UserFactory


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/accounts/user/",
        "/admin/flights/flight/",
        "/admin/inventory/fareclass/",
        "/admin/bookings/booking/",
        "/admin/payments/payment/",
        "/admin/core/outboxevent/",
        "/admin/notifications/notification/",
    ],
)
def test_admin_pages_open_for_a_superuser(client, path):
    FareClassFactory()
    otp_force_login(client, UserFactory(email="root@example.com", is_staff=True, is_superuser=True))
    assert client.get(path).status_code == 200


@pytest.mark.django_db
def test_admin_refuses_a_customer(client):
    client.force_login(UserFactory())
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
