from django.contrib import admin

from apps.core.admin_audit import AuditedAdminMixin
from apps.flights.models import AircraftType, Airline, Airport, Flight


@admin.register(Airport)
class AirportAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["iata_code", "name", "city", "country", "time_zone"]
    search_fields = ["iata_code", "name", "city"]
    list_filter = ["country"]


@admin.register(Airline)
class AirlineAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["iata_code", "name", "ticket_prefix"]
    search_fields = ["iata_code", "name"]


@admin.register(AircraftType)
class AircraftTypeAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name"]


@admin.register(Flight)
class FlightAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "departure_at", "arrival_at", "aircraft", "status"]
    list_filter = ["status", "airline", "departure_date"]
    search_fields = ["number", "origin__iata_code", "destination__iata_code"]
    list_select_related = ["airline", "origin", "destination", "aircraft"]
    raw_id_fields = ["origin", "destination"]
    date_hierarchy = "departure_date"
