"""The care pathway: the only code that changes a submission's status, its contact clock and its
outcome, each step in one transaction with its audit entry.

How a submission moves (README, "How a submission moves"):

    new ──reached──▶ contacted ──booked──▶ consult_booked ──completed──▶ closed
     │  ╲                │  ▲                   │
     │   ╲──booked───────┼──┼──────────────────▶│
     │                   │  └──cancelled────────┘ (back to contacted, or new if never reached)
     │                   │  └──no-show──────────┘ (the same, and the contact clock restarts)
     └──────┬────────────┘
            ▼ closed with a reason
    closed · referred_out · not_proceeding

- "consult_booked" is set only by booking a consult and left only by cancelling, missing or
  completing it.
- "contacted" means a recorded attempt reached the patient; it is never set by hand.
- The contact clock (`contact_due_at`) runs from submission until someone reaches the patient,
  books a consult or closes the case. An unanswered attempt sets when to try again. A patient's
  own cancellation starts the clock again.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    CaseNote,
    ContactAttempt,
    Outcome,
    Status,
    Submission,
    User,
)

# Statuses staff may choose from the status menu, from each status. Every one is final and needs
# a reason. "contacted" and "consult_booked" are never on it: a reached call and a booking set them.
MENU_MOVES: dict[str, tuple[str, ...]] = {
    Status.NEW: FINAL_STATUSES,
    Status.CONTACTED: FINAL_STATUSES,
    Status.CONSULT_BOOKED: (),
    # A course of care ends through care_finished (a chiropractor, on the care panel).
    Status.IN_CARE: (),
    Status.CLOSED: (),
    Status.REFERRED_OUT: (),
    Status.NOT_PROCEEDING: (),
}
# Outcomes a chiropractor must give a reason for when clearing a patient for a consult.
CLEARANCE_NEEDS_REASON = frozenset({Outcome.URGENT, Outcome.REFER, Outcome.NO_NEEDLING})
UNANSWERED = frozenset(
    {
        ContactAttempt.Result.NO_ANSWER,
        ContactAttempt.Result.VOICEMAIL,
        ContactAttempt.Result.WRONG_NUMBER,
    }
)


class StepNotAllowed(ValueError):
    """A step the pathway does not allow, or one without its required reason; says why."""


# The contact clock ----------------------------------------------------------------------------


def overdue_q(now: datetime | None = None) -> Q:
    """Open cases whose patient nobody has reached by the deadline. The one definition."""
    return Q(status__in=OPEN_STATUSES, contact_due_at__lt=now or timezone.now())


def is_overdue(submission: Submission, now: datetime | None = None) -> bool:
    """The same rule as `overdue_q`, for one submission already in memory."""
    return (
        submission.status in OPEN_STATUSES
        and submission.contact_due_at is not None
        and submission.contact_due_at < (now or timezone.now())
    )


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _is_working_day(day: Any) -> bool:
    return day.weekday() in settings.CLINIC_WORKING_DAYS


def next_opening(moment: datetime) -> datetime:
    """The moment itself when the clinic is open then, else the next opening time."""
    local = timezone.localtime(moment)
    opens, closes = _clock(settings.CLINIC_OPENS_AT), _clock(settings.CLINIC_CLOSES_AT)
    day = local.date()
    if _is_working_day(day) and opens <= local.time() < closes:
        return local
    if _is_working_day(day) and local.time() < opens:
        return timezone.make_aware(datetime.combine(day, opens))
    day += timedelta(days=1)
    while not _is_working_day(day):
        day += timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, opens))


def working_mornings_later(moment: datetime, days: int) -> datetime:
    """The clinic's opening time on the `days`-th working day after `moment`'s day."""
    day = timezone.localtime(moment).date()
    for _day in range(max(days, 1)):
        day += timedelta(days=1)
        while not _is_working_day(day):
            day += timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, _clock(settings.CLINIC_OPENS_AT)))


def add_working_days(moment: datetime, days: int) -> datetime:
    """`days` working days after `moment`, counted from the clinic's next open hour."""
    start = next_opening(moment)
    day = start.date()
    for _day in range(days):
        day += timedelta(days=1)
        while not _is_working_day(day):
            day += timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, start.time()))


