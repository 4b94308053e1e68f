"""The customer journey the message fault tests drive through the API in-process: a
signed-in customer books one seat on a fresh flight, then pays with the sandbox card."""

from __future__ import annotations

from tests.factories import FareClassFactory, UserFactory

PASSWORD = "correct horse battery staple"  # what tests.factories.UserFactory sets


def book(api_client, *, email: str, given_name: str, family_name: str) -> str:
    """Sign in as a new customer with `email`, hold one seat; returns the locator."""
    user = UserFactory(email=email)
    flight = FareClassFactory(price="250.00").flight
    token = api_client.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}).json()["access"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    search = api_client.get(
        "/api/v1/flights/search/",
        {
            "origin": flight.origin.iata_code,
            "destination": flight.destination.iata_code,
            "departure_date": flight.departure_date.isoformat(),
        },
    )
    created = api_client.post(
        "/api/v1/bookings/",
        {
            "offer_id": search.json()["results"][0]["id"],
            "passengers": [{"type": "adult", "given_name": given_name, "family_name": family_name}],
            "contact": {"email": email},
        },
    )
    return created.json()["locator"]


def pay(api_client, locator: str) -> None:
    paid = api_client.post(f"/api/v1/bookings/{locator}/payments/", {"payment_method": "pm_card_visa"})
    assert paid.status_code == 201, paid.content
    assert paid.json()["booking_status"] == "confirmed", paid.content
