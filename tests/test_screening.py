"""Screening rules: each rule fires and has a near miss; precedence, ages, windows and policy."""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import subprocess
import sys
from dataclasses import astuple
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from intake.models import Outcome
from intake.questions import QUESTIONS, validate_answers
from intake.questions.catalogue import INTAKE_ONLY_CONDITIONS
from screening import (
    ASKED_WHEN,
    CONDITIONAL_CODES,
    DURATION_UPPER_WEEKS,
    OUTCOME_LABELS,
    OUTCOMES,
    RULES,
    RULES_BY_ID,
    RULESET_VERSION,
    SEVERITY,
    Policy,
    Result,
    age_on,
    screen,
)
from tests.answers import SCREENING_DATE, make_answers

SD = SCREENING_DATE


def screened(answers: dict[str, Any], *, on: date = SD, policy: Policy | None = None) -> Result:
    # Every case must be a valid answer set: rules only ever see those.
    cleaned, errors = validate_answers(answers, screening_date=on)
    assert errors == {}
    return screen(cleaned, screening_date=on, policy=policy or Policy())


def fired(answers: dict[str, Any], **kwargs: Any) -> list[str]:
    return [finding.rule for finding in screened(answers, **kwargs).findings]


def days_before(days: int, on: date = SD) -> str:
    return (on - timedelta(days=days)).isoformat()


DIABETIC = {"diabetes": True, "numb_feet": False}
STEROID = {"prior_treatments": ["steroid_injection"]}
ADULT_GUARDIAN = {
    "completed_by": "parent_guardian",
    "representative_name": "Rosa Reyes",
    "representative_relationship": "Legal guardian",
}
CARER = {
    "completed_by": "carer",
    "representative_name": "Luis Reyes",
    "representative_relationship": "Son",
}