def contact_deadline(outcome: str, since: datetime) -> datetime:
    """When the front desk must have reached the patient by, for this outcome."""
    if outcome == Outcome.URGENT:
        # Urgent cases are phoned within two hours whatever the clinic hours.
        return since + timedelta(hours=2)
    if outcome == Outcome.REFER:
        return add_working_days(since, 1)
    return add_working_days(since, 2)


def retry_time(outcome: str, after: datetime) -> datetime:
    """When to try again after an unanswered attempt: soon for urgent, else a working morning."""
    if outcome == Outcome.URGENT:
        return after + timedelta(minutes=settings.CLINIC_URGENT_RETRY_MINUTES)
    return working_mornings_later(after, settings.CLINIC_ROUTINE_RETRY_DAYS)


# Steps ----------------------------------------------------------------------------------------


def _locked(submission: Submission) -> Submission:
    """Re-read the row under a lock, so two people acting on one case cannot skip a step."""
    fresh = Submission.objects.select_for_update().get(pk=submission.pk)
    submission.__dict__.update(
        {f.attname: getattr(fresh, f.attname) for f in Submission._meta.concrete_fields}
    )
    return submission


def _move(
    submission: Submission, to: str, *, by: User | None, request: HttpRequest | None, **detail: Any
) -> None:
    previous = submission.status
    if previous == to:
        return
    submission.status = to
    submission.save(update_fields=["status"])
    audit.record(
        audit.CHANGED_STATUS,
        request=request,
        actor=by,
        submission=submission,
        **{"from": previous},
        to=to,
        **detail,
    )


def _stop_clock(submission: Submission, *also: str) -> None:
    """Nobody needs to call any more: no deadline, no retry time (and save `also` with them)."""
    submission.contact_due_at = None
    submission.next_attempt_at = None
    submission.save(update_fields=["contact_due_at", "next_attempt_at", *also])


def _note(submission: Submission, kind: str, text: str, by: User | None) -> int | None:
    """Keep what someone wrote for a step; the audit entry names it by id. None when empty."""
    if not text.strip():
        return None
    return CaseNote.objects.create(submission=submission, kind=kind, text=text.strip(), by=by).pk


@transaction.atomic
def record_contact(
    *,
    submission: Submission,
    result: str,
    note: str = "",
    by: User,
    request: HttpRequest | None = None,
) -> ContactAttempt:
    """Log one contact attempt. Reaching the patient stops the contact clock and makes a new case
    "contacted"; an unanswered attempt leaves the clock running and sets when to try again."""
    _locked(submission)
    if submission.status in FINAL_STATUSES:
        raise StepNotAllowed(_("This case is closed. Contact attempts can no longer be logged."))
    attempt = submission.contacts.create(result=result, by=by)
    submission.last_contact_at, submission.last_contact_result = attempt.at, result
    fields = ["next_attempt_at", "last_contact_at", "last_contact_result"]
    if result == ContactAttempt.Result.REACHED:
        submission.next_attempt_at = None
        submission.contact_due_at = None
        submission.patient_cancelled_at = None
        fields += ["contact_due_at", "patient_cancelled_at"]
        if submission.first_contact_at is None:
            submission.first_contact_at = attempt.at
            fields.append("first_contact_at")
    else:
        submission.next_attempt_at = retry_time(submission.outcome, attempt.at)
    submission.save(update_fields=fields)
    audit.record(
        audit.LOGGED_CONTACT,
        request=request,
        actor=by,
        submission=submission,
        contact=attempt.pk,
        result=result,
        note=_note(submission, CaseNote.Kind.CONTACT, note, by),
    )
    if result == ContactAttempt.Result.REACHED and submission.status == Status.NEW:
        _move(submission, Status.CONTACTED, by=by, request=request)
    return attempt


