"""Synthetic answer sets and demo submissions for seed_demo, the tests and the benchmark."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from . import workflow
from .models import Status, Submission, User
from .submissions import create_submission

# Fixed namespace: the same demo case always gets the same draft key, so seeding twice is a no-op.
DEMO_NAMESPACE = uuid.UUID("6f1d4c0e-2b7a-4e59-9a53-0c1f5d2e8b11")


def eligible_answers(**overrides: Any) -> dict[str, Any]:
    """A complete, valid answer set (all five sections) that screens as eligible."""
    answers: dict[str, Any] = {
        # about
        "first_name": "Ada",
        "last_name": "Example",
        "date_of_birth": "1980-04-23",
        "email": "ada@example.com",
        "phone": "555 010 1234",
        "preferred_contact": "phone",
        "language": "en",
        "completed_by": "self",
        # pain
        "pain_location": "heel_bottom_inner",
        "pain_side": "left",
        "pain_duration": "3m_6m",
        "onset": "gradual",
        "load_increase": False,
        "first_step_pain": "yes",
        "eases_with_rest": True,
        "can_hop": "yes",
        "nprs_first_step": 7,
        "nprs_average": 5,
        "nprs_worst": 8,
        "nerve_symptoms": False,
        "radiating_back_pain": False,
        "prior_treatments": ["stretching"],
        "height_cm": 170,
        "weight_kg": 80,
        "activity_level": "moderate",
        # red flags
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
        # needling
        "needle_willing": "yes",
        "needle_fear": "none",
        "lymphoedema": False,
        "skin_problem_at_site": False,
        "blood_thinners": False,
        "bleeding_disorder": False,
        "pregnant": "not_applicable",
        "immunosuppressed": False,
        "epilepsy": "none",
        "metal_allergy": False,
        "implanted_device": False,
        "heart_valve": False,
        "poor_circulation": False,
        "foot_surgery": False,
        "needling_reaction": False,
        # consent
        "consent_privacy": True,
        "consent_risks": True,
        "consent_accurate": True,
        "signature": "Ada Example",
    }
    answers.update(overrides)
    return answers


# Answer changes that give each outcome (see intake/screening/rules.py for the rules they trigger).
URGENT = {"calf_swelling": True}
REFER = {"night_pain": True}
NO_NEEDLING = {"needle_willing": "no"}
REVIEW = {"blood_thinners": True}
ELIGIBLE: dict[str, Any] = {}


@dataclass(frozen=True)
class DemoCase:
    first_name: str
    last_name: str
    answers: dict[str, Any]
    hours_ago: float
    # Steps applied after submitting, in order: ("contact", result), ("status", to),
    # ("override", outcome), ("clear", reason).
    steps: tuple[tuple[str, str], ...] = field(default=())


DEMO_CASES: tuple[DemoCase, ...] = (
    DemoCase("Rowan", "Fictive", URGENT, 0.5),
    DemoCase("Sasha", "Sample", URGENT, 5),  # overdue
    DemoCase("Jordan", "Testcase", {"can_bear_weight": False}, 26, (("contact", "reached"),)),
    DemoCase("Quinn", "Mockley", {"foot_weakness": True}, 3, (("contact", "no_answer"),)),
    DemoCase("Avery", "Dummond", REFER, 2),
    DemoCase("Blake", "Placeholder", REFER, 80),  # overdue
    DemoCase("Casey", "Notreal", {"cancer": "current"}, 30, (("contact", "voicemail"),)),
    DemoCase(
        "Drew",
        "Madeup",
        REFER,
        100,
        (("contact", "reached"), ("status", Status.REFERRED_OUT)),
    ),
    DemoCase("Emery", "Synthetic", {"wound_or_ulcer": True}, 6),
    DemoCase("Finley", "Invented", NO_NEEDLING, 4),
    DemoCase("Gray", "Imaginary", {"needle_fear": "phobia"}, 150),  # overdue
    DemoCase(
        "Harper",
        "Fabricated",
        NO_NEEDLING,
        48,
        (("contact", "reached"), ("status", Status.NOT_PROCEEDING)),
    ),
    DemoCase("Indigo", "Pretend", {"epilepsy": "uncontrolled"}, 20, (("contact", "reached"),)),
    DemoCase("Jesse", "Standin", REVIEW, 1),
    DemoCase("Kai", "Examplar", {"pain_side": "both"}, 10),
    DemoCase("Logan", "Fakename", {"pain_duration": "lt_2w"}, 170),  # overdue
    DemoCase(
        "Morgan",
        "Nobody",
        {"diabetes": True, "numb_feet": False},
        70,
        (("contact", "reached"), ("clear", "Diabetes well controlled; checked feet by phone.")),
    ),
    DemoCase(
        "Noel",
        "Someone",
        {"metal_allergy": True},
        120,
        (("contact", "reached"),),
    ),
    DemoCase(
        "Oakley",
        "Anyone",
        REVIEW,
        40,
        (("override", "eligible"), ("contact", "reached")),
    ),
    DemoCase("Parker", "Fauxman", ELIGIBLE, 0.2),
    DemoCase("Reese", "Mocksen", ELIGIBLE, 7),
    DemoCase("Skyler", "Dummy", ELIGIBLE, 60),  # overdue
    DemoCase("Tatum", "Lorem", ELIGIBLE, 30, (("contact", "wrong_number"),)),
    DemoCase("Umber", "Ipsum", ELIGIBLE, 24, (("contact", "reached"),)),
    DemoCase(
        "Vale",
        "Dolor",
        ELIGIBLE,
        200,
        (("contact", "no_answer"), ("contact", "reached"), ("status", Status.CLOSED)),
    ),
    DemoCase(
        "Wren",
        "Sitamet",
        ELIGIBLE,
        90,
        (("contact", "reached"),),
    ),
    DemoCase(
        "Xen",
        "Consectetur",
        {"pain_location": "heel_back"},
        15,
        (("override", "refer"), ("clear", "Seen the GP letter; fine to assess.")),
    ),
    DemoCase("Yael", "Adipiscing", {"pregnant": "possibly"}, 2.5),
    DemoCase("Zion", "Elitson", {"heart_valve": True}, 9, (("contact", "voicemail"),)),
    DemoCase("Arden", "Tempor", {"achilles_pop": True}, 1.2),
)


def demo_draft_key(case: DemoCase) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, f"{case.first_name} {case.last_name}")


def _answers_for(case: DemoCase, number: int) -> dict[str, Any]:
    slug = f"{case.first_name}.{case.last_name}".lower()
    return eligible_answers(
        first_name=case.first_name,
        last_name=case.last_name,
        email=f"{slug}@example.com",
        phone=f"555 010 {number:04d}",
        signature=f"{case.first_name} {case.last_name}",
        **case.answers,
    )


@transaction.atomic
def seed_demo_submissions(
    *, front_desk: User, chiropractor: User, now: datetime | None = None
) -> int:
    """Create the demo submissions that are missing; returns how many were created."""
    now = now or timezone.now()
    created = 0
    for number, case in enumerate(DEMO_CASES):
        key = demo_draft_key(case)
        if Submission.objects.filter(draft_key=key).exists():
            continue
        submitted_at = now - timedelta(hours=case.hours_ago)
        submission = create_submission(
            answers=_answers_for(case, number),
            draft_key=key,
            ip_address="192.0.2.10",
            user_agent="Demo browser",
            submitted_at=submitted_at,
        )
        for kind, value in case.steps:
            if kind == "contact":
                workflow.record_contact(
                    submission=submission, result=value, note="Demo call.", by=front_desk
                )
            elif kind == "status":
                workflow.close_case(
                    submission=submission, to=value, reason="Demo: agreed by phone.", by=front_desk
                )
            elif kind == "override":
                workflow.override_outcome(
                    submission=submission,
                    outcome=value,
                    reason="Demo: history reviewed by phone.",
                    by=chiropractor,
                )
            elif kind == "clear":
                workflow.clear_for_consult(submission=submission, reason=value, by=chiropractor)
        created += 1
    return created
