from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from apps.accounts.api_keys import PartnerKeyPrincipal
from apps.accounts.models import ApiKey, Partner, User
from apps.accounts.permissions import user_is_agent
from apps.bookings import locks
from apps.bookings import selectors as booking_selectors
from apps.bookings.errors import (
    BookingNotChangeable,
    BookingNotFound,
    HoldExpired,
    PassengersInvalid,
    SeatChoiceInvalid,
)
from apps.bookings.models import (
    LOCATOR_ALPHABET,
    LOCATOR_LENGTH,
    Booking,
    BookingAccessGrant,
    BookingEvent,
    BookingStatus,
    Passenger,
    PassengerType,
    Segment,
    TicketSerial,
)
from apps.bookings.names import NAME_MESSAGE, name_icao, name_is_valid, name_normalise
from apps.core import clock, outbox
from apps.core.audit import audit_record
from apps.core.countries import is_country_code
from apps.core.errors import ValidationFailed
from apps.core.events import Topic
from apps.core.validators import email_plain_check, phone_e164
from apps.flights import selectors as flight_selectors
from apps.flights.aircraft import EXIT_ROW
from apps.inventory import selectors as inventory_selectors
from apps.inventory import services as inventory_services
from apps.inventory.errors import HoldReleased, PriceChanged, SeatNotAllowed, SoldOut
from apps.inventory.offers import fare_total, offer_verify

EARLIEST_BIRTH_DATE = date(1900, 1, 1)


@dataclass(frozen=True)
class PassengerInput:
    type: str
    given_name: str
    family_name: str
    date_of_birth: date | None = None
    document_type: str = ""
    document_number: str = ""
    document_country: str = ""
    nationality: str = ""
    document_expires_on: date | None = None


@dataclass(frozen=True)
class ContactInput:
    email: str
    phone: str = ""


# Who acts: a user, a partner's API key, or nobody signed in (a guest).
Actor = User | PartnerKeyPrincipal | None


def _actor_label(actor: Actor) -> str:
    return actor.email if actor is not None else "customer (guest)"


def booking_event_record(
    *, booking: Booking, kind: str, actor: Actor = None, actor_label: str = "", detail: dict | None = None
) -> BookingEvent:
    """Append to the booking's timeline; called inside the transaction of the change."""
    return BookingEvent.objects.create(
        booking=booking,
        kind=kind,
        # An API key is no user: its label (`api-key:<prefix>`) says who it was.
        actor=actor if isinstance(actor, User) else None,
        actor_label=actor_label or _actor_label(actor),
        detail=detail or {},
    )


def _new_locator() -> str:
    return "".join(secrets.choice(LOCATOR_ALPHABET) for _ in range(LOCATOR_LENGTH))


