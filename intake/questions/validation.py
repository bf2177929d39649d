"""Validating answer sets against the catalogue: the one copy of every rule of QUESTIONS.md."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.formats import get_format, number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clinic.dates import long_date, plain_date
from intake import units
from screening import Policy, Result, age_on, screen

if TYPE_CHECKING:
    from django.utils.datastructures import MultiValueDict
    from django.utils.functional import _StrPromise

    StrOrPromise = str | _StrPromise

from .catalogue import (
    NONE_VALUE,
    QUESTIONS,
    SCREENED_SECTIONS,
    SECTIONS,
    SECTIONS_BY_CODE,
    Number,
    Question,
)

# In the `screen` command's mode (contact_required=False) only these codes of the contact
# sections are required (representative_name when its condition holds).
CONTACT_SECTIONS = frozenset({"respondent", "about"})
CONTACT_OPTIONAL_REQUIRED = frozenset({"date_of_birth", "completed_by", "representative_name"})

# Error messages: plain language, shown to patients by the form and to staff by `screen`.
MSG_REQUIRED = _("Please answer this question.")
MSG_NULL = _("An empty value (null) is not an answer. Leave the question out instead.")
MSG_UNKNOWN = _("This is not a question on our form.")
MSG_NOT_APPLICABLE = _("Leave this out: it only applies when %(condition)s.")
MSG_TEXT = _("Please type your answer as text.")
MSG_TOO_LONG = _("Please use at most %(max)d characters (you used %(count)d).")
MSG_EMAIL = _("Please enter a valid email address, like name@example.com.")
MSG_NAME = _("Please write the name on one line, with no web addresses or special characters.")
MSG_PHONE_CHARS = _("Please use only numbers, spaces and + - ( ) in a phone number.")
MSG_PHONE_DIGITS = _("A phone number needs at least 7 digits.")
MSG_DATE = _("Please enter a real date as year-month-day, like 1980-04-23.")
MSG_DATE_FUTURE = _("This date can't be later than %(date)s.")
MSG_AGE = _("Please check this date: it gives an age over %(max)d years.")
MSG_BOOL = _("Please answer Yes or No.")
MSG_CHOICE = _("Please choose one of the options.")
MSG_MULTI = _("Please choose one or more of the options.")
MSG_MULTI_EMPTY = _("Please choose at least one option, or “None of these”.")
MSG_MULTI_REPEATED = _("Please choose each option only once.")
MSG_MULTI_NONE = _("“None of these” can't be chosen together with other options.")
MSG_INT = _("Please enter a whole number, like 7.")
# The example is written with the decimal separator of the language (see _clean_decimal).
MSG_DECIMAL = _("Please enter a number, like %(whole)s or %(decimal)s.")
MSG_TICK = _("Please tick this box to go on.")
MSG_DECIMAL_PLACES = _("Please use at most one digit after the decimal point.")
MSG_RANGE = _("Please enter a number from %(min)s to %(max)s.")
MSG_WORST_BELOW_AVERAGE = _("Your worst pain can't be lower than your average pain (%(average)d).")

_PHONE_CHARS = frozenset("0123456789 +-()")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_email_validator = EmailValidator()
# Control characters (line breaks included) and DEL: Django's validator lets some through inside
# a quoted local part, and a header cannot carry them.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Names are copied into emails and staff pages: one line of text, nothing a mail client links.
_NAME_CODES = frozenset(
    {"first_name", "last_name", "representative_name", "representative_relationship", "signature"}
)
_WEB_ADDRESS = re.compile(r"(https?:|ftp:|www\.|://)", re.IGNORECASE)


class _NotAnswered:
    """Marks a text answer that is empty after stripping: the same as leaving it out."""


_NOT_ANSWERED = _NotAnswered()


def _clean_text(q: Question, value: object, sd: date) -> tuple[object, list[str]]:
    if not isinstance(value, str):
        return None, [str(MSG_TEXT)]
    value = value.strip()
    if not value:
        return _NOT_ANSWERED, []
    if q.max_length is not None and len(value) > q.max_length:
        return None, [str(MSG_TOO_LONG) % {"max": q.max_length, "count": len(value)}]
    if q.code in _NAME_CODES and (_CONTROL.search(value) or _WEB_ADDRESS.search(value)):
        return None, [str(MSG_NAME)]
    return value, []


def _clean_email(q: Question, value: object, sd: date) -> tuple[object, list[str]]:
    value, errors = _clean_text(q, value, sd)
    if errors or value is _NOT_ANSWERED:
        return value, errors
    if _CONTROL.search(str(value)):
        return None, [str(MSG_EMAIL)]
    try:
        _email_validator(str(value))
    except ValidationError:
        return None, [str(MSG_EMAIL)]
    return value, []


def _clean_phone(q: Question, value: object, sd: date) -> tuple[object, list[str]]:
    value, errors = _clean_text(q, value, sd)
    if errors or value is _NOT_ANSWERED:
        return value, errors
    assert isinstance(value, str)
    if not _PHONE_CHARS.issuperset(value):
        return None, [str(MSG_PHONE_CHARS)]
    if sum(c.isdigit() for c in value) < 7:
        return None, [str(MSG_PHONE_DIGITS)]
    return value, []


def parse_date(value: object) -> date | None:
    """Return the date for a strict `YYYY-MM-DD` string, else None (other ISO forms too)."""
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _clean_date(q: Question, value: object, sd: date) -> tuple[object, list[str]]:
    parsed = parse_date(value)
    if parsed is None:
        return None, [str(MSG_DATE)]
    if parsed > sd:
        return None, [str(MSG_DATE_FUTURE) % {"date": long_date(sd)}]
    if q.max_age is not None and age_on(parsed, sd) > q.max_age:
        return None, [str(MSG_AGE) % {"max": q.max_age}]
    return value, []


def _clean_bool(q: Question, value: object, sd: date) -> tuple[object, list[str]]:
    if type(value) is not bool:
        return None, [str(MSG_BOOL)]
    if q.must_be_true and not value:
        return None, [str(MSG_TICK)]
    return value, []


def _clean_choice(q: Question, value: object, sd: date) -> tuple[object, list[str]]:
    if not isinstance(value, str) or value not in q.choice_values:
        return None, [str(MSG_CHOICE)]
    return value, []


def _clean_multi(q: Question, value: object, sd: date) -> tuple[object, list[str]]:
    if not isinstance(value, list) or not all(
        isinstance(v, str) and v in q.choice_values for v in value
    ):
        return None, [str(MSG_MULTI)]
    if not value:
        return None, [str(MSG_MULTI_EMPTY)]
    errors = []
    if len(set(value)) != len(value):
        errors.append(str(MSG_MULTI_REPEATED))
    if NONE_VALUE in q.choice_values and NONE_VALUE in value and len(set(value)) > 1:
        errors.append(str(MSG_MULTI_NONE))
    return (None, errors) if errors else (list(value), [])


def _range_errors(q: Question, value: Number) -> list[str]:
    if (q.min_value is not None and value < q.min_value) or (
        q.max_value is not None and value > q.max_value
    ):
        return [str(MSG_RANGE) % {"min": q.min_value, "max": q.max_value}]
    return []


def _clean_int(q: Question, value: object, sd: date) -> tuple[object, list[str]]:
    # type() rather than isinstance(): bool is an int subclass and true is not 1 here.
    if type(value) is not int:
        return None, [str(MSG_INT)]
    return value, _range_errors(q, value)


def _clean_decimal(q: Question, value: object, sd: date) -> tuple[object, list[str]]:
    if type(value) is int:
        return value, _range_errors(q, value)
    if type(value) is not float or not math.isfinite(value):
        example = {"whole": "7", "decimal": number_format(7.5, 1)}
        return None, [str(MSG_DECIMAL) % example]
    # The float nearest a number written with one decimal place rounds to itself.
    if round(value, 1) != value:
        return None, [str(MSG_DECIMAL_PLACES)]
    return value, _range_errors(q, value)


_CLEANERS = {
    "text": _clean_text,
    "email": _clean_email,
    "phone": _clean_phone,
    "date": _clean_date,
    "bool": _clean_bool,
    "choice": _clean_choice,
    "multi": _clean_multi,
    "int": _clean_int,
    "decimal": _clean_decimal,
}


_Cleaner = Callable[[Question, object, date], tuple[object, list[str]]]
# One step of validation: the question, its cleaner, whether it is required when unanswered.
_Step = tuple[Question, _Cleaner, bool]


def _is_required(q: Question, contact_required: bool) -> bool:
    if not q.required:
        return False
    return (
        contact_required or q.section not in CONTACT_SECTIONS or q.code in CONTACT_OPTIONAL_REQUIRED
    )


@lru_cache(maxsize=64)
def _plan(sections: tuple[str, ...], contact_required: bool) -> tuple[_Step, ...]:
    # Worked out once per (sections, mode): the `screen` command validates thousands of sets.
    unknown = [s for s in sections if s not in SECTIONS_BY_CODE]
    if unknown:
        raise ValueError(f"unknown sections: {unknown}")
    return tuple(
        (q, _CLEANERS[q.kind], _is_required(q, contact_required))
        for s in SECTIONS
        if s.code in sections
        for q in s.questions
    )


def validate_answers(
    data: Mapping[str, object],
    *,
    screening_date: date,
    sections: Iterable[str] = SCREENED_SECTIONS,
    contact_required: bool = True,
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Check raw JSON-native answers against the catalogue; return (cleaned, errors by code).

    Only codes of `sections` are validated and returned; codes of other sections are ignored
    (neither checked nor copied), so a caller validating one form step or the `screen` command
    (which ignores `consent`) can pass the whole dict. A key that is no code of any section is
    an error under its own name, so a caller with extra keys of its own (the command's `as_of`)
    removes them first. `contact_required=False` is the command's mode: in `respondent` and
    `about` only date_of_birth, completed_by and (when its condition holds) representative_name
    are required.
    The cleaned dict holds only valid answers, JSON-native (dates stay `YYYY-MM-DD`, text is
    stripped and an empty text is left out); it is meaningful only when errors is empty.
    """
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for q, clean, required in _plan(tuple(sections), contact_required):
        code = q.code
        if code in data:
            value = data[code]
            if value is None:
                errors[code] = [str(MSG_NULL)]
            else:
                value, problems = clean(q, value, screening_date)
                if problems:
                    errors[code] = problems
                elif value is not _NOT_ANSWERED:
                    cleaned[code] = value
        answered = code in cleaned or code in errors
        if q.when is not None:
            # C is evaluated only on a valid answer; the catalogue puts it earlier in the section.
            depends_on = q.when.code
            if depends_on not in cleaned:
                continue
            if q.when.holds(cleaned[depends_on]):
                if required and not answered:
                    errors[code] = [str(MSG_REQUIRED)]
            elif answered:
                cleaned.pop(code, None)
                errors[code] = [str(MSG_NOT_APPLICABLE) % {"condition": q.when.description}]
        elif required and not answered:
            errors[code] = [str(MSG_TICK if q.must_be_true else MSG_REQUIRED)]

    average, worst = cleaned.get("nprs_average"), cleaned.get("nprs_worst")
    if isinstance(average, int) and isinstance(worst, int) and worst < average:
        del cleaned["nprs_worst"]
        errors["nprs_worst"] = [str(MSG_WORST_BELOW_AVERAGE) % {"average": average}]

    for key in data:
        if key not in QUESTIONS:
            errors[str(key)] = [str(MSG_UNKNOWN)]
    return cleaned, errors


