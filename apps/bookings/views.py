from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from apps.bookings import selectors, services
from apps.bookings.api.serializers import BookingSerializer
from apps.bookings.errors import BookingNotFound
from apps.bookings.forms import CancelBookingForm, ContactForm, ManageBookingForm, PassengerFormSet, SeatsForm
from apps.bookings.models import Booking, BookingStatus, PassengerType
from apps.core.api.errors import field_label
from apps.core.errors import DomainError
from apps.flights.aircraft import EXIT_ROW, EXTRA_LEGROOM
from apps.flights.models import Flight
from apps.inventory import selectors as inventory_selectors
from apps.inventory.api.serializers import SliceSerializer
from apps.inventory.models import Cabin
from apps.inventory.offers import offer_verify

GUEST_BOOKINGS_KEY = "guest_bookings"
CHANGEABLE = (BookingStatus.HELD, BookingStatus.CONFIRMED)
# The timeline in the customer's words; a kind not listed here reads as its own name.
EVENT_KINDS = {
    "created": "Booked: seats held",
    "seats_chosen": "Seats chosen",
    "hold_extended": "Hold kept while a payment is in progress",
    "payment_failed": "Payment declined",
    "payment_abandoned": "Payment interrupted before it reached the bank: nothing was charged",
    "confirmed": "Paid and ticketed",
    "paid_unmatched": "Paid, but the booking could not take it: the payment is refunded",
    "reinstated": "Paid after the hold ran out: the same seats held again",
    "refund_requested": "Refund requested",
    "refund_succeeded": "Refunded",
    "refund_failed": "Refund failed",
    "confirmation_resent": "Confirmation email sent again",
    "expired": "Hold expired: seats released",
    "cancelled": "Cancelled",
}


def guest_locators(request: HttpRequest) -> list[str]:
    return request.session.get(GUEST_BOOKINGS_KEY, [])


def _remember_guest_booking(request: HttpRequest, locator: str) -> None:
    others = [known for known in guest_locators(request) if known != locator]
    request.session[GUEST_BOOKINGS_KEY] = [*others, locator][-20:]


def _current_user(request: HttpRequest):
    return request.user if request.user.is_authenticated else None


def _visible_booking(request: HttpRequest, locator: str) -> Booking | None:
    """The booking if this visitor may see it (signed in as its owner, or a guest session
    that made or found it), else None: the page answers "not found" either way."""
    try:
        return selectors.booking_get(
            locator=locator, user=_current_user(request), guest_locators=guest_locators(request)
        )
    except BookingNotFound:
        return None


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "404.html", status=404)


def _report(request: HttpRequest, error: DomainError, readable: Callable[[str], str] = field_label) -> None:
    """A business error as page messages: its detail, then each field's problems."""
    messages.error(request, error.detail)
    for field, problems in (error.errors or {}).items():
        messages.error(request, f"{readable(field)}: {' '.join(problems)}")


@never_cache
@require_http_methods(["GET", "POST"])
def booking_new(request: HttpRequest) -> HttpResponse:
    """Passenger details for a chosen offer; on submit the seats are held."""
    offer_id = request.GET.get("offer") or request.POST.get("offer", "")
    try:
        claim = offer_verify(offer_id=offer_id)
    except DomainError as error:
        return render(request, "bookings/offer_error.html", {"error": error}, status=error.status)
    fare_classes = inventory_selectors.fare_classes_for_offer(ids=claim.fare_class_ids)
    slices = [SliceSerializer([fare_classes[pk] for pk in fare_slice]).data for fare_slice in claim.slices]
    kinds = (
        [PassengerType.ADULT] * claim.mix.adults
        + [PassengerType.CHILD] * claim.mix.children
        + [PassengerType.INFANT] * claim.mix.infants
    )
    initial_contact = {"email": request.user.email} if request.user.is_authenticated else None
    if request.method == "POST":
        formset = PassengerFormSet(request.POST, prefix="pax")
        contact_form = ContactForm(request.POST, prefix="contact")
        if formset.is_valid() and contact_form.is_valid():
            try:
                booking = services.booking_create(
                    offer_id=offer_id,
                    passengers=[services.PassengerInput(**form.cleaned_data) for form in formset],
                    contact=services.ContactInput(**contact_form.cleaned_data),
                    user=_current_user(request),
                )
            except DomainError as error:
                _report(request, error)
            else:
                if booking.user_id is None:
                    _remember_guest_booking(request, booking.locator)
                return redirect("payments:pay", locator=booking.locator)
    else:
        formset = PassengerFormSet(initial=[{"type": kind} for kind in kinds], prefix="pax")
        contact_form = ContactForm(initial=initial_contact, prefix="contact")
    flights = [fc.flight for fc in fare_classes.values()]
    context = {
        "international": len({a.country for f in flights for a in (f.origin, f.destination)}) > 1,
        "offer_id": offer_id,
        "claim": claim,
        "slices": slices,
        "formset": formset,
        "contact_form": contact_form,
    }
    return render(request, "bookings/new.html", context)