ADULT_FROM_AGE, CHILD_FROM_AGE = 12, 2
DOCUMENT_NUMBER = re.compile(r"^[A-Z0-9]{5,20}$")


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _check_passengers(
    passengers: list[PassengerInput], *, mix, first_day: date, last_day: date, international: bool
) -> None:
    """Types match the offer; names in letters of Latin script (accents welcome); dates of
    birth from 1900 on that fit the type on the travel dates (adults 12+, children 2-11,
    infants under 2 for the whole trip); at most one lap infant per adult; a valid travel
    document (ISO 3166-1 country codes) when the trip crosses a border."""
    counts = {kind: sum(1 for p in passengers if p.type == kind) for kind in PassengerType.values}
    wanted = {PassengerType.ADULT: mix.adults, PassengerType.CHILD: mix.children, PassengerType.INFANT: mix.infants}
    if counts != wanted:
        raise PassengersInvalid(
            f"The offer is for {mix.adults} adult(s), {mix.children} child(ren) and {mix.infants} infant(s).",
            errors={"passengers": ["The passenger types do not match the offer."]},
        )
    if counts[PassengerType.INFANT] > counts[PassengerType.ADULT]:
        raise PassengersInvalid(errors={"passengers": ["Each lap infant needs an adult of their own."]})
    bad: dict[str, list[str]] = {}
    for index, p in enumerate(passengers):
        field = f"passengers[{index}]"
        for name in ("given_name", "family_name"):
            if not name_is_valid(getattr(p, name)):
                bad[f"{field}.{name}"] = [NAME_MESSAGE]
        born = p.date_of_birth
        if born is None:
            if p.type != PassengerType.ADULT or international:
                bad[f"{field}.date_of_birth"] = ["Required for children, infants and trips abroad."]
        elif born < EARLIEST_BIRTH_DATE:
            bad[f"{field}.date_of_birth"] = [f"A date of birth from {EARLIEST_BIRTH_DATE} on."]
        elif born > first_day:
            bad[f"{field}.date_of_birth"] = ["This date is after the flight."]
        else:
            age = _age_on(born, first_day)
            fits = {
                PassengerType.ADULT: age >= ADULT_FROM_AGE,
                PassengerType.CHILD: CHILD_FROM_AGE <= age < ADULT_FROM_AGE,
                PassengerType.INFANT: _age_on(born, last_day) < CHILD_FROM_AGE,
            }[p.type]
            if not fits:
                article = "a" if p.type == PassengerType.CHILD else "an"
                bad[f"{field}.date_of_birth"] = [f"A passenger born on {born} is not {article} {p.type} when flying."]
        if international:
            if p.document_type not in ("passport", "id_card"):
                bad[f"{field}.document_type"] = ["A passport or identity card is needed for this trip."]
            if not DOCUMENT_NUMBER.match(p.document_number.upper()):
                bad[f"{field}.document_number"] = ["5 to 20 letters and digits."]
            for name in ("document_country", "nationality"):
                if not is_country_code(getattr(p, name)):
                    bad[f"{field}.{name}"] = ["An ISO 3166-1 alpha-2 country code, e.g. GB."]
            if p.document_expires_on is None or p.document_expires_on < last_day:
                bad[f"{field}.document_expires_on"] = ["The document must be valid until the end of the trip."]
    if bad:
        raise PassengersInvalid("Some passenger details need fixing.", errors=bad)


def _checked_contact(contact: ContactInput) -> ContactInput:
    """The contact with its phone number in E.164; ValidationFailed for a number that is
    not one or an address that only carries markup."""
    bad: dict[str, list[str]] = {}
    try:
        email_plain_check(contact.email)
    except DjangoValidationError as exc:
        bad["contact.email"] = exc.messages
    try:
        phone = phone_e164(contact.phone)
    except DjangoValidationError as exc:
        bad["contact.phone"] = exc.messages
    if bad:
        raise ValidationFailed("The contact details need fixing.", errors=bad)
    return replace(contact, phone=phone)


def _raise_price_changed_if_a_dearer_fare_has_room(*, fare_classes: dict, seats: int) -> None:
    """The offered bucket is full: if every flight still has room in its cabin at another
    price, the customer should see that price rather than "sold out"."""
    flights = [fc.flight for fc in fare_classes.values()]
    cabin = next(iter(fare_classes.values())).cabin
    open_fares = inventory_selectors.cheapest_open_fares(flights=flights, cabin=cabin, seats=seats)
    if len(open_fares) == len(flights):
        raise PriceChanged("The fare offered is sold out; other fares on these flights still have seats.")


def _booked_for(actor: Actor) -> tuple[User | None, Partner | None, ApiKey | None]:
    """Whose booking it is: (user, partner, api_key). A key books for its partner and
    owns no user; an agent books as themself for their partner."""
    if isinstance(actor, PartnerKeyPrincipal):
        return None, actor.partner, actor.api_key
    if actor is not None and user_is_agent(actor):
        return actor, actor.partner, None
    return actor, None, None


