"""Care records in the admin: read-only, for looking things up (changes go through the pages,
which audit them)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import AdverseEvent, ConsultResult, NeedlingSession, PlanVersion, TreatmentPlan


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ConsultResult)
class ConsultResultAdmin(ReadOnlyAdmin):
    list_display = ["submission", "decision", "by", "at"]


class PlanVersionInline(admin.TabularInline):
    model = PlanVersion
    extra = 0
    fields = ["number", "sessions_planned", "frequency", "session_minutes", "review_on", "by"]
    readonly_fields = [
        "number",
        "sessions_planned",
        "frequency",
        "session_minutes",
        "review_on",
        "by",
    ]
    can_delete = False


@admin.register(TreatmentPlan)
class TreatmentPlanAdmin(ReadOnlyAdmin):
    list_display = ["submission", "with_needling", "created_at", "finished_at"]
    exclude = ["link_key"]
    inlines = [PlanVersionInline]


@admin.register(NeedlingSession)
class NeedlingSessionAdmin(ReadOnlyAdmin):
    list_display = ["submission", "number", "date", "minutes", "safety_decision", "practitioner"]
    exclude = ["check_key"]


@admin.register(AdverseEvent)
class AdverseEventAdmin(ReadOnlyAdmin):
    list_display = ["submission", "kind", "severity", "occurred_on", "cleared_at"]
    list_filter = ["severity", "kind"]
