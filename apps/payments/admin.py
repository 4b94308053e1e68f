from django.contrib import admin

from apps.payments.models import Payment


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["booking", "provider", "status", "amount", "currency", "provider_reference", "created_at"]
    list_filter = ["provider", "status"]
    search_fields = ["booking__locator", "provider_reference"]
    readonly_fields = [f.name for f in Payment._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
