from django.contrib import admin

from apps.bookings.models import Booking, BookingEvent, Passenger, Segment


class PassengerInline(admin.TabularInline):
    model = Passenger
    extra = 0
    can_delete = False
    readonly_fields = ["position", "type", "given_name", "family_name", "date_of_birth", "ticket_number"]


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
    """Read-only: bookings change through services (cancel and resend come with the bookings issue)."""

    list_display = ["locator", "status", "contact_email", "total_amount", "currency", "created_at"]
    list_filter = ["status", "cabin"]
    search_fields = ["locator", "contact_email", "passengers__family_name", "passengers__given_name"]
    readonly_fields = [f.name for f in Booking._meta.fields]
    inlines = [PassengerInline, SegmentInline, BookingEventInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
