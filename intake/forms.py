"""Intake step forms, generated from the question catalogue: convert, then validate by schema.

The forms never judge an answer themselves: they turn the POSTed strings into JSON-native
answers (`answers_from_post`) and let `questions.validate_answers` decide, so the web form and
the `screen` command share one set of rules.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, ClassVar, cast

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from .questions import (
    SECTIONS_BY_CODE,
    Question,
    Section,
    answers_from_post,
    validate_answers,
)

YES_NO = (("true", _("Yes")), ("false", _("No")))
# Pain scales (0 to 10) are shown as a row of large buttons; other numbers as text inputs.
SCALE_MAX = 10


def posted_value(value: object) -> str:
    """A stored JSON-native answer as the string the form posts for it."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "" if value is None else str(value)


@dataclass
class Field:
    """One question as the template renders it: ids, current value(s) and errors."""

    question: Question
    value: str
    values: list[str]
    errors: list[str]

    @property
    def code(self) -> str:
        return self.question.code

    @property
    def id(self) -> str:
        return f"id_{self.code}"

    @property
    def first_input_id(self) -> str:
        """The id an error-summary link points at (the first radio or box of a group)."""
        return f"{self.id}_0" if self.is_group else self.id

    @property
    def widget(self) -> str:
        q = self.question
        if q.kind == "int" and q.min_value == 0 and q.max_value == SCALE_MAX:
            return "scale"
        if q.kind == "bool":
            return "checkbox" if q.must_be_true else "yesno"
        if q.kind in ("choice", "multi"):
            return "radios" if q.kind == "choice" else "checkboxes"
        if q.kind == "text" and (q.max_length or 0) > 200:
            return "textarea"
        return "input"

    @property
    def is_group(self) -> bool:
        return self.widget in ("scale", "yesno", "radios", "checkboxes")

    @property
    def choices(self) -> list[tuple[str, str]]:
        q = self.question
        if self.widget == "scale":
            return [(str(n), str(n)) for n in range(0, SCALE_MAX + 1)]
        if q.kind == "bool":
            return [(value, str(label)) for value, label in YES_NO]
        return [(value, str(label)) for value, label in q.choices]

    @property
    def input_type(self) -> str:
        return {"email": "email", "phone": "tel", "date": "date"}.get(self.question.kind, "text")

    @property
    def inputmode(self) -> str:
        return {"int": "numeric", "decimal": "decimal"}.get(self.question.kind, "")

    @property
    def autocomplete(self) -> str:
        return {
            "first_name": "given-name",
            "last_name": "family-name",
            "date_of_birth": "bday",
            "email": "email",
            "phone": "tel",
            "representative_name": "name",
            "signature": "name",
        }.get(self.code, "off")

    @property
    def describedby(self) -> str:
        ids = []
        if self.question.help_text:
            ids.append(f"{self.code}-hint")
        if self.question.when is not None:
            ids.append(f"{self.code}-condition")
        if self.errors:
            ids.append(f"{self.code}-error")
        return " ".join(ids)

    @property
    def condition_value(self) -> str:
        when = self.question.when
        return posted_value(when.value) if when is not None else ""


class SectionForm(forms.Form):
    """One intake step. Subclasses (one per section) come from `form_for_section`."""

    section: ClassVar[Section]

    def __init__(
        self,
        data: Any = None,
        *,
        answers: Mapping[str, Any] | None = None,
        screening_date: date,
    ) -> None:
        super().__init__(data)
        self.stored = answers or {}
        self.screening_date = screening_date
        self.answers: dict[str, Any] = {}
        self.cleaned_answers: dict[str, Any] = {}

    def converted(self) -> dict[str, Any]:
        """The POSTed answers as JSON-native values, without validating them."""
        return answers_from_post(self._post(), section=self.section.code)

    def _post(self) -> QueryDict:
        # Bound step forms always get request.POST.
        return cast(QueryDict, self.data)

    def clean(self) -> dict[str, Any]:
        self.answers = self.converted()
        cleaned, errors = validate_answers(
            self.answers, screening_date=self.screening_date, sections=(self.section.code,)
        )
        for code, messages in errors.items():
            self.add_error(code if code in self.fields else None, messages)
        self.cleaned_answers = cleaned
        return self.cleaned_data

    def questions(self) -> Iterator[Field]:
        for q in self.section.questions:
            if self.is_bound:
                values = [str(v) for v in self._post().getlist(q.code)]
                errors = [str(e) for e in self.errors.get(q.code, [])]
            else:
                stored = self.stored.get(q.code)
                items = stored if isinstance(stored, list) else [stored]
                values = [posted_value(v) for v in items if v is not None]
                errors = []
            yield Field(q, values[0] if values else "", values, errors)

    def error_fields(self) -> list[Field]:
        return [field for field in self.questions() if field.errors]


def _form_field(question: Question) -> forms.Field:
    # No rules here: every field accepts any string; validate_answers decides.
    if question.kind == "multi":
        return forms.Field(required=False, widget=forms.CheckboxSelectMultiple)
    return forms.CharField(required=False, strip=False)


@cache
def form_for_section(code: str) -> type[SectionForm]:
    section = SECTIONS_BY_CODE[code]
    fields: dict[str, Any] = {q.code: _form_field(q) for q in section.questions}
    name = "".join(part.title() for part in code.split("_")) + "Form"
    return type(name, (SectionForm,), {"section": section, **fields})