# (rule, changes from the typical answer set that make it fire)
FIRES: list[tuple[str, dict[str, Any]]] = [
    ("infection_signs", {"fever_unwell": True, "hot_red_swollen": True}),
    ("diabetic_foot_wound", {**DIABETIC, "wound_or_ulcer": True}),
    ("wound_with_fever", {"wound_or_ulcer": True, "fever_unwell": True}),
    ("puncture_infection_signs", {"puncture_wound": True, "puncture_worsening": True}),
    (
        "puncture_infection_signs",
        {"puncture_wound": True, "puncture_worsening": False, "fever_unwell": True},
    ),  # fmt: skip
    ("fever_immunosuppressed", {"fever_unwell": True, "immunosuppressed": True}),
    ("charcot_signs", {**DIABETIC, "hot_red_swollen": True}),
    ("cannot_bear_weight", {"can_bear_weight": False}),
    ("achilles_rupture_signs", {"achilles_pop": True}),
    ("dvt_signs", {"calf_swelling": True}),
    ("ischaemia_signs", {"cold_pale_foot": True}),
    ("cauda_equina_signs", {"saddle_or_bladder": True}),
    ("neurological_deficit", {"foot_weakness": True}),
    ("serious_pathology_signs", {"night_pain": True}),
    ("serious_pathology_signs", {"weight_loss": True}),
    ("active_cancer", {"cancer": "current"}),
    ("currently_unwell", {"fever_unwell": True}),
    ("stress_fracture_signs", {"load_increase": True, "can_hop": "no"}),
    ("stress_fracture_signs", {"load_increase": True, "eases_with_rest": False}),
    ("inflammatory_arthritis_signs", {"inflammatory_signs": ["psoriasis", "sausage_toe"]}),
    ("inflammatory_arthritis_signs", {"inflammatory_signs": ["psoriasis"], "pain_side": "both"}),
    ("hot_swollen_foot", {"hot_red_swollen": True}),
    ("open_wound", {"wound_or_ulcer": True}),
    ("declines_needling", {"needle_willing": "no"}),
    ("needle_phobia", {"needle_fear": "phobia"}),
    ("cannot_consent", CARER),
    ("lymphoedema", {"lymphoedema": True}),
    ("skin_problem_at_site", {"skin_problem_at_site": True}),
    ("insensate_foot", {"diabetes": True, "numb_feet": True}),
    ("bleeding_disorder", {"bleeding_disorder": True}),
    ("uncontrolled_epilepsy", {"epilepsy": "uncontrolled"}),
    ("atypical_location", {"pain_location": "heel_back"}),
    ("atypical_location", {"pain_location": "other"}),
    ("atypical_pattern", {"first_step_pain": "no"}),
    ("pain_not_eased_by_rest", {"eases_with_rest": False}),
    ("cannot_hop", {"can_hop": "no"}),
    ("nerve_symptoms", {"nerve_symptoms": True}),
    ("nerve_symptoms", {"radiating_back_pain": True}),
    ("bilateral_pain", {"pain_side": "both"}),
    ("early_stage", {"pain_duration": "lt_2w"}),
    ("early_stage", {"pain_duration": "2w_6w"}),
    ("sudden_onset", {"onset": "sudden_injury"}),
    ("sudden_onset", {"onset": "sudden_no_injury"}),
    ("minor", {"date_of_birth": "2010-05-01"}),
    ("minor", ADULT_GUARDIAN),
    ("recent_steroid_injection", {**STEROID, "last_steroid_injection": days_before(30)}),
    ("needling_hesitant", {"needle_willing": "unsure"}),
    ("needling_hesitant", {"needle_fear": "anxious"}),
    ("needling_hesitant", {"needle_fear": "fainted"}),
    ("blood_thinners", {"blood_thinners": True}),
    ("pregnancy", {"pregnant": "yes"}),
    ("pregnancy", {"pregnant": "possibly"}),
    ("immunosuppressed", {"immunosuppressed": True}),
    ("diabetes", DIABETIC),
    ("poor_circulation", {"poor_circulation": True}),
    ("controlled_epilepsy", {"epilepsy": "controlled"}),
    ("metal_allergy", {"metal_allergy": True}),
    ("implanted_device", {"implanted_device": True}),
    ("heart_valve", {"heart_valve": True}),
    ("foot_surgery", {"foot_surgery": True}),
    ("previous_needling_reaction", {"needling_reaction": True}),
    ("cancer_history", {"cancer": "past_5y"}),
    ("puncture_wound", {"puncture_wound": True, "puncture_worsening": False}),
    ("possible_inflammatory", {"inflammatory_signs": ["back_stiffness"]}),
]

