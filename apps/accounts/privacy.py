"""GDPR: a customer's personal data, exported (right of access, portability) or erased
(right to erasure), keeping what the law requires us to keep (docs/privacy.md).

Personal data lives in apps that depend on accounts (bookings, payments, notifications).
Accounts never imports them: it reaches their rows through Django's reverse relations
(`user.bookings`, `booking.payments`, `user.notifications`), as the booking serializer
does for payments."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.db import transaction
from django.db.models import Q, QuerySet
from django_otp import devices_for_user

from apps.accounts.models import User
from apps.accounts.services import user_api_tokens_revoke
from apps.core import clock
from apps.core.api.clients import user_client_ident
from apps.core.audit import audit_record
from apps.core.errors import Conflict, ValidationFailed
from apps.core.models import IdempotencyKey

ERASED_EMAIL_DOMAIN = "invalid.flightbook"
# Booking states as the bookings app spells them (accounts cannot import it).
HELD, CONFIRMED = "held", "confirmed"


class ErasureBlocked(Conflict):
    code = "erasure_blocked"
    title = "The account has trips that are not over yet."


def erased_email(user: User) -> str:
    return f"erased-{user.pk}@{ERASED_EMAIL_DOMAIN}"


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _money(value: Decimal | None) -> str | None:
    return str(value) if value is not None else None


def own_bookings(user: User) -> QuerySet:
    """The bookings that are this person's own: made while signed in, not by an agent on
    behalf of their travel agency (those belong to the agency's customers)."""
    return user.bookings.filter(partner__isnull=True)


def erasure_blockers(user: User) -> list[str]:
    """Locators of the bookings that stop an erasure: held ones still holding seats, and
    confirmed ones with a flight that has not landed yet."""
    now = clock.now()
    blocking = own_bookings(user).filter(
        Q(status=HELD, hold_expires_at__gt=now) | Q(status=CONFIRMED, segments__flight__arrival_at__gt=now)
    )
    return sorted(set(blocking.values_list("locator", flat=True)))


# --- Export ---------------------------------------------------------------------------------


def _passenger(passenger) -> dict[str, Any]:
    return {
        "type": passenger.type,
        "given_name": passenger.given_name,
        "family_name": passenger.family_name,
        "given_name_icao": passenger.given_name_icao,
        "family_name_icao": passenger.family_name_icao,
        "date_of_birth": _iso(passenger.date_of_birth),
        "document": {
            "type": passenger.document_type,
            "number": passenger.document_number,
            "issuing_country": passenger.document_country,
            "nationality": passenger.nationality,
            "expires_on": _iso(passenger.document_expires_on),
        }
        if passenger.document_number
        else None,
        "ticket_number": passenger.ticket_number,
    }


def _segment(segment) -> dict[str, Any]:
    flight = segment.flight
    return {
        "flight_number": flight.flight_number,
        "origin": flight.origin.iata_code,
        "destination": flight.destination.iata_code,
        "departure_at": _iso(flight.departure_at),
        "arrival_at": _iso(flight.arrival_at),
        "fare_code": segment.fare_code,
        "fare_brand": segment.fare_brand,
        "amount": _money(segment.amount),
    }


def _payment(payment) -> dict[str, Any]:
    # Amounts, states and dates only: never the provider's references or method ids.
    return {
        "id": payment.pk,
        "provider": payment.provider,
        "status": payment.status,
        "amount": _money(payment.amount),
        "currency": payment.currency,
        "amount_refunded": _money(payment.amount_refunded),
        "failure_code": payment.failure_code,
        "created_at": _iso(payment.created_at),
        "succeeded_at": _iso(payment.succeeded_at),
        "refunds": [
            {
                "id": refund.pk,
                "status": refund.status,
                "amount": _money(refund.amount),
                "currency": refund.currency,
                "reason": refund.reason,
                "created_at": _iso(refund.created_at),
                "succeeded_at": _iso(refund.succeeded_at),
            }
            for refund in payment.refunds.all()
        ],
    }


def _booking(booking) -> dict[str, Any]:
    segments = sorted(booking.segments.all(), key=lambda s: (s.slice_index, s.position))
    return {
        "locator": booking.locator,
        "status": booking.status,
        "created_at": _iso(booking.created_at),
        "confirmed_at": _iso(booking.confirmed_at),
        "hold_expires_at": _iso(booking.hold_expires_at),
        "total_amount": _money(booking.total_amount),
        "currency": booking.currency,
        "cabin": booking.cabin,
        "contact": {"email": booking.contact_email, "phone": booking.contact_phone},
        "passengers": [_passenger(p) for p in booking.passengers.all()],
        "segments": [_segment(s) for s in segments],
        "payments": [_payment(p) for p in booking.payments.all()],
        "events": [
            {"at": _iso(e.at), "actor": e.actor_label, "kind": e.kind, "detail": e.detail} for e in booking.events.all()
        ],
    }


def personal_data_export(*, user: User, actor: Any = None) -> dict[str, Any]:
    """Everything we hold about `user`, as plain JSON-ready data: account, email
    addresses, sign-in methods, bookings (passengers with their documents, contact,
    itinerary, payments, refunds, timeline) and the messages sent to them. Secrets
    (password hash, OTP keys, provider references) are never included. The export is
    audited, by `actor` (the user themselves, or None for an operator's command)."""
    bookings = (
        own_bookings(user)
        .order_by("created_at")
        .prefetch_related(
            "passengers",
            "events",
            "payments__refunds",
            "segments__flight__airline",
            "segments__flight__origin",
            "segments__flight__destination",
        )
    )
    data = {
        "generated_at": _iso(clock.now()),
        "account": {
            "id": user.pk,
            "email": user.email,
            "given_name": user.first_name,
            "family_name": user.last_name,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
            "is_active": user.is_active,
            "partner": user.partner.name if user.partner_id else None,
        },
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "social_accounts": [
            {
                "provider": a.provider,
                "uid": a.uid,
                "date_joined": _iso(a.date_joined),
                "last_login": _iso(a.last_login),
                "profile": a.extra_data,
            }
            for a in SocialAccount.objects.filter(user=user).order_by("pk")
        ],
        "two_factor_devices": [
            {"kind": type(d).__name__, "name": d.name, "confirmed": d.confirmed}
            for d in devices_for_user(user, confirmed=None)
        ],
        "bookings": [_booking(b) for b in bookings],
        "notifications": [
            {
                "channel": n.channel,
                "kind": n.kind,
                "recipient": n.recipient,
                "subject": n.subject,
                "body": n.body,
                "sent_at": _iso(n.created_at),
            }
            for n in user.notifications.order_by("created_at")
        ],
    }
    audit_record(
        actor=actor,
        action="personal_data_export",
        obj=user,
        changes={"bookings": len(data["bookings"])},
        label="" if actor is not None else "gdpr_export command",
    )
    return data


# --- Erasure --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasureReport:
    user_id: int
    email: str
    bookings: int
    passengers: int
    notifications: int
    email_addresses: int
    social_accounts: int
    two_factor_devices: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def erasure_password_check(*, user: User, password: str) -> None:
    """Erasing an account asks for its password again, so a borrowed session cannot."""
    if not user.has_usable_password():
        raise ValidationFailed(
            "This account has no password: set one first (Forgot password), then confirm with it.",
            errors={"password": ["Set a password first."]},
        )
    if not password or not user.check_password(password):
        raise ValidationFailed("The password is not right.", errors={"password": ["The password is not right."]})


def personal_data_erase(*, user: User, actor: Any = None, force: bool = False) -> ErasureReport:
    """Anonymise `user` and their own bookings in one transaction, and audit it.

    Removed: names, email addresses, password, social sign-ins, two-factor devices, API
    tokens, bookings' contact details, passengers' names, dates of birth and documents,
    the messages' text. Kept, as accounting and tax law require: bookings' amounts and
    itineraries, tickets, payments and refunds. Refused with `erasure_blocked` while a
    booking holds seats or a trip has not been flown, unless `force` (an operator acting
    on a legal request)."""
    old_email = user.email
    new_email = erased_email(user)
    now = clock.now()
    with transaction.atomic(durable=True):
        blockers = erasure_blockers(user)
        if blockers and not force:
            raise ErasureBlocked(
                f"These bookings are not over yet: {', '.join(blockers)}. Cancel them, or wait until the trips "
                "have been flown, then ask again.",
                errors={"locators": blockers},
            )
        bookings = own_bookings(user)
        passenger_model = bookings.model._meta.get_field("passengers").related_model
        passengers = passenger_model.objects.filter(booking__in=bookings).update(
            given_name="",
            family_name="",
            given_name_icao="",
            family_name_icao="",
            date_of_birth=None,
            document_type="",
            document_number="",
            document_country="",
            nationality="",
            document_expires_on=None,
        )
        booking_count = bookings.update(contact_email=new_email, contact_phone="")
        event_model = bookings.model._meta.get_field("events").related_model
        event_model.objects.filter(actor=user).update(actor_label=new_email)
        # Events written with only their email as the actor (a payment by the customer).
        event_model.objects.filter(booking__in=bookings, actor_label__iexact=old_email).update(actor_label=new_email)
        payment_model = bookings.model._meta.get_field("payments").related_model
        refund_model = payment_model._meta.get_field("refunds").related_model
        refund_model.objects.filter(payment__booking__in=bookings, requested_by__iexact=old_email).update(
            requested_by=new_email
        )
        notifications = user.notifications.update(recipient=new_email, subject="", body="")
        email_addresses = EmailAddress.objects.filter(user=user).count()
        EmailAddress.objects.filter(user=user).delete()
        social_accounts = SocialAccount.objects.filter(user=user).count()
        SocialAccount.objects.filter(user=user).delete()  # with their tokens
        devices = list(devices_for_user(user, confirmed=None))
        for device in devices:
            device.delete()
        user_api_tokens_revoke(user=user)
        # Stored API answers (booking bodies with names and contact) for replays.
        IdempotencyKey.objects.filter(client=user_client_ident(user.pk)).delete()

        user.email = new_email
        user.first_name = ""
        user.last_name = ""
        user.set_unusable_password()
        user.is_active = False
        user.is_staff = False
        user.is_superuser = False
        user.last_login = None
        user.tokens_valid_after = now
        user.save()
        user.groups.clear()
        user.user_permissions.clear()

        report = ErasureReport(
            user_id=user.pk,
            email=new_email,
            bookings=booking_count,
            passengers=passengers,
            notifications=notifications,
            email_addresses=email_addresses,
            social_accounts=social_accounts,
            two_factor_devices=len(devices),
        )
        if actor is None:
            label = "gdpr_erase command"
        elif getattr(actor, "pk", None) == user.pk:
            label = new_email  # never the address just erased
        else:
            label = ""
        audit_record(
            actor=actor,
            action="personal_data_erase",
            obj=user,
            changes={**report.as_dict(), "forced": bool(blockers) and force, "trips_not_over": blockers},
            label=label,
        )
    return report
