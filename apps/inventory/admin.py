from django import forms
from django.contrib import admin

from apps.core.admin_audit import AuditedAdminMixin
from apps.flights.admin import FlightAdmin
from apps.flights.models import Flight
from apps.inventory.models import FareClass, Hold, SeatAssignment


class FareClassForm(forms.ModelForm):
    """Fares are edited by hand; the seats sold move only through bookings."""

    class Meta:
        model = FareClass
        fields = ["cabin", "code", "brand", "price", "currency", "capacity", "refundable", "change_fee", "checked_bags"]

    def clean_capacity(self) -> int:
        capacity = self.cleaned_data["capacity"]
        if self.instance.pk and capacity < self.instance.sold:
            raise forms.ValidationError(f"{self.instance.sold} seats are already sold in this class.")
        return capacity


@admin.register(FareClass)
class FareClassAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = FareClassForm
    list_display = ["flight", "cabin", "code", "brand", "price", "currency", "capacity", "sold"]
    list_filter = ["cabin", "brand"]
    search_fields = ["flight__number", "flight__airline__iata_code"]
    list_select_related = ["flight__airline", "flight__origin", "flight__destination"]
    raw_id_fields = ["flight"]
    readonly_fields = ["sold"]


class FareClassInline(admin.TabularInline):
    model = FareClass
    form = FareClassForm
    extra = 0
    readonly_fields = ["sold"]
    can_delete = False


# Flights are registered by the flights app, which may not know about fares: add them here.
admin.site.unregister(Flight)


@admin.register(Flight)
class FlightWithFaresAdmin(FlightAdmin):
    inlines = [FareClassInline]


@admin.register(Hold)
class HoldAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["reference", "fare_class", "quantity", "status", "expires_at"]
    list_filter = ["status"]
    search_fields = ["reference"]
    raw_id_fields = ["fare_class"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SeatAssignment)
class SeatAssignmentAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["reference", "flight", "designator", "price", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["reference", "designator"]
    raw_id_fields = ["flight"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False