# (rule, changes that come close but must not make it fire)
NEAR_MISSES: list[tuple[str, dict[str, Any]]] = [
    ("infection_signs", {"hot_red_swollen": True}),
    ("infection_signs", {"fever_unwell": True}),
    ("diabetic_foot_wound", {"wound_or_ulcer": True}),
    ("wound_with_fever", {"wound_or_ulcer": True}),
    ("puncture_infection_signs", {"puncture_wound": True, "puncture_worsening": False}),
    ("fever_immunosuppressed", {"immunosuppressed": True}),
    ("charcot_signs", {**DIABETIC, "hot_red_swollen": True, "fever_unwell": True}),
    ("cannot_bear_weight", {"can_hop": "no"}),
    ("achilles_rupture_signs", {"pain_location": "heel_back", "onset": "sudden_injury"}),
    ("dvt_signs", {"hot_red_swollen": True}),
    ("ischaemia_signs", {"poor_circulation": True}),
    ("cauda_equina_signs", {"radiating_back_pain": True}),
    ("neurological_deficit", {"nerve_symptoms": True}),
    ("serious_pathology_signs", {"eases_with_rest": False}),
    ("active_cancer", {"cancer": "past_5y"}),
    ("currently_unwell", {"fever_unwell": True, "hot_red_swollen": True}),
    ("currently_unwell", {"fever_unwell": True, "wound_or_ulcer": True}),
    (
        "currently_unwell",
        {"fever_unwell": True, "puncture_wound": True, "puncture_worsening": False},
    ),  # fmt: skip
    ("currently_unwell", {"fever_unwell": True, "immunosuppressed": True}),
    ("stress_fracture_signs", {"load_increase": True, "can_hop": "unsure"}),
    ("stress_fracture_signs", {"can_hop": "no", "eases_with_rest": False}),
    ("inflammatory_arthritis_signs", {"inflammatory_signs": ["psoriasis"]}),
    ("hot_swollen_foot", {**DIABETIC, "hot_red_swollen": True}),
    ("hot_swollen_foot", {"hot_red_swollen": True, "fever_unwell": True}),
    ("open_wound", {**DIABETIC, "wound_or_ulcer": True}),
    ("open_wound", {"wound_or_ulcer": True, "fever_unwell": True}),
    ("declines_needling", {"needle_willing": "unsure"}),
    ("needle_phobia", {"needle_fear": "fainted"}),
    ("cannot_consent", ADULT_GUARDIAN),
    ("lymphoedema", {"calf_swelling": True}),
    ("skin_problem_at_site", {"wound_or_ulcer": True}),
    ("insensate_foot", DIABETIC),
    ("insensate_foot", {"nerve_symptoms": True}),
    ("bleeding_disorder", {"blood_thinners": True}),
    ("uncontrolled_epilepsy", {"epilepsy": "controlled"}),
    ("atypical_location", {}),
    ("atypical_pattern", {"first_step_pain": "unsure"}),
    ("pain_not_eased_by_rest", {"night_pain": True}),
    ("cannot_hop", {"can_hop": "unsure"}),
    ("cannot_hop", {"can_hop": "no", "load_increase": True}),
    ("nerve_symptoms", {"saddle_or_bladder": True}),
    ("bilateral_pain", {"pain_side": "left"}),
    ("early_stage", {"pain_duration": "6w_3m"}),
    ("sudden_onset", {"onset": "gradual"}),
    ("minor", {"date_of_birth": "2008-11-20"}),
    ("minor", CARER),
    ("recent_steroid_injection", {**STEROID, "last_steroid_injection": days_before(85)}),
    ("recent_steroid_injection", {"prior_treatments": ["stretching"]}),
    ("needling_hesitant", {"needle_fear": "phobia"}),
    ("blood_thinners", {"bleeding_disorder": True}),
    ("pregnancy", {"pregnant": "not_applicable"}),
    ("immunosuppressed", {"fever_unwell": True}),
    ("diabetes", {"poor_circulation": True}),
    ("poor_circulation", {"cold_pale_foot": True}),
    ("controlled_epilepsy", {"epilepsy": "uncontrolled"}),
    ("metal_allergy", {"skin_problem_at_site": True}),
    ("implanted_device", {"heart_valve": True}),
    ("heart_valve", {"implanted_device": True}),
    ("foot_surgery", {"prior_treatments": ["surgery"]}),
    ("previous_needling_reaction", {"needle_fear": "anxious"}),
    ("cancer_history", {"cancer": "current"}),
    ("puncture_wound", {"puncture_wound": True, "puncture_worsening": True}),
    (
        "puncture_wound",
        {"puncture_wound": True, "puncture_worsening": False, "fever_unwell": True},
    ),  # fmt: skip
    ("possible_inflammatory", {"inflammatory_signs": ["back_stiffness"], "pain_side": "both"}),
    ("possible_inflammatory", {"inflammatory_signs": ["back_stiffness", "psoriasis"]}),
]


@pytest.mark.parametrize(("rule", "changes"), FIRES, ids=[r for r, _c in FIRES])
def test_the_rule_fires_when_its_condition_holds(rule: str, changes: dict[str, Any]) -> None:
    assert rule in fired(make_answers(**changes))


@pytest.mark.parametrize(("rule", "changes"), NEAR_MISSES, ids=[r for r, _c in NEAR_MISSES])
def test_the_rule_does_not_fire_on_a_near_miss(rule: str, changes: dict[str, Any]) -> None:
    assert rule not in fired(make_answers(**changes))


