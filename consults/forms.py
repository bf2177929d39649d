"""Forms for availability (clinic admin), choosing a day, and cancelling with a reason."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intake.models import User

from .models import Chiropractor, Location, TimeOff, WorkingHours


class ChiropractorForm(forms.ModelForm):
    class Meta:
        model = Chiropractor
        fields = ["user", "display_name", "consult_minutes", "buffer_minutes", "is_active"]
        labels = {"user": _("Staff account")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user_field = self.fields["user"]
        assert isinstance(user_field, forms.ModelChoiceField)
        user_field.queryset = User.objects.filter(is_active=True).order_by("username")
        self.fields["consult_minutes"].widget.attrs.update(min=5, max=240)
        self.fields["buffer_minutes"].widget.attrs.update(min=0, max=120)

    def clean_consult_minutes(self) -> int:
        value = self.cleaned_data["consult_minutes"]
        if not 5 <= value <= 240:
            raise forms.ValidationError(_("Use between 5 and 240 minutes."))
        return value

    def clean_buffer_minutes(self) -> int:
        value = self.cleaned_data["buffer_minutes"]
        if value > 120:
            raise forms.ValidationError(_("Use at most 120 minutes."))
        return value


class WorkingHoursForm(forms.ModelForm):
    class Meta:
        model = WorkingHours
        fields = ["location", "weekday", "starts", "ends"]
        widgets = {
            "starts": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "ends": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args: Any, chiropractor: Chiropractor | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chiropractor = chiropractor
        # Where, only when there is a choice; otherwise the clinic's one location.
        places = list(Location.objects.filter(is_active=True))
        if len(places) > 1:
            field = self.fields["location"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = Location.objects.filter(is_active=True)
            field.empty_label = None
        else:
            del self.fields["location"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        starts, ends = cleaned.get("starts"), cleaned.get("ends")
        if starts and ends and ends <= starts:
            self.add_error("ends", _("The end must be later than the start."))
        elif starts and ends and self.chiropractor is not None and "weekday" in cleaned:
            clash = WorkingHours.objects.filter(
                chiropractor=self.chiropractor,
                weekday=cleaned["weekday"],
                starts__lt=ends,
                ends__gt=starts,
            ).first()
            if clash is not None:
                raise forms.ValidationError(
                    _("These hours overlap %(block)s. Change that block or choose other times."),
                    params={"block": str(clash)},
                )
        return cleaned


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class TimeOffForm(forms.ModelForm):
    class Meta:
        model = TimeOff
        fields = ["starts_at", "ends_at", "note"]
        widgets = {"starts_at": LocalDateTimeInput(), "ends_at": LocalDateTimeInput()}
        help_texts = {"starts_at": _("Clinic time.")}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end must be later than the start."))
        return cleaned


# Dates a person could mean. Python's dates stop at years 1 and 9999, so a day or a time zone
# shift past a typed 9999-12-31 would raise OverflowError (a 500) further on.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)


def is_sane_date(day: date) -> bool:
    return EARLIEST_DATE <= day <= LATEST_DATE


class SaneDateField(forms.DateField):
    """A date field that refuses days nobody means (and that would overflow date arithmetic)."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None and not is_sane_date(value):
            raise forms.ValidationError(
                _("Please enter a date between %(earliest)s and %(latest)s."),
                params={"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()},
            )


class DayForm(forms.Form):
    """Staff choose a chiropractor and a day to see free slots."""

    chiropractor = forms.ModelChoiceField(
        queryset=Chiropractor.objects.filter(is_active=True), label=_("Chiropractor")
    )
    day = SaneDateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    location = forms.ModelChoiceField(
        queryset=Location.objects.none(),
        label=_("Location"),
        required=False,
        empty_label=_("Any location"),
    )

    def __init__(self, *args: Any, locations: Sequence[Location] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A location to choose only where there is more than one (docs/locations.md).
        if len(locations) > 1:
            field = self.fields["location"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = Location.objects.filter(pk__in=[place.pk for place in locations])
        else:
            del self.fields["location"]


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PatientCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def parse_slot(value: str) -> tuple[int, datetime] | None:
    """A slot button's value, 'chiropractor-id|ISO start', or None when it is not one."""
    try:
        chiropractor, start = value.split("|", 1)
        moment = datetime.fromisoformat(start)
        if timezone.is_naive(moment) or not is_sane_date(moment.date()):
            return None
        return int(chiropractor), moment
    except (ValueError, TypeError):
        return None
