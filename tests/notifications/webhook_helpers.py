"""What the webhook tests share: a real loopback HTTP receiver, partners with keys, and
partner bookings confirmed through the real services (the outbox runs on commit)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from rest_framework.test import APIClient

from apps.accounts.api_keys import PartnerKeyPrincipal, api_key_create
from apps.accounts.models import ApiKey, Partner
from apps.bookings import services as booking_services
from apps.bookings.models import Booking
from apps.core import clock
from apps.inventory.offers import PassengerMix, offer_build
from apps.payments import services as payment_services
from tests.factories import FareClassFactory, FlightFactory


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


class Receiver:
    """An HTTP server on 127.0.0.1 (a free port) that records every request and answers
    the statuses given, in order, then 200."""

    def __init__(self, statuses: list[int] | None = None, location: str = "", delay: float = 0.0) -> None:
        self.requests: list[Received] = []
        self.delay = delay
        self.statuses = list(statuses or [])
        self.location = location
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append(
                    Received(path=self.path, headers=dict(self.headers.items()), body=body, at=clock.now().timestamp())
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(status)
                if receiver.location:
                    self.send_header("Location", receiver.location)
                answer = f"answered {status}".encode()
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads, self.server.block_on_close = True, False
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def partner_with_key(
    name: str, scopes: tuple[str, ...] = ("read", "book", "pay", "webhooks")
) -> tuple[Partner, ApiKey, str]:
    partner = Partner.objects.create(name=name, contact_email=f"ops@{name.lower().replace(' ', '-')}.example")
    api_key, raw = api_key_create(partner=partner, name="main", scopes=list(scopes), created_by=None)
    return partner, api_key, raw


def key_client(raw_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    return client


def partner_booking_confirmed(api_key: ApiKey | None) -> Booking:
    """A booking made and paid through `api_key` (a guest's, without one): booking.confirmed
    is published and dispatched on commit."""
    principal = PartnerKeyPrincipal(api_key) if api_key is not None else None
    # Far enough ahead to stay bookable when a test moves the clock by days.
    flight = FlightFactory(departure_at=(clock.now() + timedelta(days=30)).replace(second=0, microsecond=0))
    offer = offer_build(slices=[[FareClassFactory(flight=flight)]], mix=PassengerMix(adults=1), cabin="economy")
    booking = booking_services.booking_create(
        offer_id=offer.id,
        passengers=[booking_services.PassengerInput(type="adult", given_name="Ada", family_name="Lovelace")],
        contact=booking_services.ContactInput(email="ada@example.com"),
        user=principal,
    )
    payment_services.payment_create(
        locator=booking.locator,
        payment_method="pm_card_visa",
        user=principal,
        guest_locators=[] if principal else [booking.locator],
    )
    return Booking.objects.get(pk=booking.pk)