def test_every_rule_has_a_firing_case_and_a_near_miss() -> None:
    ids = [rule.id for rule in RULES]
    assert sorted({r for r, _c in FIRES}) == sorted(ids)
    assert sorted({r for r, _c in NEAR_MISSES}) == sorted(ids)


def test_the_typical_answer_set_is_eligible_with_no_findings() -> None:
    result = screened(make_answers())
    assert (result.outcome, result.findings) == ("eligible", ())


# (changes, outcome, findings in order)
PRECEDENCE: list[tuple[dict[str, Any], str, list[str]]] = [
    ({"fever_unwell": True, "hot_red_swollen": True, **DIABETIC}, "urgent",
     ["infection_signs", "diabetes"]),
    ({"night_pain": True, "needle_willing": "no", "blood_thinners": True}, "refer",
     ["serious_pathology_signs", "declines_needling", "blood_thinners"]),
    ({"foot_weakness": True, "calf_swelling": True, "can_bear_weight": False}, "urgent",
     ["cannot_bear_weight", "dvt_signs", "neurological_deficit"]),
    ({"pregnant": "yes", "blood_thinners": True, "pain_location": "heel_back"}, "review",
     ["atypical_location", "blood_thinners", "pregnancy"]),
    ({"epilepsy": "uncontrolled", "needle_fear": "phobia", "needle_willing": "no"}, "no_needling",
     ["declines_needling", "needle_phobia", "uncontrolled_epilepsy"]),
    ({"wound_or_ulcer": True, "fever_unwell": True, "immunosuppressed": True}, "urgent",
     ["wound_with_fever", "fever_immunosuppressed", "immunosuppressed"]),
    ({"hot_red_swollen": True, "pain_side": "both"}, "refer",
     ["hot_swollen_foot", "bilateral_pain"]),
    ({"inflammatory_signs": ["psoriasis"], "pain_side": "both", "lymphoedema": True}, "refer",
     ["inflammatory_arthritis_signs", "lymphoedema", "bilateral_pain"]),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "outcome", "rules"), PRECEDENCE)
def test_the_outcome_is_the_most_severe_and_findings_are_ordered(
    changes: dict[str, Any], outcome: str, rules: list[str]
) -> None:
    result = screened(make_answers(**changes))
    assert result.outcome == outcome
    assert [f.rule for f in result.findings] == rules


def test_every_finding_is_kept_not_only_the_most_severe() -> None:
    result = screened(make_answers(fever_unwell=True, metal_allergy=True, needle_willing="no"))
    assert [f.outcome for f in result.findings] == ["refer", "no_needling", "review"]


def test_the_rules_are_listed_in_table_order_grouped_most_severe_first() -> None:
    ranks = [SEVERITY[rule.outcome] for rule in RULES]
    assert ranks == sorted(ranks)
    assert OUTCOMES == ("urgent", "refer", "no_needling", "review", "eligible")


def test_urgent_rules_and_only_they_carry_advice_and_patient_safety_text() -> None:
    for rule in RULES:
        urgent = rule.outcome == "urgent"
        assert (rule.advice in ("now", "today")) is urgent, rule.id
        assert (rule.safety_advice() is not None) is urgent, rule.id
        assert rule.source and rule.reason, rule.id


def test_urgent_findings_carry_advice_in_the_json_line() -> None:
    data = screened(make_answers(cold_pale_foot=True, achilles_pop=True)).as_dict()
    assert [(f["rule"], f.get("advice")) for f in data["findings"]] == [
        ("achilles_rupture_signs", "today"),
        ("ischaemia_signs", "now"),
    ]


def test_the_patient_sees_safety_advice_to_act_now_never_to_wait() -> None:
    result = screened(make_answers(cold_pale_foot=True, achilles_pop=True, metal_allergy=True))
    advice = result.safety_advice()
    assert result.advice == "now"
    assert len(advice) == 2
    assert all("Do not wait for our call" in text for text in advice)
    assert "911" in advice[1]


