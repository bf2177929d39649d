"""Intake step forms, generated from the question catalogue: convert, then validate by schema.

The forms never judge an answer themselves: they turn the POSTed strings into JSON-native
answers (`answers_from_post`) and let `questions.validate_answers` decide, so the web form and
the `screen` command share one set of rules.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache, cached_property, lru_cache
from html import escape
from typing import Any, ClassVar, cast

from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from . import units
from .questions import (
    QUESTIONS,
    SECTIONS_BY_CODE,
    Question,
    Section,
    answers_from_post,
    validate_answers,
)

YES_NO = (("true", _("Yes")), ("false", _("No")))
# Pain scales (0 to 10) are shown as a row of large buttons; other numbers as text inputs.
SCALE_MAX = 10
# Choices whose labels are all at most this long (in English) sit side by side.
SHORT_LABEL = 20


def posted_value(value: object) -> str:
    """A stored JSON-native answer as the string the form posts for it."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "" if value is None else str(value)


AUTOCOMPLETE = {
    "first_name": "given-name",
    "last_name": "family-name",
    "date_of_birth": "bday",
    "email": "email",
    "phone": "tel",
    "representative_name": "name",
    "signature": "name",
}
INPUT_TYPES = {"email": "email", "phone": "tel", "date": "date"}
INPUT_MODES = {"int": "numeric", "decimal": "decimal"}


def widget_for(q: Question) -> str:
    if q.code in units.MEASURED:
        return "measure"
    if q.kind == "int" and q.min_value == 0 and q.max_value == SCALE_MAX:
        return "scale"
    if q.kind == "bool":
        return "checkbox" if q.must_be_true else "yesno"
    if q.kind == "choice" and max(len(str(label)) for _value, label in q.choices) <= SHORT_LABEL:
        return "inline"  # short answers side by side: a phone shows them in a row or two
    if q.kind in ("choice", "multi"):
        return "radios" if q.kind == "choice" else "checkboxes"
    if q.kind == "text" and (q.max_length or 0) > 200:
        return "textarea"
    return "input"


QUESTION_TEMPLATE = "intake/includes/question.html"

SCALE_OPTION = (
    '<input class="btn-check" type="{kind}" name="{name}" id="{id}" value="{value}"{checked}>'
    '<label class="btn btn-outline-primary" for="{id}">{label}</label>\n'
)
CHECK_OPTION = (
    '<div class="form-check"><input class="form-check-input" type="{kind}" name="{name}"'
    ' id="{id}" value="{value}"{checked}><label class="form-check-label" for="{id}">{label}'
    "</label></div>\n"
)


@dataclass(frozen=True)
class Shape:
    """What never changes about a question's markup in one language; worked out once."""

    label: str
    help_text: str
    condition: str
    condition_value: str
    widget: str
    is_group: bool
    first_input_id: str
    input_type: str
    inputmode: str
    autocomplete: str
    hint_ids: tuple[str, ...]
    # Each choice as (value, its HTML unchecked, its HTML checked).
    options: tuple[tuple[str, str, str], ...]
    # The values the question's markup can show checked: all there is to it besides the shape.
    option_values: frozenset[str]


def _choices(q: Question, widget: str) -> list[tuple[str, str]]:
    if widget == "scale":
        return [(str(n), str(n)) for n in range(0, SCALE_MAX + 1)]
    if q.kind == "bool" and not q.must_be_true:
        return [(value, str(label)) for value, label in YES_NO]
    return [(value, str(label)) for value, label in q.choices]


def respondent_is_other(answers: Mapping[str, Any]) -> bool:
    """Whether someone other than the patient fills in the form (the wording is third person)."""
    completed_by = answers.get("completed_by")
    return isinstance(completed_by, str) and completed_by != "self"