def validate_and_screen(
    data: Mapping[str, object],
    *,
    screening_date: date,
    policy: Policy,
    sections: Iterable[str] = SCREENED_SECTIONS,
    contact_required: bool = True,
) -> tuple[Result | None, dict[str, list[str]]]:
    """Validate one raw answer set and screen it when valid: (result, {}) or (None, errors)."""
    cleaned, errors = validate_answers(
        data,
        screening_date=screening_date,
        sections=sections,
        contact_required=contact_required,
    )
    if errors:
        return None, errors
    # The reasons in the active language, as the `screen` command prints them.
    return screen(cleaned, screening_date=screening_date, policy=policy, translate=gettext), {}


def is_shown(question: Question, answers: Mapping[str, object]) -> bool:
    """Whether the question applies given the answers so far (its condition, if any, holds)."""
    if question.when is None:
        return True
    code = question.when.code
    return code in answers and question.when.holds(answers[code])


def display_value(code: str, value: object) -> str:
    """A plain-language rendering of a stored answer, for staff pages, review pages and CSV.

    An unanswered question (None) gives ""; a code or value no longer in the catalogue is shown
    as stored rather than hidden.
    """
    if value is None:
        return ""
    q = QUESTIONS.get(code)
    if q is None:
        return str(value)
    if q.kind == "bool" and type(value) is bool:
        return gettext("Yes") if value else gettext("No")
    if q.kind == "choice" and isinstance(value, str):
        return q.choice_label(value)
    if q.kind == "multi" and isinstance(value, list):
        return "; ".join(q.choice_label(str(v)) for v in value)
    if q.kind == "date":
        parsed = parse_date(value)
        return plain_date(parsed) if parsed else str(value)
    return str(value)