def test_a_result_without_urgent_findings_has_no_safety_advice() -> None:
    result = screened(make_answers(needle_willing="no"))
    assert (result.advice, result.safety_advice()) == (None, [])


def test_the_json_line_has_exactly_the_documented_keys() -> None:
    data = screened(make_answers(blood_thinners=True)).as_dict()
    assert data == {
        "outcome": "review",
        "ruleset": RULESET_VERSION,
        "policy": {"min_duration_weeks": 6, "steroid_window_weeks": 12, "age_of_majority": 18},
        "findings": [
            {"rule": "blood_thinners", "outcome": "review", "reason": data["findings"][0]["reason"]}
        ],
    }


def test_a_stored_result_round_trips_through_its_dict() -> None:
    result = screened(make_answers(fever_unwell=True, hot_red_swollen=True, pregnant="yes"))
    stored = result.as_dict(include_screening_date=True)
    assert stored["screening_date"] == "2026-11-20"
    assert Result.from_dict(stored) == result
    assert Result.from_dict(result.as_dict(), screening_date=SD) == result


# --- ages: age = sd.year - dob.year - ((sd.month, sd.day) < (dob.month, dob.day)) ---

AGES = [
    (date(2008, 11, 20), date(2026, 11, 19), 17),
    (date(2008, 11, 20), date(2026, 11, 20), 18),
    (date(2008, 2, 29), date(2026, 2, 28), 17),
    (date(2008, 2, 29), date(2026, 3, 1), 18),
    (date(2008, 2, 29), date(2028, 2, 28), 19),
    (date(2008, 2, 29), date(2028, 2, 29), 20),
    (date(2000, 1, 1), date(2000, 1, 1), 0),
    (date(1999, 12, 31), date(2000, 1, 1), 0),
]


@pytest.mark.parametrize(("born", "on", "age"), AGES)
def test_age_is_counted_in_whole_years_as_specified(born: date, on: date, age: int) -> None:
    assert age_on(born, on) == age


@pytest.mark.parametrize(
    ("born", "on", "is_minor"),
    [
        ("2008-11-21", SD, True),  # the day before the 18th birthday
        ("2008-11-20", SD, False),  # on the 18th birthday
        ("2008-02-29", date(2026, 2, 28), True),
        ("2008-02-29", date(2026, 3, 1), False),
    ],
)
def test_the_minor_rule_turns_off_on_the_18th_birthday(born: str, on: date, is_minor: bool) -> None:
    assert ("minor" in fired(make_answers(date_of_birth=born), on=on)) is is_minor


# --- steroid injection window: 0 <= days <= 7 * SCREENING_STEROID_WINDOW_WEEKS ---


@pytest.mark.parametrize(("days", "fires"), [(0, True), (1, True), (84, True), (85, False)])
def test_the_steroid_window_edges(days: int, fires: bool) -> None:
    answers = make_answers(**STEROID, last_steroid_injection=days_before(days))
    assert ("recent_steroid_injection" in fired(answers)) is fires


def test_an_injection_after_the_screening_date_is_a_validation_error() -> None:
    answers = make_answers(**STEROID, last_steroid_injection=days_before(-1))
    _cleaned, errors = validate_answers(answers, screening_date=SD)
    assert list(errors) == ["last_steroid_injection"]


def test_the_rules_never_count_a_future_injection_as_recent() -> None:
    # Rules only see validated answers, but the 0 <= days guard holds even without validation.
    answers = make_answers(**STEROID, last_steroid_injection=days_before(-1))
    result = screen(answers, screening_date=SD, policy=Policy())
    assert "recent_steroid_injection" not in [f.rule for f in result.findings]


# --- policy from settings ---


def test_policy_defaults_are_the_documented_values() -> None:
    assert Policy() == Policy(min_duration_weeks=6, steroid_window_weeks=12, age_of_majority=18)
    assert Policy.from_settings(object()) == Policy()


