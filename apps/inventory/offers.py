"""Offers: a priced itinerary for a passenger mix, identified by an opaque signed id that
expires (OFFER_TTL_SECONDS) and carries the price it was sold at (DESIGN.md §3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core import signing

from apps.core import clock
from apps.core.money import quantize
from apps.inventory.errors import OfferExpired, OfferInvalid
from apps.inventory.models import FareClass

OFFER_SALT = "flightbook.offer.v1"
CHILD_SHARE = Decimal("0.75")
INFANT_SHARE = Decimal("0.10")  # lap infants pay a tenth of the adult fare, as most airlines


@dataclass(frozen=True)
class PassengerMix:
    adults: int = 1
    children: int = 0
    infants: int = 0

    @property
    def seats(self) -> int:
        """Infants travel on an adult's lap and take no seat."""
        return self.adults + self.children

    def as_dict(self) -> dict[str, int]:
        return {"adults": self.adults, "children": self.children, "infants": self.infants}


def fare_total(*, price: Decimal, currency: str, mix: PassengerMix) -> Decimal:
    child = quantize(price * CHILD_SHARE, currency)
    infant = quantize(price * INFANT_SHARE, currency)
    return quantize(price * mix.adults + child * mix.children + infant * mix.infants, currency)


@dataclass(frozen=True)
class Offer:
    id: str
    expires_at: datetime
    fare_classes: list[FareClass]
    mix: PassengerMix
    cabin: str
    total_amount: Decimal
    currency: str
    seats_remaining: int | None = None
    slices: list[list[FareClass]] = field(default_factory=list)


@dataclass(frozen=True)
class OfferClaim:
    """What a verified offer id says was offered."""

    fare_class_ids: list[int]
    slices: list[list[int]]
    mix: PassengerMix
    cabin: str
    total_amount: Decimal
    currency: str


def offer_build(
    *, slices: list[list[FareClass]], mix: PassengerMix, cabin: str, seats_remaining: int | None = None
) -> Offer:
    fare_classes = [fc for fare_slice in slices for fc in fare_slice]
    currency = fare_classes[0].currency
    total = sum((fare_total(price=fc.price, currency=currency, mix=mix) for fc in fare_classes), Decimal(0))
    payload = {
        "s": [[fc.pk for fc in fare_slice] for fare_slice in slices],
        "m": [mix.adults, mix.children, mix.infants],
        "c": cabin,
        "t": str(total),
        "cur": currency,
    }
    offer_id = signing.dumps(payload, salt=OFFER_SALT, compress=True)
    return Offer(
        id=offer_id,
        expires_at=clock.now() + timedelta(seconds=settings.OFFER_TTL_SECONDS),
        fare_classes=fare_classes,
        mix=mix,
        cabin=cabin,
        total_amount=total,
        currency=currency,
        seats_remaining=seats_remaining,
        slices=slices,
    )


def offer_verify(*, offer_id: str) -> OfferClaim:
    """The offer's contents if we signed it and it has not expired."""
    try:
        payload = signing.loads(offer_id, salt=OFFER_SALT, max_age=settings.OFFER_TTL_SECONDS)
    except signing.SignatureExpired as exc:
        raise OfferExpired() from exc
    except signing.BadSignature as exc:
        raise OfferInvalid() from exc
    adults, children, infants = payload["m"]
    return OfferClaim(
        fare_class_ids=[pk for fare_slice in payload["s"] for pk in fare_slice],
        slices=payload["s"],
        mix=PassengerMix(adults=adults, children=children, infants=infants),
        cabin=payload["c"],
        total_amount=Decimal(payload["t"]),
        currency=payload["cur"],
    )