_INT_RE = re.compile(r"[+-]?\d{1,18}", re.ASCII)
_NUMBER_RE = re.compile(r"[+-]?\d{1,18}(\.\d{1,18})?", re.ASCII)
_POSTED_BOOLS = {"true": True, "false": False}


def _point(number: str) -> str:
    """A number typed with the language's decimal separator ("72,5" in Spanish) as "72.5"."""
    separator = get_format("DECIMAL_SEPARATOR")
    return number.replace(separator, ".", 1) if separator != "." else number


def answers_from_post(post: MultiValueDict[str, str], *, section: str) -> dict[str, Any]:
    """Turn one form step's POST (e.g. a QueryDict) into JSON-native answers for validation.

    This only converts, never judges: a value it cannot convert is passed on as the string it
    was, so `validate_answers` reports it. Empty fields are left out (not answered). Yes/no
    radios post "true" / "false"; multi questions post one value per ticked box.
    """
    answers: dict[str, Any] = {}
    for q in SECTIONS_BY_CODE[section].questions:
        if q.code in units.MEASURED and units.chosen_unit(q.code, post) in units.NON_METRIC:
            value = units.converted(q.code, post)
            if value is not None:
                answers[q.code] = value
            continue
        if q.kind == "multi":
            values = post.getlist(q.code)
            if values:
                answers[q.code] = values
            continue
        raw = post.get(q.code)
        if raw is None or not raw.strip():
            continue
        stripped = raw.strip()
        if q.kind == "bool":
            answers[q.code] = _POSTED_BOOLS.get(stripped, raw)
        elif q.kind == "int" and _INT_RE.fullmatch(stripped):
            answers[q.code] = int(stripped)
        elif q.kind == "decimal" and _NUMBER_RE.fullmatch(_point(stripped)):
            number = _point(stripped)
            answers[q.code] = float(number) if "." in number else int(number)
        elif q.kind == "int" and _NUMBER_RE.fullmatch(stripped):
            # "7.0" for an int becomes 7.0 so that the validator names the real problem.
            answers[q.code] = float(stripped)
        else:
            answers[q.code] = raw
    return answers
