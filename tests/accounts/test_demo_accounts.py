import pytest
from allauth.account.models import EmailAddress

from apps.accounts.models import User
from apps.accounts.services import DEMO_ACCOUNTS, demo_accounts_ensure

pytestmark = pytest.mark.django_db


def test_the_demo_customer_can_sign_in(client):
    demo_accounts_ensure(password="flightbook-demo")

    response = client.post("/accounts/login/", {"login": "customer@flightbook.example", "password": "flightbook-demo"})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(email="customer@flightbook.example").pk)


def test_demo_accounts_made_earlier_get_their_confirmed_address_too():
    demo_accounts_ensure(password="flightbook-demo")
    EmailAddress.objects.all().delete()

    assert demo_accounts_ensure(password="flightbook-demo") == []
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == len(DEMO_ACCOUNTS)
