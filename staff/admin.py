"""Django admin: submissions (read-only, audited), their history, the audit trail and staff users.

Nothing here edits answers or deletes records: the admin is for looking things up and for the two
bulk actions, which go through the same code as the staff pages.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from consults.locations import visible_submissions
from intake import audit, workflow
from intake.models import (
    QUEUE_ORDER,
    AuditEvent,
    CaseNote,
    ContactAttempt,
    ScreeningRecord,
    Submission,
)
from intake.search import search_submissions

from .display import answers_by_section, findings_of
from .export import csv_response


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ScreeningInline(ReadOnlyInline):
    model = ScreeningRecord
    fields = ("created_at", "outcome", "ruleset", "screening_date", "created_by")
    readonly_fields = fields
    verbose_name_plural = _("Screenings")


class ContactInline(ReadOnlyInline):
    model = ContactAttempt
    fields = ("at", "result", "by")
    readonly_fields = fields
    verbose_name_plural = _("Contact attempts")


class NoteInline(ReadOnlyInline):
    model = CaseNote
    fields = ("at", "kind", "text", "by")
    readonly_fields = fields
    verbose_name_plural = _("Reasons and notes")


class AuditInline(ReadOnlyInline):
    model = AuditEvent
    fields = ("at", "action", "actor", "ip_address", "detail")
    readonly_fields = fields
    verbose_name_plural = _("Audit trail")


class AuditedSearchMixin:
    """A list search is audited as one entry: which filters, never the words searched for."""

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)  # type: ignore[misc]
        if request.GET.get("q", "").strip() and response.status_code == 200:
            audit.record(
                audit.SEARCHED_SUBMISSIONS,
                request=request,
                search=True,
                via="admin",
                model=self.model._meta.model_name,  # type: ignore[attr-defined]
                filters=sorted(key for key in request.GET if key not in ("q", "p", "o")),
            )
        return response


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", str(_("Overdue")))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(workflow.overdue_q())
        return queryset


@admin.register(Submission)
class SubmissionAdmin(AuditedSearchMixin, admin.ModelAdmin):
    list_display = ("reference", "name", "outcome", "status", "submitted_at", "overdue")
    list_filter = ("outcome", "status", OverdueFilter, "cleared_for_consult", "submitted_at")
    # Shows the search box; the search itself is get_search_results (the queue's rules).
    search_fields = ("reference",)
    search_help_text = _("Name (any order), reference, phone (any form) or email.")
    date_hierarchy = "submitted_at"
    list_per_page = 50
    # No status actions here: statuses move only through the workflow (intake/workflow.py).
    actions = ["export_selected_as_csv"]
    inlines = [ScreeningInline, ContactInline, NoteInline, AuditInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Submission]:
        # The same location limits as the staff pages (docs/locations.md).
        return visible_submissions(super().get_queryset(request), request.user)

    fieldsets = (
        (None, {"fields": ("reference", "name", "status", "outcome", "screened_outcome")}),
        (
            _("Contact"),
            {"fields": ("email", "phone", "date_of_birth", "contact_due_at", "first_contact_at")},
        ),
        (_("Findings"), {"fields": ("findings",)}),
        (_("Answers"), {"fields": ("answers_in_words",)}),
        (
            _("Review"),
            {
                "fields": (
                    "override_reason",
                    "overridden_by",
                    "overridden_at",
                    "cleared_for_consult",
                    "clearance_reason",
                    "cleared_by",
                    "cleared_at",
                )
            },
        ),
        (
            _("Consent"),
            {
                "fields": (
                    "consent_version",
                    "signed_at",
                    "signature",
                    "ip_address",
                    "user_agent",
                )
            },
        ),
    )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Submission], search_term: str
    ) -> tuple[QuerySet[Submission], bool]:
        # The same rules as the staff queue: phone numbers in any form, names in any order.
        return search_submissions(queryset, search_term), False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [str(field) for _name, options in self.fieldsets for field in options["fields"]]

    @admin.display(description=_("name"), ordering="last_name")
    def name(self, obj: Submission) -> str:
        return obj.full_name

    @admin.display(description=_("overdue"), boolean=True)
    def overdue(self, obj: Submission) -> bool:
        return workflow.is_overdue(obj)

    @admin.display(description=_("findings"))
    def findings(self, obj: Submission) -> str:
        found = findings_of(obj.screenings.order_by("-created_at", "-pk").first())
        if not found:
            return str(_("No findings"))
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{}{}: {}</li>",
                (
                    (_("Red flag: ") if f.is_red_flag else "", f.outcome_label, f.reason)
                    for f in found
                ),
            ),
        )

    @admin.display(description=_("answers"))
    def answers_in_words(self, obj: Submission) -> str:
        return format_html_join(
            "",
            "<h4>{}</h4><dl>{}</dl>",
            (
                (
                    section.title,
                    format_html_join(
                        "", "<dt>{}</dt><dd>{}</dd>", ((a.label, a.value) for a in section.answers)
                    ),
                )
                for section in answers_by_section(obj.answers)
            ),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # submissions come only from the patient form

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # removal is the retention purge's job, never a click

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The change page is view-only; the permission still enables "mark contacted".
        return obj is None and super().has_change_permission(request)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("intake.export_submission")

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            submission = self.get_object(request, unquote(object_id))
            audit.record(
                audit.VIEWED_SUBMISSION, request=request, submission=submission, via="admin"
            )
        return response

    @admin.action(description=_("Export selected as CSV"), permissions=["export"])
    def export_selected_as_csv(
        self, request: HttpRequest, queryset: QuerySet[Submission]
    ) -> StreamingHttpResponse:
        response, count = csv_response(queryset.order_by(*QUEUE_ORDER))
        audit.record(audit.EXPORTED_SUBMISSIONS, request=request, count=count, via="admin")
        return response


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit trail: readable by clinic admins, changeable by nobody."""

    list_display = ("at", "action", "actor", "submission", "ip_address")
    list_filter = ("action", "at")
    search_fields = ("submission__reference", "actor__username", "action")
    date_hierarchy = "at"
    list_select_related = ("actor", "submission")


@admin.register(ScreeningRecord)
class ScreeningRecordAdmin(AuditedSearchMixin, ReadOnlyAdmin):
    list_display = ("submission", "outcome", "ruleset", "screening_date", "created_at")
    list_filter = ("outcome", "ruleset")
    search_fields = ("submission__reference",)
    list_select_related = ("submission",)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        # The findings on this page are health data: audited as a view of the submission.
        response = super().change_view(request, object_id, form_url, extra_context)
        record = self.get_object(request, unquote(object_id))
        if request.method == "GET" and response.status_code == 200 and record is not None:
            audit.record(
                audit.VIEWED_SUBMISSION,
                request=request,
                submission=record.submission,
                via="admin",
                screening=record.pk,
            )
        return response