def test_the_project_settings_give_the_default_policy(settings: Any) -> None:
    assert Policy.from_settings(settings) == Policy()


@pytest.mark.parametrize(
    ("setting", "value", "changes", "rule", "fires_by_default"),
    [
        ("SCREENING_MIN_DURATION_WEEKS", 13, {"pain_duration": "6w_3m"}, "early_stage", False),
        ("SCREENING_MIN_DURATION_WEEKS", 2, {"pain_duration": "2w_6w"}, "early_stage", True),
        ("SCREENING_STEROID_WINDOW_WEEKS", 4,
         {**STEROID, "last_steroid_injection": days_before(29)}, "recent_steroid_injection", True),
        ("SCREENING_STEROID_WINDOW_WEEKS", 26,
         {**STEROID, "last_steroid_injection": days_before(182)}, "recent_steroid_injection",
         False),
        ("SCREENING_AGE_OF_MAJORITY", 21, {"date_of_birth": "2006-01-01"}, "minor", False),
        ("SCREENING_AGE_OF_MAJORITY", 16, {"date_of_birth": "2009-01-01"}, "minor", True),
    ],
)  # fmt: skip
def test_policy_values_from_settings_change_the_outcome(
    settings: Any,
    setting: str,
    value: int,
    changes: dict[str, Any],
    rule: str,
    fires_by_default: bool,
) -> None:
    answers = make_answers(**changes)
    assert (rule in fired(answers, policy=Policy.from_settings(settings))) is fires_by_default
    setattr(settings, setting, value)
    policy = Policy.from_settings(settings)
    assert (rule in fired(answers, policy=policy)) is not fires_by_default
    assert screened(answers, policy=policy).policy == policy


def test_the_gt_12m_band_is_never_early_stage_whatever_the_policy() -> None:
    answers = make_answers(pain_duration="gt_12m")
    assert "early_stage" not in fired(answers, policy=Policy(min_duration_weeks=10_000))


# --- the ruleset version moves with the rules ---

RULE_IDS = [
    "infection_signs", "diabetic_foot_wound", "wound_with_fever", "puncture_infection_signs",
    "fever_immunosuppressed", "charcot_signs", "cannot_bear_weight", "achilles_rupture_signs",
    "dvt_signs", "ischaemia_signs", "cauda_equina_signs", "neurological_deficit",
    "serious_pathology_signs", "active_cancer", "currently_unwell", "stress_fracture_signs",
    "inflammatory_arthritis_signs", "hot_swollen_foot", "open_wound",
    "declines_needling", "needle_phobia", "cannot_consent", "lymphoedema",
    "skin_problem_at_site", "insensate_foot", "bleeding_disorder", "uncontrolled_epilepsy",
    "atypical_location", "atypical_pattern", "pain_not_eased_by_rest", "cannot_hop",
    "nerve_symptoms", "bilateral_pain", "early_stage", "sudden_onset", "minor",
    "recent_steroid_injection", "needling_hesitant", "blood_thinners", "pregnancy",
    "immunosuppressed", "diabetes", "poor_circulation", "controlled_epilepsy", "metal_allergy",
    "implanted_device", "heart_valve", "foot_surgery", "previous_needling_reaction",
    "cancer_history", "puncture_wound", "possible_inflammatory",
]  # fmt: skip


