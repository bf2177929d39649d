"""The course of care of one episode (a submission): the consult's result, plan versions,
sessions, adverse events, the hold on needling and the patient's check. Each step runs in one
transaction with its audit entry and its emails; status moves go through intake/workflow.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from consults import attendance
from consults.booking import Booked, SlotTaken, book_consult
from consults.models import Chiropractor, Consult
from intake import audit, workflow
from intake.models import Status, Submission, User

from . import emails, exercises, outcomes
from .models import (
    AdverseEvent,
    AftercareCheck,
    ConsultResult,
    NeedlingSession,
    PlanVersion,
    TreatmentPlan,
)


class CareRefused(ValueError):
    """A care step that does not fit the episode now; the message says why."""


# Reading the episode --------------------------------------------------------------------------


def plan_of(submission: Submission) -> TreatmentPlan | None:
    return TreatmentPlan.objects.filter(submission=submission).first()


def result_of(submission: Submission) -> ConsultResult | None:
    return ConsultResult.objects.filter(submission=submission).order_by("-at", "-pk").first()


def holding_events(submission: Submission) -> QuerySet[AdverseEvent]:
    return AdverseEvent.objects.filter(
        submission=submission, severity=AdverseEvent.Severity.SIGNIFICANT, cleared_at__isnull=True
    )


def with_care_flags(submissions: QuerySet[Submission]) -> QuerySet[Submission]:
    """The queue's rows with `care_hold`: a significant adverse event not yet cleared, and
    `not_responding` (care/outcomes.py): the review date has come without the minimal
    important change."""
    return outcomes.with_response_flag(submissions).annotate(
        care_hold=Exists(
            AdverseEvent.objects.filter(
                submission=OuterRef("pk"),
                severity=AdverseEvent.Severity.SIGNIFICANT,
                cleared_at__isnull=True,
            )
        )
    )


def consult_to_decide(submission: Submission) -> Consult | None:
    """The first consult (not a session) whose result is still to be recorded, once it is
    today or past; None when there is none or the result is in."""
    if ConsultResult.objects.filter(submission=submission).exists():
        return None
    consult = (
        Consult.objects.active()
        .filter(submission=submission)
        .exclude(kind=Consult.Kind.NEEDLING_SESSION)
        .order_by("-starts_at")
        .first()
    )
    if consult is None or timezone.localdate(consult.starts_at) > timezone.localdate():
        return None
    return consult


def session_block_reason(submission: Submission) -> str | None:
    """Why no needling session can be recorded or booked now, or None when it can."""
    plan = plan_of(submission)
    if plan is None or plan.latest is None:
        return _("There is no treatment plan yet.")
    if not plan.with_needling:
        return _("The plan is exercise-only: no needling sessions.")
    if submission.status != Status.IN_CARE:
        return _("The course of care has ended.")
    if holding_events(submission).exists():
        return _(
            "Needling is on hold after a significant adverse event. A chiropractor must clear "
            "it first."
        )
    return None


def next_session_number(submission: Submission) -> int:
    return NeedlingSession.objects.filter(submission=submission).count() + 1


@dataclass(frozen=True)
class SessionRow:
    session: NeedlingSession
    areas: list[str]


def episode_panel(user: Any, submission: Submission) -> dict[str, Any]:
    """What the episode panel on the submission page shows this user (care/_episode_panel)."""
    can_view_plan = user.has_perm("care.view_treatmentplan")
    if not can_view_plan:
        return {"show": False}
    # One query for the usual case, a patient not (yet) in care: the page has a query budget.
    tomorrow = timezone.make_aware(
        datetime.combine(timezone.localdate() + timedelta(days=1), datetime.min.time())
    )
    state = (
        Submission.objects.filter(pk=submission.pk)
        .annotate(
            has_result=Exists(ConsultResult.objects.filter(submission=OuterRef("pk"))),
            has_plan=Exists(TreatmentPlan.objects.filter(submission=OuterRef("pk"))),
            consult_due=Exists(
                Consult.objects.active()
                .filter(submission=OuterRef("pk"), starts_at__lt=tomorrow)
                .exclude(kind=Consult.Kind.NEEDLING_SESSION)
            ),
        )
        .values("has_result", "has_plan", "consult_due")
        .get()
    )
    if not any(state.values()):
        return {"show": True, "submission": submission}
    plan = plan_of(submission)
    latest = plan.latest if plan else None
    can_view_sessions = user.has_perm("care.view_needlingsession")
    sessions = (
        list(NeedlingSession.objects.filter(submission=submission).select_related("practitioner"))
        if can_view_sessions
        else []
    )
    return {
        "show": True,
        "submission": submission,
        "result": result_of(submission),
        "to_decide": consult_to_decide(submission),
        "plan": plan,
        "latest": latest,
        "versions": list(plan.versions.select_related("by")) if plan else [],
        "exercises": _exercise_names(latest),
        "sessions_done": NeedlingSession.objects.filter(submission=submission).count(),
        "sessions": [SessionRow(s, s.area_labels()) for s in sessions],
        "events": list(AdverseEvent.objects.filter(submission=submission))
        if user.has_perm("care.view_adverseevent")
        else [],
        "on_hold": holding_events(submission).exists(),
        "block_reason": session_block_reason(submission),
        "can_record": user.has_perm("care.record_care"),
        "can_view_sessions": can_view_sessions,
        "can_book": user.has_perm("consults.book_consult"),
        "next_consult": Consult.objects.still_to_come().filter(submission=submission).first(),
        "in_care": submission.status == Status.IN_CARE,
        "progress": outcomes.progress(plan)
        if plan and user.has_perm("care.view_outcomecheckin")
        else None,
    }


def _exercise_names(version: PlanVersion | None) -> list[str]:
    return [str(e.name) for e in exercises.chosen(version.exercises)] if version else []


# Steps ----------------------------------------------------------------------------------------


@transaction.atomic
def record_result(
    *,
    submission: Submission,
    consult: Consult,
    decision: str,
    reason: str,
    by: User,
    request: HttpRequest | None = None,
) -> ConsultResult:
    """The chiropractor's decision at the end of the consult; marks the consult completed."""
    if ConsultResult.objects.select_for_update().filter(submission=submission).exists():
        raise CareRefused(_("The consult's result has already been recorded."))
    if consult.attendance != Consult.Attendance.COMPLETED:
        try:
            attendance.mark_attendance(
                consult=consult, mark=Consult.Attendance.COMPLETED, by=by, request=request
            )
        except attendance.CannotMark as refused:
            raise CareRefused(str(refused)) from refused
        submission.refresh_from_db()
    result = ConsultResult.objects.create(
        submission=submission, consult=consult, decision=decision, by=by
    )
    action = {
        ConsultResult.Decision.PLAN: audit.CARE_RESULT_PLAN,
        ConsultResult.Decision.EXERCISE_ONLY: audit.CARE_RESULT_EXERCISE,
        ConsultResult.Decision.REFER: audit.CARE_RESULT_REFER,
    }[ConsultResult.Decision(decision)]
    audit.record(action, request=request, actor=by, submission=submission, result=result.pk)
    if decision == ConsultResult.Decision.REFER:
        try:
            workflow.referred_on(submission=submission, reason=reason, by=by, request=request)
        except workflow.StepNotAllowed as refused:
            raise CareRefused(str(refused)) from refused
    return result


