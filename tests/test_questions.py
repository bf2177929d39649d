"""The answer schema: what a valid answer is, for the web form and the `screen` command alike."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import QueryDict
from django.utils.functional import Promise

from intake.questions import (
    QUESTIONS,
    SCREENED_SECTIONS,
    SECTIONS,
    answers_from_post,
    display_value,
    is_shown,
    validate_and_screen,
    validate_answers,
)
from screening import Policy
from tests.answers import CONSENT, DROP, SCREENING_DATE, make_answers

ALL_SECTIONS = [section.code for section in SECTIONS]


def errors_for(answers: dict[str, Any], **kwargs: Any) -> dict[str, list[str]]:
    return validate_answers(answers, screening_date=SCREENING_DATE, **kwargs)[1]


def cleaned_for(answers: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    cleaned, errors = validate_answers(answers, screening_date=SCREENING_DATE, **kwargs)
    assert errors == {}
    return cleaned


def test_the_typical_answer_set_is_valid_and_comes_back_unchanged() -> None:
    answers = make_answers()
    assert cleaned_for(answers) == answers


def test_a_full_intake_with_consent_is_valid() -> None:
    answers = {**make_answers(), **CONSENT}
    assert cleaned_for(answers, sections=ALL_SECTIONS) == answers


# (code, invalid value) -- each must give an error under exactly that code
INVALID_VALUES: list[tuple[str, Any]] = [
    # int: a JSON number with no fraction part, not a boolean
    ("nprs_average", 7.0),
    ("nprs_average", "7"),
    ("nprs_average", True),
    ("nprs_average", False),
    ("nprs_average", -1),
    ("nprs_first_step", 11),
    ("nprs_first_step", float("nan")),
    ("standing_hours", 25),
    ("standing_hours", [8]),
    # decimal: finite, not a boolean, at most one decimal place, bounds inclusive
    ("height_cm", 170.25),
    ("height_cm", 170.05),
    ("height_cm", float("nan")),
    ("height_cm", float("inf")),
    ("height_cm", True),
    ("height_cm", "170"),
    ("height_cm", 49.9),
    ("height_cm", 250.1),
    ("weight_kg", 19),
    ("weight_kg", 351),
    # bool: JSON true or false only
    ("diabetes", "true"),
    ("diabetes", 1),
    ("diabetes", 0),
    ("diabetes", "no"),
    # choice: one listed value, case-sensitive
    ("pain_side", "Left"),
    ("pain_side", "sideways"),
    ("pain_side", ""),
    ("pain_side", ["left"]),
    ("pain_side", 1),
    # multi: non-empty list of listed values, no repeats, `none` alone
    ("prior_treatments", []),
    ("prior_treatments", ["stretching", "stretching"]),
    ("prior_treatments", ["none", "stretching"]),
    ("prior_treatments", ["none", "none"]),
    ("prior_treatments", "stretching"),
    ("prior_treatments", ["Stretching"]),
    ("prior_treatments", [["stretching"]]),
    ("inflammatory_signs", ["psoriasis", "none"]),
    ("inflammatory_signs", {"psoriasis": True}),
    # date: YYYY-MM-DD, a real calendar date, not after the screening date, age <= 120
    ("date_of_birth", "1980-02-30"),
    ("date_of_birth", "1981-02-29"),
    ("date_of_birth", "1980-2-3"),
    ("date_of_birth", "19800203"),
    ("date_of_birth", "1980-02-03T00:00"),
    ("date_of_birth", " 1980-02-03"),
    ("date_of_birth", "１９８０-０２-０３"),
    ("date_of_birth", 1980),
    ("date_of_birth", "2026-11-21"),
    ("date_of_birth", "1905-11-20"),
    # text: a string; length counts code points
    ("first_name", 123),
    ("first_name", "a" * 101),
    ("goals", "x" * 1001),
    ("first_name", ["Ana"]),
    # email: as Django's EmailValidator accepts
    ("email", "ana"),
    ("email", "ana@"),
    ("email", "ana@example"),
    ("email", "ana reyes@example.com"),
    ("email", "a" * 250 + "@example.com"),
    # phone: ASCII digits, spaces and + - ( ) only, at least 7 digits, at most 32 characters
    ("phone", "555-010"),
    ("phone", "555.010.0123"),
    ("phone", "555 010 0123 ext 4"),
    ("phone", "１２３４５６７８"),
    ("phone", "1" * 33),
    ("phone", 5550100123),
    # null is never a valid answer
    ("first_name", None),
    ("diabetes", None),
    ("prior_treatments", None),
    ("height_cm", None),
]


@pytest.mark.parametrize(("code", "value"), INVALID_VALUES)
def test_an_invalid_value_is_an_error_under_its_own_code(code: str, value: Any) -> None:
    errors = errors_for(make_answers(**{code: value}))
    assert list(errors) == [code]
    assert all(isinstance(message, str) and message for message in errors[code])


# (code, valid value, cleaned value)
VALID_VALUES: list[tuple[str, Any, Any]] = [
    ("nprs_average", 0, 0),
    ("nprs_worst", 10, 10),
    ("height_cm", 170, 170),
    ("height_cm", 170.5, 170.5),
    ("height_cm", 50, 50),
    ("height_cm", 250.0, 250.0),
    ("weight_kg", 0.1 + 67.9, 68.0),  # float noise that still rounds to one place
    ("date_of_birth", "1906-11-20", "1906-11-20"),  # exactly 120 on the screening date
    ("date_of_birth", "2026-11-20", "2026-11-20"),  # born on the screening date
    ("date_of_birth", "2000-02-29", "2000-02-29"),
    ("first_name", "  Ana  ", "Ana"),
    ("first_name", "é" * 100, "é" * 100),
    ("email", " ana@example.com ", "ana@example.com"),
    ("phone", "5550100", "5550100"),
    ("phone", "+1 (555) 010-0123", "+1 (555) 010-0123"),
    ("prior_treatments", ["none"], ["none"]),
    ("inflammatory_signs", ["psoriasis", "sausage_toe"], ["psoriasis", "sausage_toe"]),
]


@pytest.mark.parametrize(("code", "value", "cleaned"), VALID_VALUES)
def test_a_valid_value_is_accepted_and_normalised(code: str, value: Any, cleaned: Any) -> None:
    assert cleaned_for(make_answers(**{code: value}))[code] == cleaned


def test_an_empty_optional_text_counts_as_not_answered() -> None:
    cleaned = cleaned_for(make_answers(goals="   ", medications=""))
    assert "goals" not in cleaned and "medications" not in cleaned


def test_an_empty_required_text_is_a_required_error() -> None:
    assert list(errors_for(make_answers(first_name="   "))) == ["first_name"]


def test_an_unknown_code_is_an_error_under_its_own_name() -> None:
    errors = errors_for(make_answers(shoe_size=42, as_of="2026-11-20"))
    assert list(errors) == ["shoe_size", "as_of"]


def test_optional_questions_may_be_left_out() -> None:
    answers = make_answers(height_cm=DROP, weight_kg=DROP, standing_hours=DROP, goals=DROP)
    assert errors_for(answers) == {}


REQUIRED_CODES = [
    q.code
    for section in SECTIONS
    if section.code in SCREENED_SECTIONS
    for q in section.questions
    if q.required and q.when is None
]


@pytest.mark.parametrize("code", REQUIRED_CODES)
def test_a_missing_required_code_is_an_error(code: str) -> None:
    assert list(errors_for(make_answers(**{code: DROP}))) == [code]


def test_every_missing_code_is_named_at_once() -> None:
    errors = errors_for({})
    assert sorted(errors) == sorted(REQUIRED_CODES)


# Conditional questions: required when C, absent when not C.
CONDITIONAL_ERRORS: list[tuple[dict[str, Any], list[str]]] = [
    ({"completed_by": "self", "representative_name": "Rosa Reyes"}, ["representative_name"]),
    ({"completed_by": "parent_guardian"}, ["representative_name", "representative_relationship"]),
    ({"completed_by": "carer", "representative_name": "  ", "representative_relationship": "Son"},
     ["representative_name"]),
    ({"completed_by": "self", "representative_relationship": "Mother"},
     ["representative_relationship"]),
    ({"completed_by": "parent_guardian", "representative_name": "Rosa Reyes"},
     ["representative_relationship"]),
    ({"puncture_wound": False, "puncture_worsening": False}, ["puncture_worsening"]),
    ({"puncture_wound": True}, ["puncture_worsening"]),
    ({"diabetes": False, "numb_feet": True}, ["numb_feet"]),
    ({"diabetes": True}, ["numb_feet"]),
    ({"last_steroid_injection": "2026-10-01"}, ["last_steroid_injection"]),
    ({"prior_treatments": ["steroid_injection"]}, ["last_steroid_injection"]),
    ({"prior_treatments": ["steroid_injection"], "last_steroid_injection": "2026-11-21"},
     ["last_steroid_injection"]),
    # C is evaluated only when the answer it depends on is itself valid
    ({"completed_by": "Self", "representative_name": "Rosa Reyes"}, ["completed_by"]),
    ({"completed_by": DROP, "representative_name": "Rosa Reyes"}, ["completed_by"]),
    ({"diabetes": "yes"}, ["diabetes"]),
    ({"diabetes": "yes", "numb_feet": True}, ["diabetes"]),
    ({"puncture_wound": 1, "puncture_worsening": "no"}, ["puncture_wound", "puncture_worsening"]),
    ({"prior_treatments": ["steroid_injection", "none"], "last_steroid_injection": "2026-10-01"},
     ["prior_treatments"]),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "failing"), CONDITIONAL_ERRORS)
def test_conditional_answers_follow_their_condition(
    changes: dict[str, Any], failing: list[str]
) -> None:
    assert list(errors_for(make_answers(**changes))) == failing


CONDITIONAL_VALID: list[dict[str, Any]] = [
    {
        "completed_by": "parent_guardian",
        "representative_name": "Rosa Reyes",
        "representative_relationship": "Mother",
    },
    {"puncture_wound": True, "puncture_worsening": False},
    {"diabetes": True, "numb_feet": False},
    {"prior_treatments": ["steroid_injection"], "last_steroid_injection": "2026-11-20"},
]


@pytest.mark.parametrize("changes", CONDITIONAL_VALID)
def test_conditional_answers_are_accepted_when_their_condition_holds(
    changes: dict[str, Any],
) -> None:
    assert cleaned_for(make_answers(**changes)).items() >= changes.items()


def test_worst_pain_below_average_pain_is_an_error_under_nprs_worst() -> None:
    errors = errors_for(make_answers(nprs_average=6, nprs_worst=3))
    assert list(errors) == ["nprs_worst"]
    assert errors_for(make_answers(nprs_average=6, nprs_worst=6)) == {}


def test_the_pain_cross_check_waits_for_both_answers_to_be_valid() -> None:
    assert list(errors_for(make_answers(nprs_average=11, nprs_worst=3))) == ["nprs_average"]


def test_an_unanswered_consent_must_be_true() -> None:
    errors = errors_for(
        {**make_answers(), **CONSENT, "consent_risks": False}, sections=ALL_SECTIONS
    )
    assert list(errors) == ["consent_risks"]
    errors = errors_for(make_answers(), sections=ALL_SECTIONS)
    assert sorted(errors) == sorted(CONSENT)


def test_without_contact_only_birth_date_and_who_completed_it_are_required_in_about() -> None:
    answers = make_answers(
        first_name=DROP, last_name=DROP, email=DROP, phone=DROP, preferred_contact=DROP,
        language=DROP,
    )  # fmt: skip
    assert errors_for(answers, contact_required=False) == {}
    assert list(errors_for(answers)) == [
        "first_name", "last_name", "email", "phone", "preferred_contact", "language",
    ]  # fmt: skip


def test_without_contact_present_contact_answers_are_still_validated() -> None:
    answers = make_answers(email="ana@", completed_by="carer", date_of_birth=DROP)
    errors = errors_for(answers, contact_required=False)
    # The guardian's relationship, like other contact details, is optional in this mode.
    assert list(errors) == ["representative_name", "date_of_birth", "email"]


@pytest.mark.parametrize("section", ALL_SECTIONS)
def test_each_section_validates_on_its_own(section: str) -> None:
    everything = {**make_answers(), **CONSENT}
    codes = {q.code for q in QUESTIONS.values() if q.section == section}
    own = {code: value for code, value in everything.items() if code in codes}
    assert cleaned_for(own, sections=[section]) == own
    # Codes of other sections are ignored, not reported; unknown keys still are.
    assert cleaned_for(everything, sections=[section]) == own
    assert list(errors_for({**own, "bogus": 1}, sections=[section])) == ["bogus"]


def test_an_unknown_section_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown sections"):
        errors_for({}, sections=["pain", "payment"])


def test_validate_and_screen_gives_a_result_or_the_errors() -> None:
    result, errors = validate_and_screen(
        make_answers(), screening_date=SCREENING_DATE, policy=Policy()
    )
    assert errors == {} and result is not None and result.outcome == "eligible"
    result, errors = validate_and_screen(
        make_answers(diabetes="yes"), screening_date=SCREENING_DATE, policy=Policy()
    )
    assert result is None and list(errors) == ["diabetes"]


# --- the catalogue itself ---


def test_the_sections_are_in_order_and_every_code_is_unique() -> None:
    assert [s.code for s in SECTIONS] == [
        "respondent", "about", "pain", "red_flags", "needling", "consent",
    ]  # fmt: skip
    assert SCREENED_SECTIONS == ("respondent", "about", "pain", "red_flags", "needling")
    codes = [q.code for s in SECTIONS for q in s.questions]
    assert len(codes) == len(set(codes)) == len(QUESTIONS) == 67


def test_every_condition_depends_on_an_earlier_required_question_of_its_own_section() -> None:
    for section in SECTIONS:
        earlier: dict[str, Any] = {}
        for q in section.questions:
            if q.when is not None:
                depends_on = earlier[q.when.code]
                assert depends_on.required and depends_on.when is None, q.code
            earlier[q.code] = q


def test_every_patient_facing_string_is_translatable() -> None:
    for section in SECTIONS:
        assert isinstance(section.title, Promise)
        for q in section.questions:
            assert isinstance(q.label, Promise) and isinstance(q.staff_label, Promise), q.code
            assert q.help_text == "" or isinstance(q.help_text, Promise), q.code
            assert all(isinstance(label, Promise) for _v, label in q.choices), q.code
            if q.when is not None:
                assert isinstance(q.when.description, Promise), q.code


def test_choice_questions_have_unique_values_and_multis_have_none() -> None:
    for q in QUESTIONS.values():
        values = [value for value, _label in q.choices]
        assert len(values) == len(set(values)), q.code
        assert (q.kind in ("choice", "multi")) is bool(values), q.code
        if q.kind == "multi":
            assert "none" in values, q.code


# --- display and visibility ---


@pytest.mark.parametrize(
    ("code", "value", "shown"),
    [
        ("diabetes", True, "Yes"),
        ("diabetes", False, "No"),
        ("pain_side", "both", "Both"),
        ("prior_treatments", ["stretching", "insoles"], "Stretching; Insoles or arch supports"),
        ("prior_treatments", ["none"], "None of these"),
        ("date_of_birth", "1980-02-29", "February 29, 1980"),
        ("nprs_worst", 8, "8"),
        ("height_cm", 170.5, "170.5"),
        ("goals", "Walk the dog", "Walk the dog"),
        ("goals", None, ""),
        ("pain_side", "retired_value", "retired_value"),
        ("retired_code", "x", "x"),
    ],
)
def test_every_stored_value_has_a_plain_language_display(code: str, value: Any, shown: str) -> None:
    assert display_value(code, value) == shown


@pytest.mark.parametrize(
    ("code", "answers", "shown"),
    [
        ("first_name", {}, True),
        ("representative_name", {"completed_by": "carer"}, True),
        ("representative_name", {"completed_by": "self"}, False),
        ("representative_name", {}, False),
        ("puncture_worsening", {"puncture_wound": True}, True),
        ("puncture_worsening", {"puncture_wound": 1}, False),
        ("numb_feet", {"diabetes": False}, False),
        ("last_steroid_injection", {"prior_treatments": ["steroid_injection"]}, True),
        ("last_steroid_injection", {"prior_treatments": ["none"]}, False),
    ],
)
def test_a_conditional_question_is_shown_only_while_its_condition_holds(
    code: str, answers: dict[str, Any], shown: bool
) -> None:
    assert is_shown(QUESTIONS[code], answers) is shown


def test_posted_form_values_become_json_native_answers() -> None:
    post = QueryDict(mutable=True)
    post.update({"pain_side": "left", "load_increase": "true", "eases_with_rest": "false"})
    post.update({"nprs_average": "4", "nprs_worst": "7.0", "height_cm": "170.5"})
    post.update({"weight_kg": "", "standing_hours": "eight", "goals": "  Run  "})
    post.setlist("prior_treatments", ["stretching", "insoles"])
    assert answers_from_post(post, section="pain") == {
        "pain_side": "left",
        "load_increase": True,
        "eases_with_rest": False,
        "nprs_average": 4,
        "nprs_worst": 7.0,
        "height_cm": 170.5,
        "standing_hours": "eight",
        "goals": "  Run  ",
        "prior_treatments": ["stretching", "insoles"],
    }


def test_posted_values_that_cannot_convert_are_left_for_the_validator_to_report() -> None:
    post = QueryDict("nprs_average=7.0&nprs_worst=lots&load_increase=maybe")
    answers = answers_from_post(post, section="pain")
    errors = errors_for(answers, sections=["pain"])
    for code in ("nprs_average", "nprs_worst", "load_increase"):
        assert code in errors
