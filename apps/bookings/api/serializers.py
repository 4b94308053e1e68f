from __future__ import annotations

from itertools import groupby

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiExample, extend_schema_field
from rest_framework import serializers

from apps.bookings import selectors
from apps.bookings.models import Booking, PassengerType
from apps.bookings.names import NAME_MAX_LENGTH
from apps.core.api.fields import AmountField
from apps.core.countries import is_country_code
from apps.core.privacy import mask_date, mask_document_number
from apps.core.validators import PHONE_MAX_LENGTH, email_plain_check, phone_e164
from apps.inventory import selectors as inventory_selectors
from apps.inventory.api.serializers import SliceSerializer


def _country_code(value: str) -> None:
    if not is_country_code(value):
        raise serializers.ValidationError("An ISO 3166-1 alpha-2 country code, e.g. GB.")


class TravelDocumentSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=[("passport", "Passport"), ("id_card", "Identity card")])
    number = serializers.CharField(max_length=20, help_text="5 to 20 letters and digits")
    issuing_country = serializers.CharField(
        min_length=2,
        max_length=2,
        validators=[_country_code],
        help_text="The country that issued the document: ISO 3166-1 alpha-2 (GB, ES; XK for Kosovo), any case",
    )
    nationality = serializers.CharField(
        min_length=2,
        max_length=2,
        validators=[_country_code],
        help_text="The holder's nationality as printed in the document: ISO 3166-1 alpha-2, any case",
    )
    expires_on = serializers.DateField(help_text="Must be valid until the end of the trip")


class PassengerInputSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=PassengerType.choices)
    given_name = serializers.CharField(
        max_length=NAME_MAX_LENGTH,
        help_text="As in the passport: letters of Latin script (accents welcome), spaces, hyphens, apostrophes",
    )
    family_name = serializers.CharField(max_length=NAME_MAX_LENGTH, help_text="As `given_name`")
    date_of_birth = serializers.DateField(
        required=False, allow_null=True, help_text="From 1900-01-01; required for children, infants and trips abroad"
    )
    document = TravelDocumentSerializer(required=False, help_text="Required when the trip crosses a border")


def passenger_input(data: dict) -> dict:
    """The booking service's PassengerInput fields from one validated passenger."""
    document = data.get("document") or {}
    return {
        "type": data["type"],
        "given_name": data["given_name"],
        "family_name": data["family_name"],
        "date_of_birth": data.get("date_of_birth"),
        "document_type": document.get("type", ""),
        "document_number": document.get("number", ""),
        "document_country": document.get("issuing_country", ""),
        "nationality": document.get("nationality", ""),
        "document_expires_on": document.get("expires_on"),
    }