@transaction.atomic
def save_plan(
    *,
    submission: Submission,
    sessions_planned: int,
    frequency: str,
    session_minutes: int,
    exercise_codes: list[str],
    footwear: str,
    load_changes: str,
    review_on: date,
    by: User,
    request: HttpRequest | None = None,
) -> PlanVersion:
    """Save the plan's next version (the first starts the course), and email the patient."""
    result = result_of(submission)
    if result is None or result.decision == ConsultResult.Decision.REFER:
        raise CareRefused(_("Record the consult's result as a plan first."))
    plan, _created = TreatmentPlan.objects.select_for_update().get_or_create(
        submission=submission,
        defaults={"with_needling": result.decision == ConsultResult.Decision.PLAN},
    )
    if plan.finished_at is not None:
        raise CareRefused(_("The course of care has ended; the plan can no longer change."))
    if not plan.with_needling:
        sessions_planned, frequency = 0, ""
    previous = plan.latest
    version = PlanVersion.objects.create(
        plan=plan,
        number=(previous.number + 1) if previous else 1,
        sessions_planned=sessions_planned,
        frequency=frequency,
        session_minutes=session_minutes,
        exercises=exercise_codes,
        footwear=footwear.strip(),
        load_changes=load_changes.strip(),
        review_on=review_on,
        by=by,
    )
    audit.record(
        audit.CARE_PLAN_REVISED,
        request=request,
        actor=by,
        submission=submission,
        plan=plan.pk,
        version=version.number,
    )
    if previous is None:
        try:
            workflow.plan_started(submission=submission, plan_id=plan.pk, by=by, request=request)
        except workflow.StepNotAllowed as refused:
            raise CareRefused(str(refused)) from refused
        outcomes.schedule_plan_checkins(plan)
    # Sessions already booked show the new count on the agenda.
    Consult.objects.filter(
        submission=submission, kind=Consult.Kind.NEEDLING_SESSION, status=Consult.Status.ACTIVE
    ).update(sessions_planned=version.sessions_planned)
    emails.send_plan(version)
    return version


