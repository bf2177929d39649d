"""Django admin for chiropractors, their hours and time off, and consults (read-mostly)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import Chiropractor, Consult, TimeOff, WorkingHours


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
    list_display = ["starts_at", "chiropractor", "status", "kind"]
    list_filter = ["status", "kind", "chiropractor"]
    date_hierarchy = "starts_at"
    fields = ("chiropractor", "starts_at", "ends_at", "kind", "status", "sequence", "booked_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