def _timeline(events: list[dict]) -> list[dict]:
    def label(kind: str) -> str:
        return EVENT_KINDS.get(kind, kind.replace("_", " ").capitalize())

    return [{**event, "label": label(event["kind"])} for event in events]


@never_cache
def booking_detail(request: HttpRequest, locator: str) -> HttpResponse:
    booking = _visible_booking(request, locator)
    if booking is None:
        return _not_found(request)
    if services.booking_expire_if_due(booking=booking).status != booking.status:
        booking = _visible_booking(request, locator)
    data = BookingSerializer(booking).data
    try:
        quote = services.booking_cancellation_quote(booking=booking)
    except DomainError:  # no longer held or confirmed: nothing to cancel
        quote = None
    context = {
        "booking": data,
        "changeable": data["status"] in CHANGEABLE,
        "timeline": _timeline(data["events"]),
        "quote": quote,
        "cancel_form": CancelBookingForm(),
    }
    return render(request, "bookings/detail.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def booking_manage(request: HttpRequest) -> HttpResponse:
    """A guest finds a booking by its locator and a passenger's family name; the browser
    session may then see and change it as if it had made it."""
    form = ManageBookingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        booking = selectors.booking_find_by_locator_and_family_name(
            locator=form.cleaned_data["locator"], family_name=form.cleaned_data["family_name"]
        )
        if booking is not None:
            _remember_guest_booking(request, booking.locator)
            return redirect("bookings:detail", locator=booking.locator)
        # Same answer whether or not the locator exists: a locator alone reveals nothing.
        return render(request, "bookings/manage.html", {"form": form, "not_found": True}, status=404)
    return render(request, "bookings/manage.html", {"form": form}, status=400 if form.is_bound else 200)


def _seat_label(seat: inventory_selectors.SeatOnMap, *, bookable: bool, currency: str, occupant: str) -> str:
    """What a screen reader (and a tooltip) says of a seat: `Seat 11A, window, exit row, 35.00 EUR`."""
    if occupant:
        return f"Seat {seat.spec.designator}, {occupant}"
    if not bookable:
        return f"Seat {seat.spec.designator}, {Cabin(seat.spec.cabin).label.lower()} cabin"
    if not seat.available:
        return f"Seat {seat.spec.designator}, {'not sold' if seat.spec.blocked else 'taken'}"
    words = [characteristic.replace("_", " ") for characteristic in seat.spec.characteristics]
    price = f"{seat.price} {currency}" if seat.price else "free"
    return ", ".join([f"Seat {seat.spec.designator}", *words, price])


def _seat_cell(seat: inventory_selectors.SeatOnMap, *, bookable: bool, currency: str, occupant: str) -> dict:
    return {
        "designator": seat.spec.designator,
        "letter": seat.spec.letter,
        "available": seat.available and bookable,
        "blocked": seat.spec.blocked,
        "price": seat.price if bookable else None,
        "exit_row": EXIT_ROW in seat.spec.characteristics,
        "extra_legroom": EXTRA_LEGROOM in seat.spec.characteristics,
        "occupant": occupant,
        "label": _seat_label(seat, bookable=bookable, currency=currency, occupant=occupant),
    }


def _seat_plan(*, flight: Flight, cabin: str, currency: str, occupants: dict[str, str]) -> list[dict]:
    """The seat map laid out as the cabin looks: per cabin, rows of cells in the layout's
    letter order, `None` where a seat does not exist and an aisle where `letters` has a space.
    Only seats of the booked `cabin` can be available."""
    letters = {c["cabin"]: c["letters"] for c in flight.aircraft.layout.get("cabins", [])}
    plan = []
    for name, rows in inventory_selectors.seat_map(flight=flight).items():
        bookable = name == cabin
        plan_rows = []
        for row in rows:
            by_letter = {seat.spec.letter: seat for seat in row}
            cells: list[dict | None] = []
            for letter in letters[name]:
                if letter == " ":
                    cells.append({"aisle": True})
                elif letter in by_letter:
                    seat = by_letter[letter]
                    occupant = occupants.get(seat.spec.designator, "")
                    cells.append(_seat_cell(seat, bookable=bookable, currency=currency, occupant=occupant))
                else:
                    cells.append(None)
            exit_row = any(EXIT_ROW in seat.spec.characteristics for seat in row)
            plan_rows.append({"number": row[0].spec.row, "exit_row": exit_row, "cells": cells})
        columns = list(letters[name])  # the header: a letter per seat column, " " per aisle
        plan.append(
            {"cabin": name, "label": Cabin(name).label, "bookable": bookable, "columns": columns, "rows": plan_rows}
        )
    return plan


def _seat_field_reader(*, choices: list[services.SeatChoice], names: dict[int, str]) -> Callable[[str], str]:
    """`seats[0]` → `Seat for LOVELACE/ADA`: the passenger of that choice."""

    def readable(field: str) -> str:
        if field.startswith("seats[") and field.endswith("]"):
            return f"Seat for {names[choices[int(field[len('seats[') : -1])].passenger_id]}"
        return field_label(field)

    return readable


@never_cache
@require_http_methods(["GET", "POST"])
def booking_seats(request: HttpRequest, locator: str, flight_id: int) -> HttpResponse:
    """The seat picker for one flight of a booking: one choice per passenger with a seat
    of their own, all saved together (or none) by `booking_seats_choose`."""
    booking = _visible_booking(request, locator)
    if booking is None:
        return _not_found(request)
    segment = next((s for s in booking.segments.all() if s.flight_id == flight_id), None)
    if segment is None:
        return _not_found(request)
    status = selectors.booking_effective_status(booking=booking)
    if status not in CHANGEABLE:
        messages.error(request, f"This booking is {status}: its seats can no longer be changed.")
        return redirect("bookings:detail", locator=booking.locator)
    passengers = [p for p in booking.passengers.all() if p.type != PassengerType.INFANT]
    names = {p.pk: str(p) for p in booking.passengers.all()}
    current = {
        passenger_id: assignment.designator
        for passenger_id, assignments in inventory_selectors.seats_of_booking(reference=booking.locator).items()
        for assignment in assignments
        if assignment.flight_id == flight_id
    }
    if request.method == "POST":
        form = SeatsForm(request.POST, passenger_ids=[p.pk for p in passengers])
        if not form.is_valid():
            for problems in form.errors.values():
                messages.error(request, " ".join(problems))
            return redirect("bookings:seats", locator=booking.locator, flight_id=flight_id)
        choices = [
            services.SeatChoice(passenger_id=p.pk, flight_id=flight_id, designator=form.seat_of(p.pk))
            for p in passengers
            if form.seat_of(p.pk) and form.seat_of(p.pk) != current.get(p.pk)
        ]
        if not choices:
            messages.info(request, "No seat was changed.")
            return redirect("bookings:detail", locator=booking.locator)
        try:
            services.booking_seats_choose(locator=booking.locator, choices=choices, actor=_current_user(request))
        except DomainError as error:
            _report(request, error, _seat_field_reader(choices=choices, names=names))
            return redirect("bookings:seats", locator=booking.locator, flight_id=flight_id)
        chosen = ", ".join(f"{names[c.passenger_id]} {c.designator}" for c in choices)
        messages.success(request, f"Seats saved: {chosen}.")
        return redirect("bookings:detail", locator=booking.locator)
    flight = segment.flight
    context = {
        "booking": booking,
        "flight_id": flight_id,
        "slice": SliceSerializer([segment.fare_class]).data,
        "aircraft": flight.aircraft.name,
        "currency": booking.currency,
        "passengers": [
            {"id": p.pk, "name": names[p.pk], "type": p.get_type_display(), "current": current.get(p.pk, "")}
            for p in passengers
        ],
        "plan": _seat_plan(
            flight=flight,
            cabin=segment.fare_class.cabin,
            currency=booking.currency,
            occupants={designator: names[pk] for pk, designator in current.items()},
        ),
    }
    return render(request, "bookings/seats.html", context)


@never_cache
@require_POST
def booking_cancel(request: HttpRequest, locator: str) -> HttpResponse:
    booking = _visible_booking(request, locator)
    if booking is None:
        return _not_found(request)
    form = CancelBookingForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["confirm"]))
        return redirect("bookings:detail", locator=booking.locator)
    try:
        booking, quote = services.booking_cancel(locator=booking.locator, actor=_current_user(request))
    except DomainError as error:
        _report(request, error)
    else:
        messages.success(
            request,
            f"Booking {booking.locator} is cancelled. Refund: {quote.refund_amount} {quote.currency}. {quote.reason}",
        )
    return redirect("bookings:detail", locator=booking.locator)


@never_cache
@login_required
def my_trips(request: HttpRequest) -> HttpResponse:
    bookings = BookingSerializer(selectors.booking_list(user=request.user, own=True), many=True).data
    return render(request, "bookings/my_trips.html", {"bookings": bookings})