@transaction.atomic
def record_session(
    *,
    submission: Submission,
    day: date,
    minutes: int | None,
    minutes_confirmed: bool,
    areas: list[str],
    other_area: str,
    safety: dict[str, bool],
    safety_decision: str,
    safety_reason: str,
    notes: str,
    practitioner: User,
    by: User,
    request: HttpRequest | None = None,
) -> NeedlingSession:
    """Record one session after its safety check. A session held by the check ("do not needle
    today") is recorded without needling, aftercare or check email."""
    Submission.objects.select_for_update().get(pk=submission.pk)
    reason = session_block_reason(submission)
    if reason is not None:
        raise CareRefused(reason)
    needled = safety_decision != NeedlingSession.SafetyDecision.NOT_TODAY
    consult = (
        Consult.objects.still_to_come()
        .filter(submission=submission, kind=Consult.Kind.NEEDLING_SESSION)
        .filter(starts_at__date__lte=day)
        .first()
    )
    session = NeedlingSession.objects.create(
        submission=submission,
        consult=consult,
        number=next_session_number(submission),
        date=day,
        minutes=minutes if needled else None,
        minutes_confirmed=minutes_confirmed and needled,
        areas=areas if needled else [],
        other_area=other_area.strip() if needled else "",
        practitioner=practitioner,
        safety_decision=safety_decision,
        safety_reason=safety_reason.strip(),
        notes=notes.strip(),
        recorded_by=by,
        **safety,
    )
    audit.record(
        audit.CARE_SESSION_RECORDED if needled else audit.CARE_SESSION_HELD,
        request=request,
        actor=by,
        submission=submission,
        session=session.pk,
        number=session.number,
    )
    if consult is not None and consult.attendance != Consult.Attendance.COMPLETED:
        attendance.mark_attendance(
            consult=consult, mark=Consult.Attendance.COMPLETED, by=by, request=request
        )
    if needled:
        upcoming = (
            Consult.objects.still_to_come()
            .filter(submission=submission, starts_at__gt=timezone.now())
            .first()
        )
        emails.send_aftercare(session, next_consult=upcoming)
        emails.send_check(session)
    outcomes.schedule_session_checkin(session)
    return session


@transaction.atomic
def record_adverse_event(
    *,
    submission: Submission,
    session: NeedlingSession | None,
    kind: str,
    severity: str,
    description: str,
    action_taken: str,
    occurred_on: date,
    by: User,
    request: HttpRequest | None = None,
) -> AdverseEvent:
    """Record an adverse event; a significant one puts needling on hold until cleared."""
    event = AdverseEvent.objects.create(
        submission=submission,
        session=session,
        kind=kind,
        severity=severity,
        description=description.strip(),
        action_taken=action_taken.strip(),
        occurred_on=occurred_on,
        recorded_by=by,
    )
    audit.record(
        audit.CARE_ADVERSE_SIGNIFICANT
        if severity == AdverseEvent.Severity.SIGNIFICANT
        else audit.CARE_ADVERSE_MILD,
        request=request,
        actor=by,
        submission=submission,
        event=event.pk,
        kind=kind,
        session=session.pk if session else None,
    )
    return event


@transaction.atomic
def clear_hold(
    *, event: AdverseEvent, reason: str, by: User, request: HttpRequest | None = None
) -> None:
    """A chiropractor lifts the hold a significant adverse event put on needling."""
    if not reason.strip():
        raise CareRefused(_("Please give a reason for clearing the hold."))
    updated = AdverseEvent.objects.filter(pk=event.pk, cleared_at__isnull=True).update(
        cleared_at=timezone.now(), cleared_by=by, clearance_reason=reason.strip()
    )
    if not updated:
        raise CareRefused(_("This hold has already been cleared."))
    audit.record(
        audit.CARE_HOLD_CLEARED,
        request=request,
        actor=by,
        submission=event.submission,
        event=event.pk,
    )


@transaction.atomic
def finish_care(
    *, submission: Submission, reason: str, by: User, request: HttpRequest | None = None
) -> None:
    try:
        workflow.care_finished(submission=submission, reason=reason, by=by, request=request)
    except workflow.StepNotAllowed as refused:
        raise CareRefused(str(refused)) from refused
    TreatmentPlan.objects.filter(submission=submission).update(finished_at=timezone.now())


def book_session(
    *, submission: Submission, chiropractor: Chiropractor, starts_at: datetime, by: User
) -> Booked | SlotTaken:
    """Book the next session through the consult booking (its no-double-booking constraint),
    as long as the plan's length."""
    reason = session_block_reason(submission)
    if reason is not None:
        raise CareRefused(reason)
    plan = plan_of(submission)
    assert plan is not None and plan.latest is not None
    latest = plan.latest
    number = next_session_number(submission)
    return book_consult(
        submission=submission,
        chiropractor=chiropractor,
        starts_at=starts_at,
        by=by,
        kind=Consult.Kind.NEEDLING_SESSION,
        minutes=latest.session_minutes,
        session=(number, latest.sessions_planned),
    )


@transaction.atomic
def answer_check(
    *,
    session: NeedlingSession,
    feeling: str,
    signs: dict[str, bool],
    request: HttpRequest | None = None,
) -> AftercareCheck:
    """The patient's answer two days after a session. Signs of infection make the case urgent
    for staff at once (workflow.aftercare_urgent), as an urgent intake does."""
    check = AftercareCheck.objects.create(session=session, feeling=feeling, **signs)
    submission = session.submission
    audit.record(
        audit.CARE_CHECK_ANSWERED,
        request=request,
        submission=submission,
        session=session.pk,
        number=session.number,
        by_patient=True,
        feeling=feeling,
        infection_signs=check.suggests_infection,
    )
    if check.suggests_infection:
        workflow.aftercare_urgent(submission=submission, session_id=session.pk, request=request)
    return check