def booking_create(*, offer_id: str, passengers: list[PassengerInput], contact: ContactInput, user: Actor) -> Booking:
    """Hold every segment of an offer for the passengers, all or nothing.

    Re-checks the signed offer against today's fares (`price_changed`, `sold_out`). The
    booking records the partner (and key) it was made through, when it was."""
    owner, partner, api_key = _booked_for(user)
    contact = _checked_contact(contact)
    claim = offer_verify(offer_id=offer_id)
    mix = claim.mix
    fare_classes = inventory_selectors.fare_classes_for_offer(ids=claim.fare_class_ids)
    if len(fare_classes) != len(set(claim.fare_class_ids)) or not all(
        flight_selectors.flight_is_bookable(flight=fc.flight) for fc in fare_classes.values()
    ):
        raise SoldOut("A flight of this offer is no longer sold.")
    flights = [fc.flight for fc in fare_classes.values()]
    _check_passengers(
        passengers,
        mix=mix,
        first_day=min(f.departure_date for f in flights),
        last_day=max(f.departure_date for f in flights),
        international=len({a.country for f in flights for a in (f.origin, f.destination)}) > 1,
    )
    passengers = [
        replace(p, given_name=name_normalise(p.given_name), family_name=name_normalise(p.family_name),
                document_number=p.document_number.upper(), document_country=p.document_country.upper(),
                nationality=p.nationality.upper())
        for p in passengers
    ]  # fmt: skip
    amounts = {pk: fare_total(price=fc.price, currency=claim.currency, mix=mix) for pk, fc in fare_classes.items()}
    total = sum((amounts[pk] for pk in claim.fare_class_ids), Decimal(0))
    if total != claim.total_amount:
        raise PriceChanged(f"The offer was {claim.total_amount} {claim.currency}; it is now {total} {claim.currency}.")

    now = clock.now()
    hold_expires_at = now + timedelta(minutes=settings.BOOKING_HOLD_MINUTES)
    for _ in range(5):
        locator = _new_locator()
        try:
            with transaction.atomic(durable=True):
                booking = Booking.objects.create(
                    locator=locator,
                    user=owner,
                    partner=partner,
                    api_key=api_key,
                    contact_email=contact.email,
                    contact_phone=contact.phone,
                    total_amount=total,
                    currency=claim.currency,
                    cabin=claim.cabin,
                    hold_expires_at=hold_expires_at,
                    created_at=now,
                )
                try:
                    inventory_services.inventory_hold(
                        requests=[
                            inventory_services.HoldRequest(fare_class_id=pk, quantity=mix.seats)
                            for pk in claim.fare_class_ids
                        ],
                        reference=locator,
                        expires_at=hold_expires_at,
                    )
                except SoldOut:
                    _raise_price_changed_if_a_dearer_fare_has_room(fare_classes=fare_classes, seats=mix.seats)
                    raise
                Passenger.objects.bulk_create(
                    Passenger(
                        booking=booking,
                        position=index,
                        **vars(passenger),
                        given_name_icao=name_icao(passenger.given_name),
                        family_name_icao=name_icao(passenger.family_name),
                    )
                    for index, passenger in enumerate(passengers)
                )
                Segment.objects.bulk_create(
                    Segment(
                        booking=booking,
                        slice_index=slice_index,
                        position=position,
                        flight_id=fare_classes[pk].flight_id,
                        fare_class_id=pk,
                        fare_code=fare_classes[pk].code,
                        fare_brand=fare_classes[pk].brand,
                        amount=amounts[pk],
                    )
                    for slice_index, fare_slice in enumerate(claim.slices)
                    for position, pk in enumerate(fare_slice)
                )
                booking_event_record(
                    booking=booking,
                    kind="created",
                    actor=user,
                    detail={"total_amount": str(total), "currency": claim.currency, "passengers": len(passengers)},
                )
                outbox.publish(topic=Topic.BOOKING_HELD, payload={"locator": locator})
            return booking
        except IntegrityError as exc:
            if "locator" not in str(exc):
                raise
    raise RuntimeError("could not find a free record locator after 5 tries")