def ruleset_fingerprint() -> str:
    """A digest of what decides outcomes: ids, outcomes, advice, conditions and the bands."""
    parts = [repr(sorted(DURATION_UPPER_WEEKS.items(), key=str)), repr(sorted(CONDITIONAL_CODES))]
    for rule in RULES:
        # Whitespace-free source, so reformatting alone does not count as a change.
        condition = "".join(inspect.getsource(rule.condition).split())
        parts.append(f"{rule.id}|{rule.outcome}|{rule.advice}|{condition}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def test_rule_ids_conditions_and_the_ruleset_version_change_together() -> None:
    # Changing, adding, removing or reordering a rule must come with a new RULESET_VERSION:
    # update all three values below in the same commit.
    assert [rule.id for rule in RULES] == RULE_IDS
    assert (RULESET_VERSION, ruleset_fingerprint()) == ("2026.11.1", "58199df674534d5e")


def test_rule_ids_are_unique() -> None:
    assert len(RULES_BY_ID) == len(RULES)


@pytest.mark.parametrize("language", ["en", "es"])
def test_reasons_are_given_in_the_active_language(language: str) -> None:
    answers = make_answers(blood_thinners=True, calf_swelling=True)
    cleaned, _errors = validate_answers(answers, screening_date=SD)
    with translation.override(language):
        result = screen(cleaned, screening_date=SD, policy=Policy(), translate=translation.gettext)
        assert [f.reason for f in result.findings] == [
            translation.gettext(RULES_BY_ID[f.rule].reason) for f in result.findings
        ]
    spanish = language == "es"
    assert (result.findings[0].reason != RULES_BY_ID[result.findings[0].rule].reason) is spanish


def test_without_a_translate_function_reasons_stay_in_english() -> None:
    with translation.override("es"):
        result = screened(make_answers(blood_thinners=True))
    assert [f.reason for f in result.findings] == [RULES_BY_ID["blood_thinners"].reason]


def test_only_urgent_rules_carry_safety_advice() -> None:
    # The confirmation page and the receipt read a screening back only when it is urgent.
    for rule in RULES_BY_ID.values():
        assert (rule.advice is not None) == (rule.outcome == "urgent"), rule.id


# Runs in a fresh interpreter: screening must not need (or even load) Django.
PURE_SCREEN = """
import json, sys
from datetime import date

import screening

answers = json.load(sys.stdin)
on = date.fromisoformat(sys.argv[1])
result = screening.screen(answers, screening_date=on, policy=screening.Policy())
django = sorted(name for name in sys.modules if name.startswith("django"))
print(json.dumps({"result": result.as_dict(), "django": django}))
"""


def test_screening_runs_without_django_configured_or_imported() -> None:
    answers = make_answers(calf_swelling=True, blood_thinners=True, diabetes=True, numb_feet=True)
    cleaned, errors = validate_answers(answers, screening_date=SD)
    assert errors == {}
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO")}
    done = subprocess.run(
        [sys.executable, "-c", PURE_SCREEN, SD.isoformat()],
        input=json.dumps(cleaned, default=str).encode(),
        capture_output=True,
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    out = json.loads(done.stdout)
    assert out["django"] == []
    assert out["result"] == screen(cleaned, screening_date=SD, policy=Policy()).as_dict()
    assert out["result"]["outcome"] == "urgent"


def test_the_conditional_codes_are_the_questions_the_catalogue_asks_under_a_condition() -> None:
    # Besides those no rule reads (a guardian's relationship), declared in the catalogue.
    conditions = {
        q.code: q.when
        for q in QUESTIONS.values()
        if q.when is not None and q.code not in INTAKE_ONLY_CONDITIONS
    }
    assert set(conditions) == CONDITIONAL_CODES
    for code, when in conditions.items():
        assert (when.code, when.op, when.value) == astuple(ASKED_WHEN[code]), code


def test_no_rule_reads_a_question_whose_condition_only_the_intake_knows() -> None:
    assert INTAKE_ONLY_CONDITIONS and not set(INTAKE_ONLY_CONDITIONS) & set(ASKED_WHEN)
    for rule in RULES:
        source = inspect.getsource(rule.condition)
        assert not any(f'"{code}"' in source for code in INTAKE_ONLY_CONDITIONS), rule.id


def test_the_stored_outcome_choices_are_the_screening_outcomes_in_order() -> None:
    assert tuple(Outcome.values) == OUTCOMES
    assert [str(label) for label in Outcome.labels] == list(OUTCOME_LABELS.values())
