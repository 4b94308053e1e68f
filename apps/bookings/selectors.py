"""Reads of bookings, and the one rule of who may see which booking."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, Q, QuerySet

from apps.accounts.api_keys import PartnerKeyPrincipal
from apps.accounts.models import User
from apps.accounts.permissions import user_is_admin, user_is_agent, user_may_look_up_bookings
from apps.bookings.errors import BookingNotFound
from apps.bookings.models import Booking, BookingAccessGrant, BookingStatus, Segment
from apps.bookings.names import name_icao
from apps.core import clock

# Who reads: a user (JWT, session) or a partner's API key.
Principal = User | PartnerKeyPrincipal


def _with_details(bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    return bookings.prefetch_related(
        "passengers",
        "events",
        "payments__refunds",
        Prefetch(
            "segments",
            queryset=Segment.objects.select_related(
                "flight__airline",
                "flight__origin",
                "flight__destination",
                "flight__aircraft",
                "fare_class__flight__airline",
                "fare_class__flight__origin",
                "fare_class__flight__destination",
                "fare_class__flight__aircraft",
            ),
        ),
    )


def bookings_visible_to(*, user: Principal | None, guest_locators: Iterable[str] = ()) -> QuerySet[Booking]:
    """The one rule of who sees which booking; everything else is "not found".

    - admins (superusers, group `admin`): all;
    - a partner's API key: the bookings that key made;
    - a customer: their own; an agent also their partner's (an agent of group `agent`
      with a partner) and those found by locator and family name, while the grant lasts;
    - a browser session: the guest bookings it made or found (never a partner's)."""
    if isinstance(user, PartnerKeyPrincipal):
        return Booking.objects.filter(api_key=user.api_key)
    signed_in = user is not None and user.is_authenticated
    if signed_in and user_is_admin(user):
        return Booking.objects.all()
    rule = Q(pk__in=[])
    if signed_in:
        rule = Q(user=user)
        if user_is_agent(user) and user.partner_id is not None:
            rule |= Q(partner_id=user.partner_id)
        if user_may_look_up_bookings(user):
            rule |= Q(
                pk__in=BookingAccessGrant.objects.filter(user=user, expires_at__gt=clock.now()).values("booking_id")
            )
    locators = [locator.upper() for locator in guest_locators]
    if locators:
        rule |= Q(locator__in=locators, user__isnull=True, partner__isnull=True)
    return Booking.objects.filter(rule)


def booking_list(*, user: Principal, own: bool = False) -> QuerySet[Booking]:
    """The bookings `user` may see, newest first; `own`: only those they made (their trips)."""
    bookings = bookings_visible_to(user=user)
    if own:
        bookings = bookings.filter(user=user) if user.pk is not None else bookings.none()
    return _with_details(bookings).order_by("-created_at")


def booking_get(*, locator: str, user: Principal | None, guest_locators: Iterable[str] = ()) -> Booking:
    """The booking with this locator if `user` (or the browser session's guest locators)
    may see it, else BookingNotFound: an unknown and a foreign booking look the same."""
    booking = (
        _with_details(bookings_visible_to(user=user, guest_locators=guest_locators))
        .filter(locator=locator.upper())
        .first()
    )
    if booking is None:
        raise BookingNotFound()
    return booking


def booking_effective_status(*, booking: Booking) -> str:
    """`expired` as soon as a held booking's hold has run out, before the job records it."""
    if booking.status == BookingStatus.HELD and booking.hold_expires_at and booking.hold_expires_at <= clock.now():
        return BookingStatus.EXPIRED
    return booking.status


def booking_get_for_system(*, locator: str) -> Booking:
    """For the system's own work (tasks, event handlers): no visibility rule applies."""
    booking = _with_details(Booking.objects.all()).filter(locator=locator).first()
    if booking is None:
        raise BookingNotFound()
    return booking


def booking_find_by_locator_and_family_name(*, locator: str, family_name: str) -> Booking | None:
    """The guest booking with this locator and a passenger of this family name (any case),
    or None. Proof enough for a browser session to manage it, as the confirmation email
    gives both. A booking made by a signed-in customer stays theirs, and one made through
    a partner is served by that partner: neither is ever returned."""
    return (
        _by_locator_and_family_name(locator=locator, family_name=family_name)
        .filter(user__isnull=True, partner__isnull=True)
        .first()
    )


def booking_find_for_agent(*, locator: str, family_name: str) -> Booking | None:
    """Any booking with this locator and a passenger of this family name (any case): what
    a customer tells an agent on the phone. None for a wrong name or an unknown locator."""
    return _by_locator_and_family_name(locator=locator, family_name=family_name).first()


def _by_locator_and_family_name(*, locator: str, family_name: str) -> QuerySet[Booking]:
    """The family name as typed on the booking (any case), or as on the ticket: "Nunez"
    finds "Núñez" (its ICAO 9303 form is NUNEZ)."""
    typed = Q(passengers__family_name__iexact=family_name.strip())
    icao = name_icao(family_name)
    matches = typed | Q(passengers__family_name_icao=icao) if icao else typed
    return Booking.objects.filter(matches, locator=locator.strip().upper()).distinct()