def _ticket_numbers(*, prefix: str, count: int) -> list[str]:
    TicketSerial.objects.bulk_create([TicketSerial(prefix=prefix)], ignore_conflicts=True)
    # The UPDATE takes the row lock until commit, so serials never repeat.
    TicketSerial.objects.filter(prefix=prefix).update(last_serial=F("last_serial") + count)
    last = TicketSerial.objects.get(prefix=prefix).last_serial
    return [f"{prefix}{serial:010d}" for serial in range(last - count + 1, last + 1)]


def booking_confirm(*, locator: str, actor_label: str, detail: dict[str, Any] | None = None) -> Booking:
    """Held → confirmed: sell the held seats and issue one e-ticket per passenger.

    Runs inside the payment service's transaction. Raises HoldExpired when the seats were
    already released to someone else."""
    with transaction.atomic():
        booking = locks.booking_lock(locator=locator)
        if booking.status == BookingStatus.CONFIRMED:
            return booking
        if booking.status != BookingStatus.HELD:
            raise HoldExpired(f"The booking is {booking.status}.")
        try:
            inventory_services.inventory_confirm(reference=locator)
        except HoldReleased as exc:
            raise HoldExpired() from exc
        passengers = list(booking.passengers.order_by("position"))
        first_segment = booking.segments.select_related("flight__airline").order_by("slice_index", "position").first()
        numbers = _ticket_numbers(prefix=first_segment.flight.airline.ticket_prefix, count=len(passengers))
        for passenger, number in zip(passengers, numbers, strict=True):
            passenger.ticket_number = number
        Passenger.objects.bulk_update(passengers, ["ticket_number"])
        booking.status = BookingStatus.CONFIRMED
        booking.confirmed_at = clock.now()
        booking.hold_expires_at = None
        booking.save(update_fields=["status", "confirmed_at", "hold_expires_at"])
        booking_event_record(booking=booking, kind="confirmed", actor_label=actor_label, detail=detail)
        outbox.publish(topic=Topic.BOOKING_CONFIRMED, payload={"locator": locator})
    return booking


def booking_reinstate(*, locator: str, actor_label: str, detail: dict[str, Any] | None = None) -> Booking:
    """A payment that succeeded after the hold ran out: hold the same fare classes and the
    same seats again if they are still free, so that `booking_confirm` can sell them.

    Runs inside the payment service's transaction. Raises SoldOut or SeatUnavailable
    when someone else has them now, or the flight is no longer sold: never oversells,
    since the seats go through the same capacity checks and constraints as any hold."""
    with transaction.atomic():
        booking = locks.booking_lock(locator=locator)
        if booking.status not in (BookingStatus.HELD, BookingStatus.EXPIRED):
            raise HoldExpired(f"The booking is {booking.status}.")
        segments = list(booking.segments.select_related("flight").order_by("slice_index", "position"))
        if not all(flight_selectors.flight_is_bookable(flight=segment.flight) for segment in segments):
            raise SoldOut("A flight of this booking is no longer sold.")
        seats = booking.passengers.exclude(type=PassengerType.INFANT).count()
        hold_expires_at = clock.now() + timedelta(minutes=settings.BOOKING_HOLD_MINUTES)
        inventory_services.inventory_release(reference=locator)
        inventory_services.inventory_hold(
            requests=[
                inventory_services.HoldRequest(fare_class_id=segment.fare_class_id, quantity=seats)
                for segment in segments
            ],
            reference=locator,
            expires_at=hold_expires_at,
        )
        inventory_services.seats_reinstate(reference=locator, expires_at=hold_expires_at)
        booking.status = BookingStatus.HELD
        booking.hold_expires_at = hold_expires_at
        booking.save(update_fields=["status", "hold_expires_at"])
        booking_event_record(booking=booking, kind="reinstated", actor_label=actor_label, detail=detail)
    return booking


# A hold is extended for payments in flight at most this often, so that attempts made only
# to fail (a declined card every minute) cannot keep seats from other customers for ever.
HOLD_EXTENSIONS_MAX = 3