class ContactSerializer(serializers.Serializer):
    email = serializers.EmailField(validators=[email_plain_check])
    phone = serializers.CharField(
        max_length=PHONE_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="International format (+44 20 7946 0958); answered and stored as E.164 (+442079460958)",
    )

    def validate_phone(self, value: str) -> str:
        try:
            return phone_e164(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None


class BookingCreateInputSerializer(serializers.Serializer):
    offer_id = serializers.CharField(max_length=2000)
    passengers = PassengerInputSerializer(
        many=True,
        min_length=1,
        max_length=9,
        error_messages={
            "min_length": "Give at least one passenger.",
            "max_length": "At most 9 passengers travel on one booking.",
            "empty": "Give at least one passenger.",
        },
    )
    contact = ContactSerializer()


BOOKING_CREATE_EXAMPLE = OpenApiExample(
    "One adult",
    request_only=True,
    value={
        "offer_id": "an `id` from flights/search/",
        "passengers": [
            {
                "type": "adult",
                "given_name": "Ada",
                "family_name": "Lovelace",
                "date_of_birth": "1985-04-12",
                "document": {
                    "type": "passport",
                    "number": "P1234567",
                    "issuing_country": "GB",
                    "nationality": "GB",
                    "expires_on": "2036-01-01",
                },
            }
        ],
        "contact": {"email": "ada@example.com", "phone": "+442071838750"},
    },
)


class BookingLookupInputSerializer(serializers.Serializer):
    locator = serializers.CharField(min_length=6, max_length=6)
    family_name = serializers.CharField(max_length=60)


class PassengerSeatSerializer(serializers.Serializer):
    flight_id = serializers.IntegerField()
    designator = serializers.CharField()
    price = AmountField()


def documents_visible_to(*, booking: Booking, request) -> bool:
    """Only the booking's owner sees dates of birth and travel documents in full: the
    signed-in customer who made it, or for a guest booking the browser session that made
    or found it. Agents, admins and partner API keys see them masked (docs/privacy.md),
    including on the bookings a travel agency made: those belong to its customers."""
    if request is None or booking.partner_id is not None or getattr(request.user, "api_key", None) is not None:
        return False
    user = request.user
    signed_in = user is not None and user.is_authenticated
    if booking.user_id is not None:
        return signed_in and booking.user_id == user.pk
    if signed_in and (user.is_staff or user.partner_id is not None):
        return False
    from apps.bookings.views import guest_locators  # the pages import this module

    return booking.locator in guest_locators(request)


class TravelDocumentOutputSerializer(serializers.Serializer):
    type = serializers.CharField()
    number = serializers.CharField(help_text="Masked (••••••78) for anyone but the booking's owner")
    issuing_country = serializers.CharField()
    nationality = serializers.CharField()
    expires_on = serializers.CharField(help_text="YYYY-MM-DD; the year only (YYYY) when masked")


class PassengerSerializer(serializers.Serializer):
    """A passenger; the context's `documents_visible` (from `documents_visible_to`) decides
    whether the date of birth and document are shown in full or masked."""

    id = serializers.IntegerField()
    type = serializers.CharField()
    given_name = serializers.CharField(help_text="As typed")
    family_name = serializers.CharField(help_text="As typed")
    given_name_icao = serializers.CharField(
        help_text="ICAO 9303 transliteration (A-Z and spaces), as on the ticket and boarding pass"
    )
    family_name_icao = serializers.CharField(
        help_text="ICAO 9303 transliteration (A-Z and spaces), as on the ticket and boarding pass"
    )
    date_of_birth = serializers.SerializerMethodField()
    document = serializers.SerializerMethodField()
    ticket_number = serializers.CharField(allow_null=True)
    seats = serializers.SerializerMethodField()

    def _visible(self) -> bool:
        return self.context.get("documents_visible", False)

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="YYYY-MM-DD; the year only when masked"))
    def get_date_of_birth(self, passenger) -> str | None:
        born = passenger.date_of_birth
        if born is None:
            return None
        return born.isoformat() if self._visible() else mask_date(born)

    @extend_schema_field(TravelDocumentOutputSerializer(allow_null=True))
    def get_document(self, passenger) -> dict | None:
        if not passenger.document_number:
            return None
        visible = self._visible()
        expires = passenger.document_expires_on
        return {
            "type": passenger.document_type,
            "number": passenger.document_number if visible else mask_document_number(passenger.document_number),
            "issuing_country": passenger.document_country,
            "nationality": passenger.nationality,
            "expires_on": (expires.isoformat() if visible else mask_date(expires)) if expires else None,
        }

    @extend_schema_field(PassengerSeatSerializer(many=True))
    def get_seats(self, passenger) -> list:
        seats = self.context.get("seats", {}).get(passenger.pk, [])
        return PassengerSeatSerializer(seats, many=True).data


class SeatChoiceSerializer(serializers.Serializer):
    passenger_id = serializers.IntegerField()
    flight_id = serializers.IntegerField()
    designator = serializers.RegexField(r"^[1-9][0-9]{0,2}[A-Z]$", help_text="e.g. 12A")


class SeatsInputSerializer(serializers.Serializer):
    seats = SeatChoiceSerializer(
        many=True,
        min_length=1,
        max_length=9 * 4,
        error_messages={"min_length": "Choose at least one seat.", "empty": "Choose at least one seat."},
    )


class PaymentSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    provider = serializers.CharField()
    status = serializers.CharField()
    amount = AmountField()
    currency = serializers.CharField()
    amount_refunded = AmountField()
    failure_code = serializers.CharField()
    created_at = serializers.DateTimeField()
    succeeded_at = serializers.DateTimeField(allow_null=True)


class RefundSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    payment_id = serializers.IntegerField()
    status = serializers.CharField()
    amount = AmountField()
    currency = serializers.CharField()
    reason = serializers.CharField()
    reason_label = serializers.CharField(source="get_reason_display")
    created_at = serializers.DateTimeField()
    succeeded_at = serializers.DateTimeField(allow_null=True)


class BookingEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor_label")
    kind = serializers.CharField()
    detail = serializers.JSONField()


class BookingListSerializer(serializers.ListSerializer):
    """A page of bookings reads their seats in one query, not one per booking."""

    def to_representation(self, data):
        bookings = list(data.all() if hasattr(data, "all") else data)
        self.context["seats_by_booking"] = inventory_selectors.seats_of_bookings(
            references=[booking.locator for booking in bookings]
        )
        return super().to_representation(bookings)


class BookingSerializer(serializers.Serializer):
    class Meta:
        list_serializer_class = BookingListSerializer

    locator = serializers.CharField()
    status = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    hold_expires_at = serializers.DateTimeField(allow_null=True)
    total_amount = AmountField()
    currency = serializers.CharField()
    contact = serializers.SerializerMethodField()
    passengers = serializers.SerializerMethodField()
    slices = serializers.SerializerMethodField()
    payments = serializers.SerializerMethodField()
    refunds = serializers.SerializerMethodField()
    events = BookingEventSerializer(many=True)

    def get_status(self, booking: Booking) -> str:
        return selectors.booking_effective_status(booking=booking)

    @extend_schema_field(PassengerSerializer(many=True))
    def get_passengers(self, booking: Booking) -> list:
        preloaded = self.context.get("seats_by_booking")
        if preloaded is not None and booking.locator in preloaded:
            seats = preloaded[booking.locator]
        else:
            seats = inventory_selectors.seats_of_booking(reference=booking.locator)
        visible = documents_visible_to(booking=booking, request=self.context.get("request"))
        context = {"seats": seats, "documents_visible": visible}
        return PassengerSerializer(booking.passengers.all(), many=True, context=context).data

    @extend_schema_field(ContactSerializer)
    def get_contact(self, booking: Booking) -> dict:
        return {"email": booking.contact_email, "phone": booking.contact_phone}

    @extend_schema_field(SliceSerializer(many=True))
    def get_slices(self, booking: Booking) -> list:
        segments = sorted(booking.segments.all(), key=lambda s: (s.slice_index, s.position))
        return [
            SliceSerializer([segment.fare_class for segment in group]).data
            for _, group in groupby(segments, key=lambda s: s.slice_index)
        ]

    @extend_schema_field(PaymentSummarySerializer(many=True))
    def get_payments(self, booking: Booking) -> list:
        # Payments live in the payments app, which depends on bookings; read them through
        # the reverse relation so bookings never imports payments.
        payments = getattr(booking, "payments", None)
        return PaymentSummarySerializer(payments.all() if payments is not None else [], many=True).data

    @extend_schema_field(RefundSummarySerializer(many=True))
    def get_refunds(self, booking: Booking) -> list:
        payments = getattr(booking, "payments", None)
        refunds = [
            refund for payment in (payments.all() if payments is not None else []) for refund in payment.refunds.all()
        ]
        refunds.sort(key=lambda refund: refund.created_at)
        return RefundSummarySerializer(refunds, many=True).data


class CancellationQuoteSerializer(serializers.Serializer):
    refund_amount = AmountField()
    paid_amount = AmountField()
    currency = serializers.CharField()
    reason = serializers.CharField()


class CancellationSerializer(CancellationQuoteSerializer):
    locator = serializers.CharField()
    status = serializers.CharField()
