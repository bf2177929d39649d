"""Patient-reported outcomes over a course of care (docs/care.md#outcomes): scheduling the
check-ins (after every session, at 6 and 12 weeks), the one reminder, the patient's answers with
their red-flag screening, and the progress shown on the episode page and in the queue.

The maths is care/scores.py's; the chart is care/chart.py's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from intake import audit, urgent, workflow
from intake.models import Submission

from . import emails, scores
from .models import NeedlingSession, OutcomeCheckIn, PlanVersion, TreatmentPlan

logger = logging.getLogger(__name__)

WEEKS = {OutcomeCheckIn.Occasion.WEEK_6: 6, OutcomeCheckIn.Occasion.WEEK_12: 12}
# Intake answers the urgent rules read beside the red flags asked again (diabetes, immunity).
INTAKE_CONTEXT_CODES = ("diabetes", "immunosuppressed")


# Scheduling -----------------------------------------------------------------------------------


def schedule(checkin: OutcomeCheckIn) -> None:
    """Queue the check-in's email for its due time and its reminder task a few days later
    (both in the caller's transaction)."""
    emails.send_checkin(checkin)
    reminder_at = checkin.due_at + timedelta(days=settings.CLINIC_CHECKIN_REMINDER_DAYS)
    remind.using(run_after=reminder_at).enqueue(checkin.pk)


def schedule_plan_checkins(plan: TreatmentPlan) -> list[OutcomeCheckIn]:
    """At the plan's start: the 6- and 12-week check-ins (once each, whatever is called twice)."""
    made = []
    for occasion, weeks in WEEKS.items():
        checkin, created = OutcomeCheckIn.objects.get_or_create(
            plan=plan,
            occasion=occasion,
            defaults={
                "submission": plan.submission,
                "due_at": plan.created_at + timedelta(weeks=weeks),
            },
        )
        if created:
            schedule(checkin)
            made.append(checkin)
    return made


def schedule_session_checkin(session: NeedlingSession) -> OutcomeCheckIn | None:
    plan = TreatmentPlan.objects.filter(submission_id=session.submission_id).first()
    if plan is None:
        return None
    checkin, created = OutcomeCheckIn.objects.get_or_create(
        session=session,
        defaults={
            "submission_id": session.submission_id,
            "plan": plan,
            "occasion": OutcomeCheckIn.Occasion.SESSION,
            "due_at": timezone.now(),
        },
    )
    if created:
        schedule(checkin)
    return checkin


@task()
def remind(checkin_id: int) -> str:
    """The one reminder, decided when it is due: skipped if the check-in was answered meanwhile,
    the case anonymised or the link expired; otherwise queued now (once: its key)."""
    with transaction.atomic():
        checkin = (
            OutcomeCheckIn.objects.select_related("submission")
            .filter(pk=checkin_id, answered_at__isnull=True, submission__anonymised_at__isnull=True)
            .first()
        )
        expired = checkin is None or timezone.now() > checkin.due_at + timedelta(
            days=settings.CLINIC_CHECKIN_LINK_DAYS
        )
        if checkin is None or expired:
            logger.info("check-in %s reminder skipped", checkin_id)
            return "skipped"
        emails.send_checkin(checkin, reminder=True)
    logger.info("check-in %s reminder queued", checkin_id)
    return "queued"


# Answering ------------------------------------------------------------------------------------


@transaction.atomic
def answer(
    *,
    checkin: OutcomeCheckIn,
    nprs_first_step: int,
    nprs_average: int,
    activities: list[str],
    psfs_scores: list[int | None],
    global_change: int | None,
    adherence_days: int,
    anything_new: bool,
    anything_new_text: str,
    request: HttpRequest | None = None,
) -> OutcomeCheckIn:
    """Store the patient's answers once. The first check-in that names activities is the PSFS
    baseline; later ones score the same activities."""
    plan = TreatmentPlan.objects.select_for_update().get(pk=checkin.plan_id)
    locked = OutcomeCheckIn.objects.select_for_update().get(pk=checkin.pk)
    if locked.answered_at is not None:
        return locked
    baseline = not plan.psfs_activities
    if baseline:
        plan.psfs_activities = activities[: scores.PSFS_MAX_ACTIVITIES]
        plan.save(update_fields=["psfs_activities"])
    locked.answered_at = timezone.now()
    locked.nprs_first_step = nprs_first_step
    locked.nprs_average = nprs_average
    locked.psfs_scores = psfs_scores[: len(plan.psfs_activities)]
    locked.psfs_baseline = baseline
    locked.global_change = None if baseline else global_change
    locked.adherence_days = adherence_days
    locked.anything_new = anything_new
    locked.anything_new_text = anything_new_text.strip() if anything_new else ""
    locked.save()
    audit.record(
        audit.CARE_CHECKIN_ANSWERED,
        request=request,
        submission=checkin.submission,
        checkin=locked.pk,
        occasion=locked.occasion,
        by_patient=True,
        anything_new=anything_new,
    )
    update_response(plan)
    return locked


@transaction.atomic
def answer_red_flags(
    *, checkin: OutcomeCheckIn, answers: dict[str, bool], request: HttpRequest | None = None
) -> OutcomeCheckIn:
    """Screen the red flags asked after "something new" with the intake's urgent rules (with
    the intake's diabetes and immunity answers); an urgent finding makes the case urgent."""
    locked = OutcomeCheckIn.objects.select_for_update().get(pk=checkin.pk)
    if locked.red_flags_answered_at is not None or not locked.anything_new:
        return locked
    submission = checkin.submission
    context = {
        code: submission.answers[code]
        for code in INTAKE_CONTEXT_CODES
        if code in (submission.answers or {})
    }
    rules = urgent.certain_rules({**context, **answers})
    locked.red_flags = answers
    locked.red_flags_answered_at = timezone.now()
    locked.urgent_rules = rules
    locked.save(update_fields=["red_flags", "red_flags_answered_at", "urgent_rules"])
    if rules:
        workflow.checkin_urgent(
            submission=submission, checkin_id=locked.pk, rules=rules, request=request
        )
    return locked


def urgent_advice(checkin: OutcomeCheckIn) -> list[list[tuple[str, bool]]]:
    """The urgent advice of the check-in's findings, as the intake shows it (number linked)."""
    return urgent.linked(urgent.advice_for_rules(checkin.urgent_rules))


# Progress -------------------------------------------------------------------------------------


def intake_nprs(submission: Submission) -> int | None:
    value = (submission.answers or {}).get("nprs_first_step")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _answered(checkin: OutcomeCheckIn) -> scores.Answered:
    assert checkin.answered_at is not None
    return scores.Answered(
        when=checkin.answered_at,
        nprs_first_step=checkin.nprs_first_step,
        psfs_scores=tuple(checkin.psfs_scores),
        psfs_baseline=checkin.psfs_baseline,
        adherence_days=checkin.adherence_days,
    )


def update_response(plan: TreatmentPlan) -> None:
    """Store whether the latest answers show the minimal important change (the queue's flag)."""
    summary = summarise(plan.submission, answered_checkins(plan))
    reached = bool(summary and summary.reached)
    if reached != plan.minimal_change_reached:
        TreatmentPlan.objects.filter(pk=plan.pk).update(minimal_change_reached=reached)
        plan.minimal_change_reached = reached


def answered_checkins(plan: TreatmentPlan) -> list[OutcomeCheckIn]:
    return list(
        OutcomeCheckIn.objects.filter(plan=plan, answered_at__isnull=False).order_by(
            "answered_at", "pk"
        )
    )


def summarise(submission: Submission, checkins: list[OutcomeCheckIn]) -> scores.Summary | None:
    return scores.summarise(
        intake_nprs=intake_nprs(submission),
        intake_at=submission.submitted_at,
        checkins=[_answered(c) for c in checkins],
    )


def _signed(value: float | None) -> str:
    if value is None:
        return "–"
    number = f"{value:g}"
    return f"+{number}" if value > 0 else number.replace("-", "−")


def summary_words(summary: scores.Summary | None) -> str:
    """Plain words beside the chart: "Improving: first-step pain 7 → 3 (−4) over 5 weeks"."""
    if summary is None:
        return _("No check-in answered yet.")
    if summary.reached:
        verdict = _("Improving")
    elif summary.worse:
        verdict = _("Getting worse")
    else:
        verdict = _("No important change yet")
    parts = [verdict]
    if summary.baseline_nprs is not None and summary.latest_nprs is not None:
        parts.append(
            _("first-step pain %(before)s → %(after)s (%(change)s)")
            % {
                "before": summary.baseline_nprs,
                "after": summary.latest_nprs,
                "change": _signed(summary.nprs_change),
            }
        )
    if summary.psfs_change is not None:
        parts.append(
            _("activities %(before)s → %(after)s (%(change)s)")
            % {
                "before": f"{summary.baseline_psfs:g}",
                "after": f"{summary.latest_psfs:g}",
                "change": _signed(summary.psfs_change),
            }
        )
    weeks = ngettext("over %(weeks)s week", "over %(weeks)s weeks", summary.weeks) % {
        "weeks": summary.weeks
    }
    return f"{parts[0]}: {', '.join(parts[1:])} {weeks}" if len(parts) > 1 else parts[0]


@dataclass(frozen=True)
class Progress:
    submission: Submission
    plan: TreatmentPlan
    checkins: list[OutcomeCheckIn]
    sessions: list[NeedlingSession]
    summary: scores.Summary | None
    words: str


def progress(plan: TreatmentPlan) -> Progress:
    submission = plan.submission
    checkins = answered_checkins(plan)
    summary = summarise(submission, checkins)
    return Progress(
        submission=submission,
        plan=plan,
        checkins=checkins,
        sessions=list(NeedlingSession.objects.filter(submission=submission).order_by("date")),
        summary=summary,
        words=summary_words(summary),
    )


def psfs_point(checkin: OutcomeCheckIn) -> float | None:
    return scores.psfs_mean(checkin.psfs_scores)


# The queue's flag -----------------------------------------------------------------------------


def with_response_flag(
    submissions: QuerySet[Submission], *, today: Any = None
) -> QuerySet[Submission]:
    """`not_responding`: in care, the latest plan version's review date has come, and the
    latest answers do not show the minimal important change (no answers count as not shown).
    An annotation, so the queue keeps its one query."""
    today = today or timezone.localdate()
    latest_review = PlanVersion.objects.filter(plan=OuterRef("pk")).order_by("-number")
    return submissions.annotate(
        not_responding=Exists(
            TreatmentPlan.objects.filter(
                submission=OuterRef("pk"),
                finished_at__isnull=True,
                minimal_change_reached=False,
            )
            .annotate(review_on=Subquery(latest_review.values("review_on")[:1]))
            .filter(review_on__lte=today)
        )
    )
