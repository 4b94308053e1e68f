from django.contrib import admin, messages

from apps.bookings import selectors, services
from apps.bookings.models import Booking, BookingAccessGrant, BookingEvent, Passenger, Segment
from apps.core import clock
from apps.core.audit import audit_record
from apps.core.errors import DomainError
from apps.core.privacy import mask_date, mask_document_number
from apps.inventory import selectors as inventory_selectors


class PassengerInline(admin.TabularInline):
    """Staff see dates of birth and travel documents masked, never in full (docs/privacy.md)."""

    model = Passenger
    extra = 0
    can_delete = False
    fields = [
        "position",
        "type",
        "given_name",
        "family_name",
        "name_icao",
        "birth_year",
        "travel_document",
        "ticket_number",
    ]
    readonly_fields = fields

    @admin.display(description="Name on the ticket (ICAO 9303)")
    def name_icao(self, passenger: Passenger) -> str:
        return passenger.name_icao

    @admin.display(description="Born")
    def birth_year(self, passenger: Passenger) -> str:
        return mask_date(passenger.date_of_birth) or "—"

    @admin.display(description="Travel document")
    def travel_document(self, passenger: Passenger) -> str:
        if not passenger.document_number:
            return "—"
        return (
            f"{passenger.get_document_type_display()} {mask_document_number(passenger.document_number)}, "
            f"issued by {passenger.document_country}, nationality {passenger.nationality}, "
            f"expires {mask_date(passenger.document_expires_on) or '—'}"
        )

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class SegmentInline(admin.TabularInline):
    model = Segment
    extra = 0
    can_delete = False
    readonly_fields = ["slice_index", "position", "flight", "fare_class", "fare_code", "fare_brand", "amount"]


class BookingEventInline(admin.TabularInline):
    model = BookingEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "actor_label", "kind", "detail"]
    exclude = ["actor"]


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    """Read-only: bookings change only through services, here through the actions."""

    list_display = ["locator", "status", "contact_email", "total_amount", "currency", "created_at"]
    list_filter = ["status", "cabin", "partner", "api_key"]
    search_fields = [
        "locator",
        "contact_email",
        "passengers__family_name",
        "passengers__given_name",
        "passengers__family_name_icao",
    ]
    readonly_fields = [*(f.name for f in Booking._meta.fields), "seats"]
    inlines = [PassengerInline, SegmentInline, BookingEventInline]
    actions = ["cancel_bookings", "resend_confirmation"]

    @admin.action(description="Cancel the selected bookings (refund by the fare rules)")
    def cancel_bookings(self, request, queryset) -> None:
        self._each(
            request, queryset, "admin_cancel", lambda b: services.booking_cancel(locator=b.locator, actor=request.user)
        )

    @admin.action(description="Resend the confirmation email")
    def resend_confirmation(self, request, queryset) -> None:
        self._each(
            request,
            queryset,
            "admin_resend_confirmation",
            lambda b: services.booking_confirmation_resend(locator=b.locator, actor=request.user),
        )

    @admin.display(description="Seats")
    def seats(self, booking: Booking) -> str:
        names = {p.pk: str(p) for p in booking.passengers.all()}
        assignments = inventory_selectors.seats_of_booking(reference=booking.locator)
        lines = [
            f"{names.get(passenger_id, passenger_id)}: {a.designator} (flight {a.flight_id}, {a.price} {a.currency})"
            for passenger_id, seats in assignments.items()
            for a in seats
        ]
        return "; ".join(lines) or "—"

    def get_queryset(self, request):
        # Staff see in the admin exactly what they may see anywhere: an agent their
        # partner's bookings and those they looked up; admins all.
        visible = selectors.bookings_visible_to(user=request.user).values("pk")
        return super().get_queryset(request).filter(pk__in=visible)

    def _each(self, request, queryset, name: str, action) -> None:
        done = 0
        for booking in queryset:
            try:
                action(booking)
                done += 1
                audit_record(actor=request.user, action=name, obj=booking)
            except DomainError as error:
                self.message_user(request, f"{booking.locator}: {error.detail}", messages.WARNING)
        if done:
            self.message_user(request, f"Done for {done} booking(s).", messages.SUCCESS)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(BookingAccessGrant)
class BookingAccessGrantAdmin(admin.ModelAdmin):
    """Read-only: who found which booking by locator and family name, and until when."""

    list_display = ["booking", "user", "granted_at", "expires_at", "live"]
    list_filter = [("granted_at", admin.DateFieldListFilter)]
    search_fields = ["booking__locator", "user__email"]
    list_select_related = ["booking", "user"]
    readonly_fields = ["booking", "user", "granted_at", "expires_at"]

    @admin.display(description="Live", boolean=True)
    def live(self, grant: BookingAccessGrant) -> bool:
        return grant.expires_at > clock.now()

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
