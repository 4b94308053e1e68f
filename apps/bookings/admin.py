from django.contrib import admin, messages

from apps.bookings import services
from apps.bookings.models import Booking, BookingEvent, Passenger, Segment
from apps.core.errors import DomainError
from apps.inventory import selectors as inventory_selectors


class PassengerInline(admin.TabularInline):
    model = Passenger
    extra = 0
    can_delete = False
    readonly_fields = ["position", "type", "given_name", "family_name", "date_of_birth", "ticket_number"]
    # Travel documents stay out of the admin until they are encrypted and masked.
    exclude = ["document_number", "document_type", "document_country", "nationality", "document_expires_on"]


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
    list_filter = ["status", "cabin"]
    search_fields = ["locator", "contact_email", "passengers__family_name", "passengers__given_name"]
    readonly_fields = [*(f.name for f in Booking._meta.fields), "seats"]
    inlines = [PassengerInline, SegmentInline, BookingEventInline]
    actions = ["cancel_bookings", "resend_confirmation"]

    @admin.action(description="Cancel the selected bookings (refund by the fare rules)")
    def cancel_bookings(self, request, queryset) -> None:
        self._each(request, queryset, lambda b: services.booking_cancel(locator=b.locator, actor=request.user))

    @admin.action(description="Resend the confirmation email")
    def resend_confirmation(self, request, queryset) -> None:
        self._each(
            request, queryset, lambda b: services.booking_confirmation_resend(locator=b.locator, actor=request.user)
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

    def _each(self, request, queryset, action) -> None:
        done = 0
        for booking in queryset:
            try:
                action(booking)
                done += 1
            except DomainError as error:
                self.message_user(request, f"{booking.locator}: {error.detail}", messages.WARNING)
        if done:
            self.message_user(request, f"Done for {done} booking(s).", messages.SUCCESS)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
