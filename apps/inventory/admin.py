from django.contrib import admin

from apps.inventory.models import FareClass, Hold


@admin.register(FareClass)
class FareClassAdmin(admin.ModelAdmin):
    list_display = ["flight", "cabin", "code", "brand", "price", "currency", "capacity", "sold"]
    list_filter = ["cabin", "brand"]
    search_fields = ["flight__number", "flight__airline__iata_code"]
    list_select_related = ["flight__airline", "flight__origin", "flight__destination"]
    raw_id_fields = ["flight"]
    # Seats sold move only through bookings, never by hand.
    readonly_fields = ["sold"]


@admin.register(Hold)
class HoldAdmin(admin.ModelAdmin):
    list_display = ["reference", "fare_class", "quantity", "status", "expires_at"]
    list_filter = ["status"]
    search_fields = ["reference"]
    raw_id_fields = ["fare_class"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False