@transaction.atomic
def close_case(
    *,
    submission: Submission,
    to: str,
    reason: str,
    by: User,
    request: HttpRequest | None = None,
) -> None:
    """Close an open case from the status menu, with a reason; the contact clock stops."""
    _locked(submission)
    if to not in MENU_MOVES[submission.status]:
        raise StepNotAllowed(
            _("A case that is “%(from)s” cannot be moved to “%(to)s”.")
            % {
                "from": Status(submission.status).label,
                "to": Status(to).label if to in Status.values else to,
            }
        )
    if not reason.strip():
        raise StepNotAllowed(_("Please give a reason for closing the case."))
    note = _note(submission, CaseNote.Kind.CLOSURE, reason, by)
    _stop_clock(submission)
    _move(submission, to, by=by, request=request, note=note)


@transaction.atomic
def override_outcome(
    *,
    submission: Submission,
    outcome: str,
    reason: str,
    by: User,
    request: HttpRequest | None = None,
) -> None:
    """Overrule the outcome staff act on, with a reason kept beside every earlier one. The queue
    order follows, and so does a contact deadline that is still running."""
    _locked(submission)
    if not reason.strip():
        raise StepNotAllowed(_("Please give a reason for the override."))
    previous = submission.outcome
    note = _note(submission, CaseNote.Kind.OVERRIDE, reason, by)
    submission.set_outcome(outcome)
    submission.override_reason = reason.strip()
    submission.overridden_by = by
    submission.overridden_at = timezone.now()
    if submission.contact_due_at is not None and submission.first_contact_at is None:
        submission.contact_due_at = contact_deadline(outcome, submission.submitted_at)
    submission.save(
        update_fields=[
            "outcome",
            "priority",
            "override_reason",
            "overridden_by",
            "overridden_at",
            "contact_due_at",
        ]
    )
    audit.record(
        audit.OVERRODE_OUTCOME,
        request=request,
        actor=by,
        submission=submission,
        **{"from": previous},
        to=outcome,
        screened=submission.screened_outcome,
        note=note,
    )


@transaction.atomic
def clear_for_consult(
    *,
    submission: Submission,
    reason: str = "",
    by: User,
    request: HttpRequest | None = None,
) -> None:
    """A chiropractor's go-ahead to book a consult; a reason is required unless routine."""
    _locked(submission)
    if submission.outcome in CLEARANCE_NEEDS_REASON and not reason.strip():
        raise StepNotAllowed(
            _("Please give a reason for clearing a “%(outcome)s” submission for a consult.")
            % {"outcome": Outcome(submission.outcome).label}
        )
    note = (
        _note(submission, CaseNote.Kind.CLEARANCE, reason.strip(), by) if reason.strip() else None
    )
    submission.cleared_for_consult = True
    submission.clearance_reason = reason.strip()
    submission.cleared_by = by
    submission.cleared_at = timezone.now()
    submission.save(
        update_fields=["cleared_for_consult", "clearance_reason", "cleared_by", "cleared_at"]
    )
    audit.record(
        audit.CLEARED_FOR_CONSULT,
        request=request,
        actor=by,
        submission=submission,
        outcome=submission.outcome,
        note=note,
    )


@transaction.atomic
def add_note(
    *, submission: Submission, text: str, by: User, request: HttpRequest | None = None
) -> None:
    """A general note on the case, shown on its timeline."""
    if not text.strip():
        raise StepNotAllowed(_("Please write the note."))
    note = _note(submission, CaseNote.Kind.NOTE, text, by)
    audit.record(audit.NOTE_ADDED, request=request, actor=by, submission=submission, note=note)


# Consults move the pathway (called by consults/booking.py, inside its transaction) ----------


