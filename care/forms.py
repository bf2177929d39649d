"""Staff forms for care (crispy-rendered) and the patient's check after a session."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consults.models import Chiropractor
from intake.models import User

from . import exercises
from .models import (
    SESSION_MINUTES_MAX,
    SESSION_MINUTES_MIN,
    AdverseEvent,
    AftercareCheck,
    ConsultResult,
    NeedlingSession,
    PlanVersion,
)

YES_NO = [(True, _("Yes")), (False, _("No"))]


def _yes_no(label: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value in (True, "True"),
        widget=forms.RadioSelect,
    )


class DateInput(forms.DateInput):
    input_type = "date"


class ResultForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("The consult's result"),
        choices=ConsultResult.Decision.choices,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason for referring on"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when referring the patient on."),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if (
            data.get("decision") == ConsultResult.Decision.REFER
            and not (data.get("reason") or "").strip()
        ):
            self.add_error("reason", _("Please give the reason for referring the patient on."))
        return data


class PlanForm(forms.Form):
    sessions_planned = forms.IntegerField(
        label=_("Needling sessions planned"), min_value=1, max_value=20, initial=6
    )
    frequency = forms.ChoiceField(
        label=_("How often"),
        choices=PlanVersion.Frequency.choices,
        initial=PlanVersion.Frequency.WEEKLY,
    )
    session_minutes = forms.IntegerField(
        label=_("Session length (minutes)"),
        min_value=SESSION_MINUTES_MIN,
        max_value=SESSION_MINUTES_MAX,
        initial=30,
    )
    exercises = forms.MultipleChoiceField(
        label=_("Home programme"),
        choices=exercises.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    footwear = forms.CharField(
        label=_("Footwear and insoles"),
        widget=forms.Textarea(attrs={"rows": 2}),
        initial=_("Supportive, cushioned shoes with a slight heel; avoid walking barefoot."),
    )
    load_changes = forms.CharField(
        label=_("Load and lifestyle changes"),
        widget=forms.Textarea(attrs={"rows": 2}),
        initial=_("Swap some walking or running for cycling or swimming while the heel settles."),
    )
    review_on = forms.DateField(label=_("Review date"), widget=DateInput)

    def __init__(self, *args: Any, with_needling: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_needling:
            # An exercise-only plan: no sessions to plan.
            for name in ("sessions_planned", "frequency", "session_minutes"):
                del self.fields[name]

    def clean_review_on(self) -> Any:
        review_on = self.cleaned_data["review_on"]
        if review_on < timezone.localdate():
            raise forms.ValidationError(_("The review date cannot be in the past."))
        return review_on


class SessionForm(forms.Form):
    # The safety check comes first: what has changed since the intake.
    new_blood_thinners = _yes_no(_("Started blood thinners since the intake?"))
    pregnancy = _yes_no(_("Pregnant, or might be?"))
    fever_or_unwell = _yes_no(_("Fever, or feeling unwell today?"))
    skin_broken_or_infected = _yes_no(_("Broken skin or infection where we would needle?"))
    new_implants = _yes_no(_("New implants (for example a pacemaker or joint) since the intake?"))
    safety_decision = forms.ChoiceField(
        label=_("Your decision, if any answer is yes"),
        choices=[("", _("— no answer is yes —")), *NeedlingSession.SafetyDecision.choices[1:]],
        required=False,
    )
    safety_reason = forms.CharField(
        label=_("Reason for your decision"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    date = forms.DateField(label=_("Date"), widget=DateInput)
    minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=1, max_value=120, required=False
    )
    minutes_confirmed = forms.BooleanField(
        label=_("I confirm this duration outside 15–45 minutes"), required=False
    )
    areas = forms.MultipleChoiceField(
        label=_("Areas treated"),
        choices=NeedlingSession.Area.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    other_area = forms.CharField(label=_("Other area"), max_length=100, required=False)
    practitioner = forms.ModelChoiceField(label=_("Practitioner"), queryset=User.objects.none())
    notes = forms.CharField(
        label=_("Session notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    SAFETY = (
        "new_blood_thinners",
        "pregnancy",
        "fever_or_unwell",
        "skin_broken_or_infected",
        "new_implants",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        practitioner = self.fields["practitioner"]
        assert isinstance(practitioner, forms.ModelChoiceField)
        # Whoever may record care: chiropractors (by role), and anyone with a schedule.
        practitioner.queryset = (
            User.objects.filter(chiropractor_profile__isnull=False, is_active=True)
            | User.objects.filter(groups__permissions__codename="record_care", is_active=True)
        ).distinct()

    def clean_date(self) -> Any:
        day = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("A session cannot be recorded for a future date."))
        if day < timezone.localdate() - timedelta(days=30):
            raise forms.ValidationError(_("That date is more than 30 days ago."))
        return day

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        answers = [data.get(name) for name in self.SAFETY]
        if any(answer is None for answer in answers):
            return data  # the missing answers have their own errors
        decision = data.get("safety_decision") or ""
        if any(answers):
            if not decision:
                self.add_error(
                    "safety_decision",
                    _(
                        "The safety check has a “yes”: needling is held. Choose whether to "
                        "proceed (with a reason) or not to needle today."
                    ),
                )
                return data
            if not (data.get("safety_reason") or "").strip():
                self.add_error("safety_reason", _("Please give the reason for your decision."))
        else:
            decision = NeedlingSession.SafetyDecision.PASSED
        data["safety_decision"] = decision
        if decision == NeedlingSession.SafetyDecision.NOT_TODAY:
            return data
        minutes = data.get("minutes")
        if minutes is None:
            self.add_error("minutes", _("Please give the session's duration."))
        elif not SESSION_MINUTES_MIN <= minutes <= SESSION_MINUTES_MAX and not data.get(
            "minutes_confirmed"
        ):
            self.add_error(
                "minutes_confirmed",
                _("%(minutes)s minutes is outside 15–45 minutes: please confirm it.")
                % {"minutes": minutes},
            )
        areas = data.get("areas") or []
        if not areas:
            self.add_error("areas", _("Please choose the areas treated."))
        if NeedlingSession.Area.OTHER in areas and not (data.get("other_area") or "").strip():
            self.add_error("other_area", _("Please name the other area."))
        return data


class AdverseEventForm(forms.Form):
    session = forms.ModelChoiceField(
        label=_("Session"),
        queryset=NeedlingSession.objects.none(),
        required=False,
        empty_label=_("Reported later, not during a session"),
    )
    occurred_on = forms.DateField(label=_("When it happened"), widget=DateInput)
    kind = forms.ChoiceField(label=_("What happened"), choices=AdverseEvent.Kind.choices)
    severity = forms.ChoiceField(
        label=_("Severity"),
        choices=AdverseEvent.Severity.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Mild: short-lived, no change to daily life (bruising, soreness for a day or two). "
            "Significant: needed medical care, changed daily life, or lasted beyond a few days. "
            "A significant event puts needling on hold until a chiropractor clears it."
        ),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    action_taken = forms.CharField(
        label=_("Action taken"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, sessions: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        session = self.fields["session"]
        if sessions is not None and isinstance(session, forms.ModelChoiceField):
            session.queryset = sessions

    def clean_occurred_on(self) -> Any:
        day = self.cleaned_data["occurred_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class BookSessionForm(forms.Form):
    chiropractor = forms.ModelChoiceField(
        label=_("Chiropractor"), queryset=Chiropractor.objects.filter(is_active=True)
    )
    starts_at = forms.DateTimeField(
        label=_("Start"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("A free time on the chiropractor's booking grid."),
    )


class CheckForm(forms.Form):
    feeling = forms.ChoiceField(
        label=_("How is your heel compared with before the session?"),
        choices=AftercareCheck.Feeling.choices,
        widget=forms.RadioSelect,
    )
    spreading_redness = _yes_no(_("Is there redness that is spreading where the needles went in?"))
    warmth_or_swelling = _yes_no(_("Is the area hot or swollen?"))
    pus = _yes_no(_("Is there pus or fluid coming from the skin?"))
    fever = _yes_no(_("Do you have a fever or feel shivery and unwell?"))
