"""Reads of bookings, and the one rule of who may see which booking."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet

from apps.accounts.models import User
from apps.bookings.errors import BookingNotFound
from apps.bookings.models import Booking, BookingStatus, Segment
from apps.core import clock


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


def bookings_visible_to(*, user: User | None, guest_locators: Iterable[str] = ()) -> QuerySet[Booking]:
    """The bookings a caller may see: admins all, a customer their own, and a browser
    session the guest bookings it made. Everything else is "not found". (Agents see their
    partner's bookings once partners exist; until then only their own.)"""
    if user is not None and user.is_authenticated and user.is_superuser:
        return Booking.objects.all()
    visible = Booking.objects.none()
    if user is not None and user.is_authenticated:
        visible = Booking.objects.filter(user=user)
    locators = list(guest_locators)
    if locators:
        visible = visible | Booking.objects.filter(locator__in=locators, user__isnull=True)
    return visible


def booking_list(*, user: User) -> QuerySet[Booking]:
    return _with_details(bookings_visible_to(user=user).filter(user=user)).order_by("-created_at")


def booking_get(*, locator: str, user: User | None, guest_locators: Iterable[str] = ()) -> Booking:
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
    gives both. A booking made by a signed-in customer stays theirs: it is never returned."""
    return (
        Booking.objects.filter(
            locator=locator.strip().upper(),
            user__isnull=True,
            passengers__family_name__iexact=family_name.strip(),
        )
        .distinct()
        .first()
    )
