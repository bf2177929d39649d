"""Properties of screening over valid answer sets generated from the question catalogue."""

from __future__ import annotations

import io
import json
import string
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from intake.questions import SCREENED_SECTIONS, SECTIONS, Question, is_shown, validate_answers
from screening import RULES, SEVERITY, Policy, Result, screen
from tests.answers import SCREENING_DATE

SD = SCREENING_DATE
POLICY = Policy()
PROPERTY_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
RULE_ORDER = {rule.id: index for index, rule in enumerate(RULES)}
_LETTERS = string.ascii_letters + "áéíóúñÁÉÍÓÚÑ"

# The answers the urgent rules read, each with the value that raises the alarm (SCREENING.md).
URGENT_SWITCHES: dict[str, bool] = {
    "fever_unwell": True,
    "hot_red_swollen": True,
    "wound_or_ulcer": True,
    "puncture_wound": True,
    "puncture_worsening": True,
    "immunosuppressed": True,
    "diabetes": True,
    "can_bear_weight": False,
    "achilles_pop": True,
    "calf_swelling": True,
    "cold_pale_foot": True,
    "saddle_or_bladder": True,
    "foot_weakness": True,
}
# Those that are urgent on their own, whatever else was answered.
URGENT_ALONE = {
    "can_bear_weight",
    "achilles_pop",
    "calf_swelling",
    "cold_pale_foot",
    "saddle_or_bladder",
    "foot_weakness",
}


def _days_before(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(lambda days: (SD - timedelta(days=days)).isoformat())


def value_for(q: Question) -> st.SearchStrategy[Any]:
    """Valid values for one question, straight from its catalogue entry."""
    values = [value for value, _label in q.choices]
    if q.kind == "text":
        return st.text(_LETTERS, min_size=1, max_size=min(q.max_length or 30, 30))
    if q.kind == "email":
        return st.sampled_from(["ana@example.com", "luis.reyes@example.org", "x+1@clinic.test"])
    if q.kind == "phone":
        return st.from_regex(r"\+?[0-9]{7,15}", fullmatch=True)
    if q.kind == "date":
        # Birth dates up to 120 years back; injections within and around the window.
        return _days_before(0, 120 * 365) if q.max_age else _days_before(0, 200)
    if q.kind == "bool":
        # Mostly "no", so that outcomes other than urgent come up often.
        return st.sampled_from([False, False, False, True])
    if q.kind == "choice":
        return st.sampled_from(values)
    if q.kind == "multi":
        others = [value for value in values if value != "none"]
        some = st.lists(st.sampled_from(others), min_size=1, max_size=3, unique=True)
        return st.one_of(st.just(["none"]), some)
    assert q.min_value is not None and q.max_value is not None
    low, high = int(q.min_value), int(q.max_value)
    if q.kind == "int":
        return st.integers(low, high)
    return st.one_of(st.integers(low, high), st.integers(low * 10, high * 10).map(lambda n: n / 10))


SCREENED_QUESTIONS = [q for s in SECTIONS if s.code in SCREENED_SECTIONS for q in s.questions]
VALUES = {q.code: value_for(q) for q in SCREENED_QUESTIONS}


@st.composite
def answer_sets(draw: st.DrawFn) -> dict[str, Any]:
    """A valid screened answer set: conditional answers exactly when their condition holds."""
    answers: dict[str, Any] = {}
    for q in SCREENED_QUESTIONS:
        if not is_shown(q, answers):
            continue
        if not q.required and not draw(st.booleans()):
            continue
        answers[q.code] = draw(VALUES[q.code])
    if answers["nprs_worst"] < answers["nprs_average"]:
        answers["nprs_worst"], answers["nprs_average"] = (
            answers["nprs_average"],
            answers["nprs_worst"],
        )
    return answers


def screened(answers: dict[str, Any]) -> Result:
    cleaned, errors = validate_answers(answers, screening_date=SD)
    assert errors == {}
    return screen(cleaned, screening_date=SD, policy=POLICY)


@PROPERTY_SETTINGS
@given(answer_sets())
def test_generated_answer_sets_are_valid_and_come_back_unchanged(answers: dict[str, Any]) -> None:
    cleaned, errors = validate_answers(answers, screening_date=SD)
    assert errors == {}
    assert cleaned == answers


@PROPERTY_SETTINGS
@given(answer_sets())
def test_the_outcome_is_the_most_severe_finding_or_eligible(answers: dict[str, Any]) -> None:
    result = screened(answers)
    severities = [SEVERITY[finding.outcome] for finding in result.findings]
    if result.findings:
        assert SEVERITY[result.outcome] == min(severities)
    else:
        assert result.outcome == "eligible"
    order = [(SEVERITY[f.outcome], RULE_ORDER[f.rule]) for f in result.findings]
    assert order == sorted(set(order))


@PROPERTY_SETTINGS
@given(answer_sets(), st.sampled_from(sorted(URGENT_SWITCHES)), st.booleans())
def test_turning_on_an_urgent_red_flag_never_lowers_the_outcome(
    answers: dict[str, Any], code: str, follow_up: bool
) -> None:
    before = screened(answers)
    alarmed = {**answers, code: URGENT_SWITCHES[code]}
    # Keep the set valid: a newly shown follow-up question gets an answer.
    if code == "puncture_worsening":
        alarmed["puncture_wound"] = True
    if code == "puncture_wound":
        alarmed.setdefault("puncture_worsening", follow_up)
    if code == "diabetes":
        alarmed.setdefault("numb_feet", follow_up)
    after = screened(alarmed)
    assert SEVERITY[after.outcome] <= SEVERITY[before.outcome]
    if code in URGENT_ALONE:
        assert after.outcome == "urgent"


@PROPERTY_SETTINGS
@given(answer_sets())
def test_screening_is_deterministic(answers: dict[str, Any]) -> None:
    first = screened(answers)
    assert screened(answers) == first
    assert screened(dict(reversed(list(answers.items())))) == first


@settings(max_examples=25, deadline=None)
@given(st.lists(answer_sets(), max_size=6))
def test_the_command_and_the_module_agree(many: list[dict[str, Any]]) -> None:
    out = io.StringIO()
    stdin = io.StringIO(json.dumps([{**answers, "as_of": SD.isoformat()} for answers in many]))
    try:
        call_command("screen", "-", stdin=stdin, stdout=out)
    except CommandError as exc:  # pragma: no cover - a failure message, not a branch
        pytest.fail(f"valid answer sets were rejected: {exc}")
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines == [screened(answers).as_dict() for answers in many]


@pytest.mark.parametrize("rule", [rule.id for rule in RULES])
def test_every_rule_can_fire(rule: str) -> None:
    example = find(
        answer_sets(),
        lambda answers: rule in [f.rule for f in screened(answers).findings],
        settings=settings(max_examples=5_000, phases=[Phase.generate], database=None),
    )
    assert rule in [f.rule for f in screened(example).findings]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=5,
)


@PROPERTY_SETTINGS
@given(
    answer_sets(),
    st.dictionaries(
        st.sampled_from([q.code for q in SCREENED_QUESTIONS] + ["as_of", "junk"]), JSON_VALUES
    ),
)
def test_validation_never_crashes_and_only_valid_sets_reach_the_rules(
    answers: dict[str, Any], noise: dict[str, Any]
) -> None:
    cleaned, errors = validate_answers({**answers, **noise}, screening_date=SD)
    assert all(
        isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages)
        for messages in errors.values()
    )
    if not errors:
        screen(cleaned, screening_date=SD, policy=POLICY)