@transaction.atomic
def consult_booked(
    *, submission: Submission, consult_id: int, location_id: int, by: User | None, **detail: Any
) -> None:
    """A consult was booked at a location (`by` None: the patient, through their link). The
    case now belongs to that location (docs/locations.md)."""
    _locked(submission)
    submission.patient_cancelled_at = None
    submission.location_id = location_id
    _stop_clock(submission, "patient_cancelled_at", "location")
    audit.record(
        audit.BOOKED_CONSULT,
        actor=by,
        submission=submission,
        consult=consult_id,
        by_patient=by is None,
        **detail,
    )
    if submission.status in (Status.NEW, Status.CONTACTED):
        _move(submission, Status.CONSULT_BOOKED, by=by, request=None, consult=consult_id)


@transaction.atomic
def consult_moved(
    *,
    submission: Submission,
    consult_id: int,
    location_id: int,
    by: User | None,
    reason: str = "",
) -> None:
    """A consult was moved to another time, perhaps at another location (the case goes with
    it); the patient's or staff's reason is kept."""
    if submission.location_id != location_id:
        submission.location_id = location_id
        submission.save(update_fields=["location"])
    note = _note(submission, CaseNote.Kind.MOVE, reason, by)
    audit.record(
        audit.RESCHEDULED_CONSULT,
        actor=by,
        submission=submission,
        consult=consult_id,
        by_patient=by is None,
        note=note,
    )


@transaction.atomic
def consult_cancelled(
    *, submission: Submission, consult_id: int, by: User | None, reason: str
) -> None:
    """A consult was cancelled. The case goes back to "contacted", or to "new" when nobody has
    reached the patient yet. A patient's own cancellation marks the case and restarts the
    contact clock, so the front desk calls them."""
    _locked(submission)
    note = (
        _note(submission, CaseNote.Kind.CANCELLATION, reason.strip(), by)
        if reason.strip()
        else None
    )
    audit.record(
        audit.CANCELLED_CONSULT,
        actor=by,
        submission=submission,
        consult=consult_id,
        by_patient=by is None,
        note=note,
    )
    if by is None:
        now = timezone.now()
        submission.patient_cancelled_at = now
        submission.contact_due_at = contact_deadline(submission.outcome, now)
        submission.save(update_fields=["patient_cancelled_at", "contact_due_at"])
    elif submission.first_contact_at is None:
        submission.contact_due_at = contact_deadline(submission.outcome, timezone.now())
        submission.save(update_fields=["contact_due_at"])
    if submission.status == Status.CONSULT_BOOKED:
        back = Status.CONTACTED if submission.first_contact_at else Status.NEW
        _move(submission, back, by=by, request=None, consult=consult_id)


@transaction.atomic
def consult_completed(
    *, submission: Submission, consult_id: int, by: User, request: HttpRequest | None = None
) -> None:
    """The patient came to their consult: the case is done ("closed")."""
    _locked(submission)
    if submission.status == Status.CONSULT_BOOKED:
        _move(submission, Status.CLOSED, by=by, request=request, consult=consult_id)


@transaction.atomic
def consult_missed(
    *, submission: Submission, consult_id: int, by: User, request: HttpRequest | None = None
) -> None:
    """The patient did not come. Like their own cancellation, the case goes back to the front
    desk ("contacted", or "new" if nobody ever reached them) with the contact clock restarted."""
    _locked(submission)
    audit.record(
        audit.CONSULT_NO_SHOW, request=request, actor=by, submission=submission, consult=consult_id
    )
    submission.contact_due_at = contact_deadline(submission.outcome, timezone.now())
    submission.next_attempt_at = None
    submission.save(update_fields=["contact_due_at", "next_attempt_at"])
    if submission.status == Status.CONSULT_BOOKED:
        back = Status.CONTACTED if submission.first_contact_at else Status.NEW
        _move(submission, back, by=by, request=request, consult=consult_id)


