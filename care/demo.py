"""Demo patients part-way through a course of care (seed_demo): one improving, one not (flagged
"not responding" at today's review), one with a mild adverse event; the first two have answered
outcome check-ins for their charts. Synthetic names only; no emails are queued for them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from consults.models import Chiropractor, Consult
from intake import audit, workflow
from intake.demo import eligible_answers
from intake.models import Submission, User
from intake.submissions import create_submission

from . import exercises, outcomes
from .models import (
    AdverseEvent,
    AftercareCheck,
    ConsultResult,
    NeedlingSession,
    OutcomeCheckIn,
    PlanVersion,
    TreatmentPlan,
)

DEMO_NAMESPACE = uuid.UUID("6f1f0a52-5d0e-4c7a-9a43-2f8b3c1d7e18")


@dataclass(frozen=True)
class CourseCase:
    first_name: str
    last_name: str
    feelings: tuple[str, ...]  # the two-day check after each session so far
    mild_event: bool = False
    revised: bool = False
    # Outcome check-ins after each session: first-step pain and the PSFS scores (two activities).
    outcomes: tuple[tuple[int, tuple[int, int]], ...] = ()


COURSE_CASES = (
    CourseCase(
        "Imogen",
        "Better",
        ("same", "better", "better"),
        outcomes=((6, (3, 4)), (4, (5, 6)), (3, (7, 7))),
    ),
    CourseCase(
        "Nolan",
        "Slow",
        ("same", "same", "worse"),
        revised=True,
        outcomes=((7, (3, 3)), (6, (3, 4)), (7, (3, 3))),
    ),
    CourseCase("Bea", "Bruise", ("better", "same"), mild_event=True),
)
DEMO_ACTIVITIES = ["Demo: walking to work", "Demo: standing at the sink"]


@transaction.atomic
def seed_demo_care(chiropractor: User) -> int:
    """Create the course-of-care demo patients that are missing; returns how many."""
    profile = Chiropractor.objects.filter(user=chiropractor).first()
    if profile is None:
        return 0
    created = 0
    for number, case in enumerate(COURSE_CASES):
        key = uuid.uuid5(DEMO_NAMESPACE, f"{case.first_name} {case.last_name}")
        if Submission.objects.filter(draft_key=key).exists():
            continue
        _seed_course(case, number, key, profile, chiropractor)
        created += 1
    return created


def _seed_course(
    case: CourseCase, number: int, key: uuid.UUID, profile: Chiropractor, by: User
) -> None:
    now = timezone.now()
    weeks = len(case.feelings) + 1
    slug = f"{case.first_name}.{case.last_name}".lower()
    submission = create_submission(
        answers=eligible_answers(
            first_name=case.first_name,
            last_name=case.last_name,
            email=f"{slug}@example.com",
            phone=f"555 020 {number:04d}",
            signature=f"{case.first_name} {case.last_name}",
        ),
        draft_key=key,
        ip_address="192.0.2.20",
        user_agent="Demo browser",
        submitted_at=now - timedelta(weeks=weeks, days=3),
    )
    # Each demo course has its own hour: one chiropractor cannot see two patients at once (on
    # PostgreSQL the database refuses overlapping consults).
    consult_at = (now - timedelta(weeks=weeks, hours=2 * number)).replace(
        minute=0, second=0, microsecond=0
    )
    consult = Consult.objects.create(
        chiropractor=profile,
        submission=submission,
        starts_at=consult_at,
        ends_at=consult_at + timedelta(minutes=profile.consult_minutes),
        kind=Consult.Kind.DRY_NEEDLING,
        attendance=Consult.Attendance.COMPLETED,
        completed_at=consult_at + timedelta(minutes=profile.consult_minutes),
    )
    workflow.consult_booked(
        submission=submission, consult_id=consult.pk, location_id=consult.location.pk, by=by
    )
    workflow.consult_completed(submission=submission, consult_id=consult.pk, by=by)
    result = ConsultResult.objects.create(
        submission=submission, consult=consult, decision=ConsultResult.Decision.PLAN, by=by
    )
    audit.record(audit.CARE_RESULT_PLAN, actor=by, submission=submission, result=result.pk)
    plan = TreatmentPlan.objects.create(submission=submission, with_needling=True)
    _version(plan, 1, 6, by)
    workflow.plan_started(submission=submission, plan_id=plan.pk, by=by)
    for index, feeling in enumerate(case.feelings, start=1):
        day = timezone.localdate(consult_at) + timedelta(weeks=index - 1, days=2)
        session = NeedlingSession.objects.create(
            submission=submission,
            number=index,
            date=day,
            minutes=30,
            areas=["gastrocnemius", "soleus", "abductor_hallucis"],
            practitioner=by,
            new_blood_thinners=False,
            pregnancy=False,
            fever_or_unwell=False,
            skin_broken_or_infected=False,
            new_implants=False,
            safety_decision=NeedlingSession.SafetyDecision.PASSED,
            notes="Demo session.",
            recorded_by=by,
        )
        audit.record(
            audit.CARE_SESSION_RECORDED,
            actor=by,
            submission=submission,
            session=session.pk,
            number=index,
        )
        AftercareCheck.objects.create(
            session=session,
            feeling=feeling,
            spreading_redness=False,
            warmth_or_swelling=False,
            pus=False,
            fever=False,
        )
        if index <= len(case.outcomes):
            _checkin(plan, session, *case.outcomes[index - 1], baseline=index == 1)
    if case.mild_event:
        last = NeedlingSession.objects.filter(submission=submission).order_by("-number").first()
        event = AdverseEvent.objects.create(
            submission=submission,
            session=last,
            kind=AdverseEvent.Kind.BRUISING,
            severity=AdverseEvent.Severity.MILD,
            action_taken="Demo: reassured, ice advised.",
            occurred_on=last.date if last else timezone.localdate(),
            recorded_by=by,
        )
        audit.record(audit.CARE_ADVERSE_MILD, actor=by, submission=submission, event=event.pk)
    if case.revised:
        # Reviewed today: not improving, so the queue shows "not responding: reassess".
        _version(plan, 2, 8, by, review_on=timezone.localdate())
    outcomes.update_response(plan)


def _checkin(
    plan: TreatmentPlan,
    session: NeedlingSession,
    first_step: int,
    psfs: tuple[int, int],
    *,
    baseline: bool,
) -> None:
    if baseline:
        plan.psfs_activities = DEMO_ACTIVITIES
        plan.save(update_fields=["psfs_activities"])
    answered = timezone.make_aware(datetime.combine(session.date, time(19)))
    OutcomeCheckIn.objects.create(
        submission=plan.submission,
        plan=plan,
        session=session,
        occasion=OutcomeCheckIn.Occasion.SESSION,
        due_at=answered,
        answered_at=min(answered, timezone.now()),
        nprs_first_step=first_step,
        nprs_average=max(first_step - 2, 0),
        psfs_scores=list(psfs),
        psfs_baseline=baseline,
        global_change=None if baseline else 7 - first_step - 1,
        adherence_days=5,
        anything_new=False,
    )


def _version(
    plan: TreatmentPlan, number: int, sessions: int, by: User, *, review_on: date | None = None
) -> None:
    PlanVersion.objects.create(
        plan=plan,
        number=number,
        sessions_planned=sessions,
        frequency=PlanVersion.Frequency.WEEKLY,
        session_minutes=30,
        exercises=[exercise.code for exercise in exercises.CATALOGUE],
        footwear="Demo: cushioned trainers; heel cups at work.",
        load_changes="Demo: cycling instead of running for four weeks.",
        review_on=review_on or timezone.localdate() + timedelta(days=14),
        by=by,
    )
    audit.record(
        audit.CARE_PLAN_REVISED, actor=by, submission=plan.submission, plan=plan.pk, version=number
    )
