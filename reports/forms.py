"""The dashboard's filters: a GET form, so a filtered view is a link that can be shared."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consults.forms import SaneDateField
from consults.models import Chiropractor
from intake.models import Outcome

from .figures import Filters

DEFAULT_WEEKS = 12
# Two years of weeks keeps the weekly chart readable and each chart under 30 KB.
LONGEST_RANGE = timedelta(days=2 * 366)


class DashboardFilterForm(forms.Form):
    start = SaneDateField(
        label=_("Submitted from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = SaneDateField(
        label=_("Submitted until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    chiropractor = forms.ModelChoiceField(
        queryset=Chiropractor.objects.all(),
        required=False,
        label=_("Chiropractor"),
        empty_label=_("All chiropractors"),
    )
    outcome = forms.ChoiceField(
        choices=[("", _("All outcomes")), *Outcome.choices], required=False, label=_("Outcome")
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        today = timezone.localdate()
        end = cleaned.get("end") or today
        start = cleaned.get("start") or end - timedelta(weeks=DEFAULT_WEEKS) + timedelta(days=1)
        if "start" in self.errors or "end" in self.errors:
            return cleaned
        if start > end:
            raise forms.ValidationError(_("The start date must be on or before the end date."))
        if end - start > LONGEST_RANGE:
            raise forms.ValidationError(_("Please choose a range of at most two years."))
        cleaned["start"], cleaned["end"] = start, end
        return cleaned

    def filters(self) -> Filters:
        """The filters from valid input (call after is_valid())."""
        data = self.cleaned_data
        return Filters(
            start=data["start"],
            end=data["end"],
            chiropractor=data.get("chiropractor"),
            outcome=data.get("outcome") or "",
        )