# After the consult: a course of care (called by care/, inside its transactions) --------------
#
#   consult_booked ──completed──▶ closed ──plan started──▶ in_care ──care finished──▶ closed
#                       └──referred on (with the reason)──▶ referred_out
#
# A case with a plan (needling or exercise-only) is "in care", an open status, until the
# chiropractor finishes the course; the front desk's queue keeps it in view all that time.

CARE_STARTS_FROM = (Status.NEW, Status.CONTACTED, Status.CONSULT_BOOKED, Status.CLOSED)


@transaction.atomic
def plan_started(
    *, submission: Submission, plan_id: int, by: User, request: HttpRequest | None = None
) -> None:
    """A treatment plan was made after the consult: the case is "in care"; no contact is due."""
    _locked(submission)
    if submission.status not in (*CARE_STARTS_FROM, Status.IN_CARE):
        raise StepNotAllowed(
            _("A case that is “%(status)s” cannot start a course of care.")
            % {"status": Status(submission.status).label}
        )
    _stop_clock(submission)
    _move(submission, Status.IN_CARE, by=by, request=request, plan=plan_id)


@transaction.atomic
def referred_on(
    *, submission: Submission, reason: str, by: User, request: HttpRequest | None = None
) -> None:
    """The consult's result is a referral elsewhere: "referred_out", with the reason kept."""
    _locked(submission)
    if submission.status not in CARE_STARTS_FROM:
        raise StepNotAllowed(
            _("A case that is “%(status)s” cannot be referred on.")
            % {"status": Status(submission.status).label}
        )
    if not reason.strip():
        raise StepNotAllowed(_("Please give the reason for referring the patient on."))
    note = _note(submission, CaseNote.Kind.REFERRAL, reason, by)
    _stop_clock(submission)
    _move(submission, Status.REFERRED_OUT, by=by, request=request, note=note)


@transaction.atomic
def care_finished(
    *, submission: Submission, reason: str, by: User, request: HttpRequest | None = None
) -> None:
    """The course of care is over (done, or stopped): the case is "closed", with the reason."""
    _locked(submission)
    if submission.status != Status.IN_CARE:
        raise StepNotAllowed(_("Only a case in care can finish its course."))
    if not reason.strip():
        raise StepNotAllowed(_("Please say why the course of care ends."))
    note = _note(submission, CaseNote.Kind.CARE, reason, by)
    _stop_clock(submission)
    _move(submission, Status.CLOSED, by=by, request=request, note=note)


@transaction.atomic
def aftercare_urgent(
    *, submission: Submission, session_id: int, request: HttpRequest | None = None
) -> None:
    """The patient's answer after a session suggests infection: as an urgent intake does, the
    case becomes urgent (top of the queue) and the two-hour contact clock starts again."""
    detail = _care_urgent(submission)
    audit.record(
        audit.CARE_CHECK_URGENT,
        request=request,
        submission=submission,
        session=session_id,
        by_patient=True,
        **detail,
    )


@transaction.atomic
def checkin_urgent(
    *, submission: Submission, checkin_id: int, rules: list[str], request: HttpRequest | None = None
) -> None:
    """Something new in a progress check-in meets an urgent rule of the intake's screening: the
    case becomes urgent, as after an infection answer (aftercare_urgent)."""
    detail = _care_urgent(submission)
    audit.record(
        audit.CARE_CHECKIN_URGENT,
        request=request,
        submission=submission,
        checkin=checkin_id,
        rules=rules,
        by_patient=True,
        **detail,
    )


def _care_urgent(submission: Submission) -> dict[str, Any]:
    """Make a case in care urgent: top of the queue, the two-hour contact clock again."""
    _locked(submission)
    previous = submission.outcome
    submission.set_outcome(Outcome.URGENT)
    submission.contact_due_at = contact_deadline(Outcome.URGENT, timezone.now())
    submission.next_attempt_at = None
    submission.save(update_fields=["outcome", "priority", "contact_due_at", "next_attempt_at"])
    return {"from": previous, "to": Outcome.URGENT}
