"""Django admin for chiropractors, their hours and time off, and consults (read-mostly)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .locations import forget_places
from .models import Chiropractor, Consult, Location, TimeOff, WorkingHours


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    """The clinic admin manages the places consults happen (docs/locations.md)."""

    list_display = ["name", "phone", "time_zone", "is_active"]
    list_filter = ["is_active"]
    fields = ["name", "address", "directions", "phone", "opening_hours", "time_zone", "is_active"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        forget_places()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        forget_places()

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        super().delete_queryset(request, queryset)
        forget_places()


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 1


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    extra = 0


@admin.register(Chiropractor)
class ChiropractorAdmin(admin.ModelAdmin):
    list_display = ["display_name", "user", "consult_minutes", "buffer_minutes", "is_active"]
    list_filter = ["is_active"]
    inlines = [WorkingHoursInline, TimeOffInline]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["chiropractor", "starts_at", "ends_at", "note"]
    list_filter = ["chiropractor"]


@admin.register(Consult)
class ConsultAdmin(admin.ModelAdmin):
    # Booking, moving and cancelling go through the staff pages so they are audited and emailed.
    list_display = ["starts_at", "chiropractor", "location", "status", "kind"]
    list_filter = ["status", "kind", "chiropractor", "location"]
    date_hierarchy = "starts_at"
    fields = (
        "chiropractor",
        "location",
        "starts_at",
        "ends_at",
        "kind",
        "status",
        "sequence",
        "booked_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
