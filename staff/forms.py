"""Forms of the staff pages: the queue filters and the actions on one submission."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consults.forms import SaneDateField
from consults.locations import case_at
from consults.models import Location
from intake.models import OPEN_STATUSES, QUEUE_ORDER, ContactAttempt, Outcome, Status, Submission
from intake.search import search_submissions
from intake.workflow import CLEARANCE_NEEDS_REASON, MENU_MOVES, overdue_q

OPEN = "open"
ALL = "all"
SEARCH_MAX_LENGTH = 100


class QueueFilterForm(forms.Form):
    """The queue's filters and search, read from the query string (GET)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        help_text=_("Name, reference, phone or email."),
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False, choices=[("", _("Any outcome")), *Outcome.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[(OPEN, _("Open (not closed)")), (ALL, _("Any status")), *Status.choices],
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    submitted_from = SaneDateField(
        label=_("Submitted from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    submitted_to = SaneDateField(
        label=_("Submitted to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    location = forms.TypedChoiceField(label=_("Location"), required=False, coerce=int)

    def __init__(self, *args: Any, locations: Sequence[Location] = (), **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        # A location filter only where there is a choice (docs/locations.md).
        if len(locations) > 1:
            choices = [("", _("Any location")), *((place.pk, place.name) for place in locations)]
            location_field = self.fields["location"]
            assert isinstance(location_field, forms.TypedChoiceField)
            location_field.choices = choices
        else:
            del self.fields["location"]
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select"
            else:
                widget.attrs["class"] = "form-control"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("submitted_from"), cleaned.get("submitted_to")
        if start and end and start > end:
            self.add_error("submitted_to", _("The end date is before the start date."))
        return cleaned

    def filter(self, submissions: QuerySet[Submission]) -> QuerySet[Submission]:
        """The submissions matching the valid filters (invalid ones are ignored, and shown)."""
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        status = data.get("status") or OPEN
        if status == OPEN:
            submissions = submissions.filter(status__in=OPEN_STATUSES)
        elif status != ALL:
            submissions = submissions.filter(status=status)
        if data.get("outcome"):
            submissions = submissions.filter(outcome=data["outcome"])
        if data.get("overdue"):
            submissions = submissions.filter(overdue_q())
        # Whole days in the clinic's time zone, as ranges so the submitted_at index is used.
        if data.get("submitted_from"):
            submissions = submissions.filter(submitted_at__gte=_start_of(data["submitted_from"]))
        if data.get("submitted_to"):
            next_day = data["submitted_to"] + timedelta(days=1)
            submissions = submissions.filter(submitted_at__lt=_start_of(next_day))
        if data.get("location"):
            submissions = submissions.filter(case_at([data["location"]]))
        submissions = search_submissions(submissions, data.get("q") or "")
        return submissions.order_by(*QUEUE_ORDER)

    def widened(self) -> QueryDict:
        """This search and these filters over every status: the one link an empty result offers."""
        query = QueryDict(mutable=True)
        query.update({k: v for k, v in (self.data or {}).items() if k not in ("status", "after")})
        query["status"] = ALL
        return query

    def audit_detail(self) -> dict[str, Any]:
        """The filters for an audit entry: codes only (the search text may be a name)."""
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        return {
            "outcome": data.get("outcome") or "",
            "status": data.get("status") or OPEN,
            "overdue": bool(data.get("overdue")),
            "searched": bool(data.get("q")),
            **({"location": data["location"]} if data.get("location") else {}),
        }


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class ContactForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result of the call"),
        choices=ContactAttempt.Result.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class StatusForm(forms.Form):
    """Closing a case from the status menu: only the moves the workflow offers, with a reason."""

    to = forms.ChoiceField(label=_("Close the case as"))
    reason = forms.CharField(
        label=_("Reason for closing"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, submission: Submission, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.submission = submission
        field = self.fields["to"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(s, Status(s).label) for s in MENU_MOVES[submission.status]]

    def clean_to(self) -> str:
        return str(self.cleaned_data["to"])


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class OverrideForm(forms.Form):
    outcome = forms.ChoiceField(label=_("New outcome"), choices=Outcome.choices)
    reason = forms.CharField(
        label=_("Reason for the override"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ClearanceForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for clearing"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, submission: Submission, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.submission = submission
        self.reason_required = submission.outcome in CLEARANCE_NEEDS_REASON
        self.fields["reason"].required = self.reason_required
        if not self.reason_required:
            self.fields["reason"].label = _("Reason for clearing (optional)")