def booking_hold_extend(*, booking: Booking, until: datetime, actor_label: str, detail: dict | None = None) -> bool:
    """Keep a held booking's seats at least until `until`, e.g. for a payment attempt in
    flight, so that its hold cannot run out under it. A step of the caller's transaction,
    which has locked the booking. Returns whether the hold was extended; it is not past
    HOLD_EXTENSIONS_MAX times, nor once it has run out."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("booking_hold_extend runs inside the transaction that locked the booking")
    now = clock.now()
    if (
        booking.status != BookingStatus.HELD
        or booking.hold_expires_at is None
        or not now < booking.hold_expires_at < until
        or booking.events.filter(kind="hold_extended").count() >= HOLD_EXTENSIONS_MAX
    ):
        return False
    inventory_services.inventory_hold_extend(reference=booking.locator, until=until)
    previous, booking.hold_expires_at = booking.hold_expires_at, until
    booking.save(update_fields=["hold_expires_at"])
    booking_event_record(
        booking=booking,
        kind="hold_extended",
        actor_label=actor_label,
        detail={"from": previous.isoformat(), "until": until.isoformat(), **(detail or {})},
    )
    return True


def booking_expire(*, locator: str) -> bool:
    """Held past its expiry → expired, giving the seats back. False if nothing to do."""
    with transaction.atomic(durable=True):
        booking = locks.booking_lock(locator=locator)
        if booking.status != BookingStatus.HELD or booking.hold_expires_at > clock.now():
            return False
        inventory_services.inventory_release(reference=locator)
        inventory_services.seats_release(reference=locator)
        booking.status = BookingStatus.EXPIRED
        booking.save(update_fields=["status"])
        booking_event_record(booking=booking, kind="expired", actor_label="system")
        outbox.publish(topic=Topic.BOOKING_EXPIRED, payload={"locator": locator})
    return True


def bookings_expire_due(*, limit: int = 500) -> int:
    """The periodic job: expire held bookings whose hold has run out."""
    due = Booking.objects.filter(status=BookingStatus.HELD, hold_expires_at__lte=clock.now()).values_list(
        "locator", flat=True
    )[:limit]
    return sum(1 for locator in list(due) if booking_expire(locator=locator))


HOLD_REMINDED = "hold_reminder_sent"


def booking_hold_remind(*, locator: str) -> bool:
    """Announce (`booking.hold_expiring`) that a held booking's hold ends within
    HOLD_REMINDER_MINUTES, once per booking: the timeline records it. False if it was
    announced already, or the booking is no longer held."""
    with transaction.atomic(durable=True):
        booking = locks.booking_lock(locator=locator)
        now = clock.now()
        if (
            booking.status != BookingStatus.HELD
            or booking.hold_expires_at is None
            or booking.hold_expires_at <= now
            or booking.events.filter(kind=HOLD_REMINDED).exists()
        ):
            return False
        booking_event_record(
            booking=booking,
            kind=HOLD_REMINDED,
            actor_label="system",
            detail={"hold_expires_at": booking.hold_expires_at.isoformat()},
        )
        outbox.publish(topic=Topic.BOOKING_HOLD_EXPIRING, payload={"locator": locator})
    return True


def bookings_remind_expiring_holds(*, limit: int = 500) -> int:
    """The periodic job: remind held bookings whose hold ends within HOLD_REMINDER_MINUTES."""
    now = clock.now()
    due = (
        Booking.objects.filter(
            status=BookingStatus.HELD,
            hold_expires_at__gt=now,
            hold_expires_at__lte=now + timedelta(minutes=settings.HOLD_REMINDER_MINUTES),
        )
        .exclude(events__kind=HOLD_REMINDED)
        .values_list("locator", flat=True)[:limit]
    )
    return sum(1 for locator in list(due) if booking_hold_remind(locator=locator))


@dataclass(frozen=True)
class SeatChoice:
    passenger_id: int
    flight_id: int
    designator: str


def booking_seats_choose(*, locator: str, choices: list[SeatChoice], actor: Actor) -> Booking:
    """Choose or change seats for passengers of a held or confirmed booking, all or none.

    Infants sit on a lap and children may not sit in an exit row. A priced seat adds to
    the amount due of a held booking; once paid, only free seats may be chosen (paying
    for a seat after ticketing comes with ancillaries)."""
    with transaction.atomic(durable=True):
        booking = locks.booking_lock(locator=locator)
        status = booking_selectors.booking_effective_status(booking=booking)
        if status not in (BookingStatus.HELD, BookingStatus.CONFIRMED):
            raise BookingNotChangeable(f"The booking is {status}.")
        passengers = {p.pk: p for p in booking.passengers.all()}
        segments = {s.flight_id: s for s in booking.segments.select_related("flight__aircraft", "fare_class")}
        added = Decimal(0)
        chosen = []
        for index, choice in enumerate(choices):
            field = f"seats[{index}]"
            passenger, segment = passengers.get(choice.passenger_id), segments.get(choice.flight_id)
            if passenger is None or segment is None:
                raise SeatChoiceInvalid(errors={field: ["No such passenger or flight in this booking."]})
            seat = inventory_selectors.seat_find(flight=segment.flight, designator=choice.designator)
            if seat is None or not seat.sellable or seat.cabin != segment.fare_class.cabin:
                raise SeatChoiceInvalid(errors={field: [f"Seat {choice.designator} cannot be chosen in this cabin."]})
            if passenger.type == PassengerType.INFANT:
                raise SeatNotAllowed("Infants travel on an adult's lap and have no seat of their own.")
            if passenger.type == PassengerType.CHILD and EXIT_ROW in seat.characteristics:
                raise SeatNotAllowed("Children may not sit in an exit row.")
            price = inventory_selectors.seat_map_price(flight=segment.flight, seat=seat)
            if price and status == BookingStatus.CONFIRMED:
                raise SeatNotAllowed("This booking is paid: choose a seat without a charge.")
            assignment, given_up = inventory_services.seat_assign(
                flight=segment.flight,
                designator=seat.designator,
                reference=booking.locator,
                passenger_ref=passenger.pk,
                price=price,
                currency=booking.currency,
                expires_at=booking.hold_expires_at if status == BookingStatus.HELD else None,
            )
            added += assignment.price - given_up
            chosen.append({"passenger_id": passenger.pk, "flight_id": segment.flight_id, "seat": seat.designator})
        if added:
            Booking.objects.filter(pk=booking.pk).update(total_amount=F("total_amount") + added)
        booking_event_record(
            booking=booking, kind="seats_chosen", actor=actor, detail={"seats": chosen, "added": str(added)}
        )
    return booking


FREE_CANCELLATION_WINDOW = timedelta(hours=24)
FREE_CANCELLATION_MIN_LEAD = timedelta(days=7)


@dataclass(frozen=True)
class CancellationQuote:
    refund_amount: Decimal
    currency: str
    reason: str
    paid_amount: Decimal


def booking_cancellation_quote(*, booking: Booking) -> CancellationQuote:
    """What cancelling now gives back, by the fare rules: everything within 24 hours of
    booking when departure is at least 7 days away; else the fare of refundable fare
    classes (less their change fee) and nothing of the others; seats are refunded with
    the fare they came with. An unpaid booking is simply released."""
    status = booking_selectors.booking_effective_status(booking=booking)
    if status not in (BookingStatus.HELD, BookingStatus.CONFIRMED):
        raise BookingNotChangeable(f"The booking is {status}.")
    zero = Decimal("0.00")
    if status == BookingStatus.HELD:
        return CancellationQuote(zero, booking.currency, "Not paid yet: nothing to refund.", zero)
    paid = booking.total_amount
    now = clock.now()
    segments = list(booking.segments.select_related("flight", "fare_class"))
    first_departure = min(s.flight.departure_at for s in segments)
    if now - booking.created_at <= FREE_CANCELLATION_WINDOW and first_departure - now >= FREE_CANCELLATION_MIN_LEAD:
        return CancellationQuote(paid, booking.currency, "Free cancellation within 24 hours of booking.", paid)
    seats = paid - sum((s.amount for s in segments), Decimal(0))
    refund = Decimal(0)
    for segment in segments:
        if segment.fare_class.refundable:
            refund += max(segment.amount - segment.fare_class.change_fee, Decimal(0))
    if refund and all(s.fare_class.refundable for s in segments):
        refund += seats
        reason = "Refundable fare."
    elif refund:
        reason = "Only the refundable parts of the trip are refunded."
    else:
        reason = "This fare is not refundable."
    return CancellationQuote(refund.quantize(Decimal("0.01")), booking.currency, reason, paid)


def booking_cancel(*, locator: str, actor: Actor, actor_label: str = "") -> tuple[Booking, CancellationQuote]:
    """Cancel a held or confirmed booking: seats and inventory go back on sale, and a
    `booking.cancelled` event carries the refund due, which the payments app carries out."""
    with transaction.atomic(durable=True):
        booking = locks.booking_lock(locator=locator)
        quote = booking_cancellation_quote(booking=booking)
        was = booking.status
        inventory_services.inventory_release(reference=locator, sold_too=True)
        inventory_services.seats_release(reference=locator)
        booking.status = BookingStatus.CANCELLED
        booking.hold_expires_at = None
        booking.save(update_fields=["status", "hold_expires_at"])
        detail = {"refund_amount": str(quote.refund_amount), "currency": quote.currency, "reason": quote.reason}
        booking_event_record(booking=booking, kind="cancelled", actor=actor, actor_label=actor_label, detail=detail)
        outbox.publish(
            topic=Topic.BOOKING_CANCELLED,
            payload={
                "locator": locator,
                "was": was,
                "refund_amount": str(quote.refund_amount),
                "currency": quote.currency,
            },
        )
    return booking, quote


def booking_expire_if_due(*, booking: Booking) -> Booking:
    """The lazy half of expiry: a held booking read after its hold ran out is expired (and
    its seats released) right away, without waiting for the periodic job."""
    if booking.status == BookingStatus.HELD and booking.hold_expires_at and booking.hold_expires_at <= clock.now():
        booking_expire(locator=booking.locator)
        booking.refresh_from_db()
    return booking


def booking_confirmation_resend(*, locator: str, actor: User) -> None:
    """Send the confirmation email again (an agent's request, e.g. the customer lost it)."""
    with transaction.atomic(durable=True):
        booking = locks.booking_lock(locator=locator)
        if booking.status != BookingStatus.CONFIRMED:
            raise BookingNotChangeable("Only a confirmed booking has a confirmation to send.")
        booking_event_record(booking=booking, kind="confirmation_resent", actor=actor)
        outbox.publish(topic=Topic.BOOKING_CONFIRMATION_REQUESTED, payload={"locator": locator})


def booking_access_grant_create(*, locator: str, family_name: str, agent: User) -> BookingAccessGrant:
    """An agent (or staff) finds a booking by locator and a passenger's family name, as a
    customer gives them on the phone: they may see and serve it for
    `settings.AGENT_LOOKUP_HOURS`. Recorded in the audit log. Raises BookingNotFound for
    a wrong name and an unknown locator alike. The caller checks that `agent` may."""
    booking = booking_selectors.booking_find_for_agent(locator=locator, family_name=family_name)
    if booking is None:
        raise BookingNotFound()
    with transaction.atomic(durable=True):
        now = clock.now()
        grant = BookingAccessGrant.objects.create(
            booking=booking,
            user=agent,
            granted_at=now,
            expires_at=now + timedelta(hours=settings.AGENT_LOOKUP_HOURS),
        )
        audit_record(
            actor=agent,
            action="agent_lookup",
            obj=booking,
            changes={"grant_id": grant.pk, "expires_at": grant.expires_at.isoformat()},
        )
    return grant