@lru_cache(maxsize=1024)
def shape_of(code: str, language: str | None, other: bool = False) -> Shape:
    q = QUESTIONS[code]
    widget = widget_for(q)
    is_group = widget in ("scale", "yesno", "inline", "radios", "checkboxes")
    pattern = SCALE_OPTION if widget == "scale" else CHECK_OPTION
    kind = "checkbox" if widget == "checkboxes" else "radio"
    options = []
    for n, (value, label) in enumerate(_choices(q, widget)):
        parts = {
            "kind": kind,
            "name": escape(code),
            "id": escape(f"id_{code}_{n}"),
            "value": escape(value),
            "label": escape(label),
        }
        options.append(
            (
                value,
                pattern.format(checked="", **parts),
                pattern.format(checked=" checked", **parts),
            )
        )
    help_text = q.help_for(other)
    hint_ids = [f"{code}-hint"] if help_text else []
    if q.when is not None:
        hint_ids.append(f"{code}-condition")
    return Shape(
        label=str(q.label_for(other)),
        help_text=str(help_text),
        condition=str(q.when.description) if q.when is not None else "",
        condition_value=posted_value(q.when.value) if q.when is not None else "",
        widget=widget,
        is_group=is_group,
        first_input_id=f"id_{code}_0" if is_group else f"id_{code}",
        input_type=INPUT_TYPES.get(q.kind, "text"),
        inputmode=INPUT_MODES.get(q.kind, ""),
        autocomplete=AUTOCOMPLETE.get(code, "off"),
        hint_ids=tuple(hint_ids),
        options=tuple(options),
        option_values=frozenset(
            ["true"] if widget == "checkbox" else [value for value, _html, _checked in options]
        ),
    )


@lru_cache(maxsize=4096)
def _rendered_question(
    code: str, language: str | None, values: tuple[str, ...], other: bool, unit: str
) -> SafeString:
    """A question without errors; `unit` is part of the key because the clinic's default
    unit (a setting) decides which unit a blank measured question shows."""
    field = Field(QUESTIONS[code], list(values), [], other=other)
    return render_to_string(QUESTION_TEMPLATE, {"f": field})


class Field:
    """One question as the template renders it: its shape, current value(s) and errors."""

    def __init__(
        self, question: Question, values: list[str], errors: list[str], *, other: bool = False
    ) -> None:
        self.question = question
        self.other = other
        self.code = question.code
        self.id = f"id_{self.code}"
        self.values = values
        self.value = values[0] if values else ""
        self.errors = errors
        shape = self.shape = shape_of(self.code, get_language(), other)
        self.label, self.help_text, self.widget = shape.label, shape.help_text, shape.widget
        self.condition, self.condition_value = shape.condition, shape.condition_value
        self.is_group, self.first_input_id = shape.is_group, shape.first_input_id
        self.input_type, self.inputmode = shape.input_type, shape.inputmode
        self.autocomplete = shape.autocomplete
        ids = shape.hint_ids + ((f"{self.code}-error",) if errors else ())
        self.describedby = " ".join(ids)
        self.measure: units.MeasureInputs | None = None

    @property
    def unit_field(self) -> str:
        return units.UNIT_FIELD[self.code]

    @property
    def unit_choices(self) -> list[tuple[str, str, bool]]:
        """(value, label, checked) of a measured question's unit radios."""
        chosen = self.measure.unit if self.measure else units.default_unit(self.code)
        return [
            (value, str(label), value == chosen) for value, label in units.UNIT_CHOICES[self.code]
        ]

    @property
    def html(self) -> SafeString:
        """The question's markup. A question without errors that is blank, or a choice
        question, is rendered once per language and set of checked values, then reused:
        rendering each question afresh was the largest part of serving a step. Typed answers
        are rendered each time (they are the patient's own words)."""
        if not self.errors and (self._is_blank or self._is_plain_choice):
            return _rendered_question(
                self.code, get_language(), tuple(self.values), self.other, self._unit
            )
        return render_to_string(QUESTION_TEMPLATE, {"f": self})

    @property
    def _is_plain_choice(self) -> bool:
        choice = self.shape.option_values and (self.widget == "checkbox" or self.is_group)
        return bool(choice) and self.shape.option_values.issuperset(self.values)

    @property
    def _is_blank(self) -> bool:
        if any(self.values):
            return False
        if self.measure is None:
            return True
        return self.measure.unit == self._unit and not any(self.measure.values.values())

    @property
    def _unit(self) -> str:
        """The unit a blank measured question shows checked ("" for other questions)."""
        return units.default_unit(self.code) if self.code in units.MEASURED else ""

    @property
    def options_html(self) -> SafeString:
        """The radios or boxes of a group; built here, not in a template loop, for speed."""
        chosen = set(self.values)
        return mark_safe(  # noqa: S308 - every part was escaped in shape_of
            "".join(
                checked if value in chosen else plain
                for value, plain, checked in self.shape.options
            )
        )


