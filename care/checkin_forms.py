"""The patient's outcome check-in (docs/care.md#outcomes): pain asked as at the intake, the
Patient-Specific Functional Scale, the global rating of change, home-programme adherence and
"anything new?"; then, after a "yes", a few of the intake's red-flag questions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from intake.questions import QUESTIONS

from .scores import PSFS_MAX_ACTIVITIES

# The intake's red-flag questions asked again after "something new" (their codes and wording,
# so intake/urgent.py screens them with the intake's urgent rules).
RED_FLAG_CODES = (
    "fever_unwell",
    "hot_red_swollen",
    "wound_or_ulcer",
    "can_bear_weight",
    "calf_swelling",
    "cold_pale_foot",
    "saddle_or_bladder",
    "foot_weakness",
)

# The global rating of change, −7 … +7 (Jaeschke et al. 1989's wording, in plain words).
GLOBAL_CHANGE_CHOICES = [
    (7, _("+7 A very great deal better")),
    (6, _("+6 A great deal better")),
    (5, _("+5 A good deal better")),
    (4, _("+4 Moderately better")),
    (3, _("+3 Somewhat better")),
    (2, _("+2 A little better")),
    (1, _("+1 A tiny bit better")),
    (0, _("0 About the same")),
    (-1, _("−1 A tiny bit worse")),
    (-2, _("−2 A little worse")),
    (-3, _("−3 Somewhat worse")),
    (-4, _("−4 Moderately worse")),
    (-5, _("−5 A good deal worse")),
    (-6, _("−6 A great deal worse")),
    (-7, _("−7 A very great deal worse")),
]
YES_NO = [(True, _("Yes")), (False, _("No"))]
ADHERENCE_CHOICES = [(n, str(n)) for n in range(8)]
PSFS_HELP = _("0 means you cannot do it at all. 10 means you can do it as well as before.")


def _yes_no(label: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value in (True, "True"),
        widget=forms.RadioSelect,
    )


def _score(label: Any, *, required: bool = True, help_text: Any = PSFS_HELP) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        min_value=0,
        max_value=10,
        required=required,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": 10}),
    )


class CheckInForm(forms.Form):
    """`activities`: the PSFS activities named at the baseline; none yet means this check-in is
    the baseline (the patient names them) and asks no rating of change."""

    def __init__(self, *args: Any, activities: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.baseline = not activities
        first_step, average = QUESTIONS["nprs_first_step"], QUESTIONS["nprs_average"]
        self.fields["nprs_first_step"] = _score(first_step.label, help_text=first_step.help_text)
        self.fields["nprs_average"] = _score(average.label, help_text=average.help_text)
        if self.baseline:
            for n in range(1, PSFS_MAX_ACTIVITIES + 1):
                self.fields[f"activity_{n}"] = forms.CharField(
                    label=_("Activity %(n)s that is hard because of your heel") % {"n": n},
                    help_text=_("For example: walking to work, standing at the sink, running.")
                    if n == 1
                    else _("Optional."),
                    max_length=80,
                    required=n == 1,
                )
                self.fields[f"score_{n}"] = _score(
                    _("How well can you do activity %(n)s now?") % {"n": n}, required=False
                )
        else:
            for n, activity in enumerate(activities, start=1):
                self.fields[f"score_{n}"] = _score(
                    _("How well can you do this now: %(activity)s?") % {"activity": activity},
                    required=False,
                )
            self.fields["global_change"] = forms.TypedChoiceField(
                label=_("Overall, how is your heel compared with before your treatment began?"),
                choices=GLOBAL_CHANGE_CHOICES,
                coerce=int,
                widget=forms.RadioSelect,
            )
        self.fields["adherence_days"] = forms.TypedChoiceField(
            label=_("On how many of the last 7 days did you do your home exercises?"),
            choices=ADHERENCE_CHOICES,
            coerce=int,
            widget=forms.RadioSelect(attrs={"class": "checkin-days"}),
        )
        self.fields["anything_new"] = _yes_no(
            _("Has anything new happened with your foot or your health since we last asked?")
        )
        self.fields["anything_new_text"] = forms.CharField(
            label=_("If yes, what is new?"),
            required=False,
            max_length=1000,
            widget=forms.Textarea(attrs={"rows": 3}),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.baseline:
            for n in range(1, PSFS_MAX_ACTIVITIES + 1):
                named = (data.get(f"activity_{n}") or "").strip()
                if named and data.get(f"score_{n}") is None and f"score_{n}" not in self.errors:
                    self.add_error(f"score_{n}", _("Please score this activity from 0 to 10."))
                if not named and data.get(f"score_{n}") is not None:
                    self.add_error(f"activity_{n}", _("Please name the activity you scored."))
        return data

    def activities(self) -> list[str]:
        return [
            self.cleaned_data[f"activity_{n}"].strip()
            for n in range(1, PSFS_MAX_ACTIVITIES + 1)
            if (self.cleaned_data.get(f"activity_{n}") or "").strip()
        ]

    def scores(self, count: int) -> list[int | None]:
        if self.baseline:
            return [
                self.cleaned_data.get(f"score_{n}")
                for n in range(1, PSFS_MAX_ACTIVITIES + 1)
                if (self.cleaned_data.get(f"activity_{n}") or "").strip()
            ]
        return [self.cleaned_data.get(f"score_{n}") for n in range(1, count + 1)]


class RedFlagForm(forms.Form):
    """The intake's own red-flag questions, asked again after "something new"."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code in RED_FLAG_CODES:
            question = QUESTIONS[code]
            field = _yes_no(question.label)
            field.help_text = question.help_text
            self.fields[code] = field
