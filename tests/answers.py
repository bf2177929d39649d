"""Deterministic answer sets for the screening and question tests."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

# The examples' fixed date, so ages and injection windows never drift.
SCREENING_DATE = date(2026, 11, 20)

# Typical plantar heel pain with no red flag, contraindication or precaution: screens eligible.
_TYPICAL: dict[str, Any] = {
    "first_name": "Ana",
    "last_name": "Reyes",
    "date_of_birth": "1983-09-30",
    "email": "ana.reyes@example.com",
    "phone": "(555) 010-0123",
    "preferred_contact": "phone",
    "language": "es",
    "completed_by": "self",
    "pain_location": "heel_bottom_inner",
    "pain_side": "right",
    "pain_duration": "3m_6m",
    "onset": "gradual",
    "load_increase": False,
    "first_step_pain": "yes",
    "eases_with_rest": True,
    "can_hop": "yes",
    "nprs_first_step": 7,
    "nprs_average": 4,
    "nprs_worst": 8,
    "nerve_symptoms": False,
    "radiating_back_pain": False,
    "prior_treatments": ["stretching", "insoles"],
    "activity_level": "moderate",
    "fever_unwell": False,
    "hot_red_swollen": False,
    "wound_or_ulcer": False,
    "puncture_wound": False,
    "can_bear_weight": True,
    "achilles_pop": False,
    "calf_swelling": False,
    "cold_pale_foot": False,
    "saddle_or_bladder": False,
    "foot_weakness": False,
    "night_pain": False,
    "weight_loss": False,
    "cancer": "none",
    "inflammatory_signs": ["none"],
    "diabetes": False,
    "needle_willing": "yes",
    "needle_fear": "none",
    "lymphoedema": False,
    "skin_problem_at_site": False,
    "blood_thinners": False,
    "bleeding_disorder": False,
    "pregnant": "no",
    "immunosuppressed": False,
    "epilepsy": "none",
    "metal_allergy": False,
    "implanted_device": False,
    "heart_valve": False,
    "foot_surgery": False,
    "needling_reaction": False,
    "poor_circulation": False,
}

CONSENT: dict[str, Any] = {
    "consent_privacy": True,
    "consent_risks": True,
    "consent_accurate": True,
    "signature": "Ana Reyes",
}


class _Drop:
    def __repr__(self) -> str:
        return "DROP"


# Pass as a value to make_answers to leave that code out.
DROP: Any = _Drop()


def make_answers(**changes: Any) -> dict[str, Any]:
    """A valid screened answer set (sections about..needling) with the given codes changed."""
    answers = copy.deepcopy(_TYPICAL)
    for code, value in changes.items():
        if value is DROP:
            answers.pop(code, None)
        else:
            answers[code] = value
    return answers