class SectionForm:
    """One intake step. Subclasses (one per section) come from `form_for_section`.

    Not a Django form: every answer is a string the schema judges, so per-field Django
    validation had nothing to add, and copying a field per question on every request cost
    more than the rest of the form."""

    section: ClassVar[Section]

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        answers: Mapping[str, Any] | None = None,
        screening_date: date,
    ) -> None:
        self.data = data
        self.is_bound = data is not None
        self.stored = answers or {}
        self.screening_date = screening_date
        self.answers: dict[str, Any] = {}
        self.cleaned_answers: dict[str, Any] = {}
        self._errors: dict[str, list[str]] | None = None

    @property
    def errors(self) -> dict[str, list[str]]:
        """Messages by question code; empty until the form is bound."""
        if self._errors is None:
            self._errors = self._validate() if self.is_bound else {}
        return self._errors

    def is_valid(self) -> bool:
        return self.is_bound and not self.errors

    def converted(self) -> dict[str, Any]:
        """The POSTed answers as JSON-native values, without validating them."""
        return answers_from_post(self._post(), section=self.section.code)

    def _post(self) -> QueryDict:
        # Bound step forms always get request.POST.
        return cast(QueryDict, self.data)

    def _validate(self) -> dict[str, list[str]]:
        self.answers = self.converted()
        cleaned, errors = validate_answers(
            self.answers, screening_date=self.screening_date, sections=(self.section.code,)
        )
        self.cleaned_answers = cleaned
        messages = {code: [str(message) for message in found] for code, found in errors.items()}
        for code in units.MEASURED.intersection(messages):
            # A number out of range is told in the unit the patient typed it in.
            q, unit = QUESTIONS[code], units.chosen_unit(code, self._post())
            if unit and isinstance(self.answers.get(code), (int, float)):
                assert q.min_value is not None and q.max_value is not None
                told = units.range_message(code, unit, q.min_value, q.max_value)
                messages[code] = [told] if told else messages[code]
        return messages

    @cached_property
    def respondent_is_other(self) -> bool:
        return respondent_is_other(self.stored)

    @property
    def title(self) -> str:
        return str(self.section.title_for(self.respondent_is_other))

    @cached_property
    def questions(self) -> list[Field]:
        """Each question of the step, ready to render (after validation when bound)."""
        return list(self._fields())

    def _fields(self) -> Iterator[Field]:
        for q in self.section.questions:
            if self.is_bound:
                values = [str(v) for v in self._post().getlist(q.code)]
                errors = self.errors.get(q.code, [])
            else:
                stored = self.stored.get(q.code)
                items = stored if isinstance(stored, list) else [stored]
                values = [posted_value(v) for v in items if v is not None]
                errors = []
            field = Field(q, values, errors, other=self.respondent_is_other)
            if q.code in units.MEASURED:
                field.measure = (
                    units.inputs_from_post(q.code, self._post())
                    if self.is_bound
                    else units.inputs_from_stored(q.code, self.stored.get(q.code))
                )
            yield field

    @property
    def main_questions(self) -> list[Field]:
        return [field for field in self.questions if not _skippable(field.question)]

    @property
    def optional_questions(self) -> list[Field]:
        """Questions the patient may skip: shown folded at the end of the step, one line on a
        phone until opened (open when one of them has an error)."""
        return [field for field in self.questions if _skippable(field.question)]

    @property
    def optional_open(self) -> bool:
        return any(field.errors for field in self.optional_questions)

    def error_fields(self) -> list[Field]:
        return [field for field in self.questions if field.errors]


def _skippable(q: Question) -> bool:
    return not q.required and q.when is None and not q.must_be_true


@cache
def form_for_section(code: str) -> type[SectionForm]:
    name = "".join(part.title() for part in code.split("_")) + "Form"
    return type(name, (SectionForm,), {"section": SECTIONS_BY_CODE[code]})
