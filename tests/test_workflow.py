"""The pathway's rules in intake/workflow.py, branch by branch (pages are in test_staff_actions)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from consults.models import default_location_pk
from intake import audit, workflow
from intake.models import AuditEvent, CaseNote, Status, Submission
from tests.helpers import make_chiropractor, make_front_desk, make_submission

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CHICAGO)


def test_an_urgent_retry_is_thirty_minutes_later_whatever_the_hour() -> None:
    saturday_night = local(2026, 12, 5, 23, 10)
    assert workflow.retry_time("urgent", saturday_night) == saturday_night + timedelta(minutes=30)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (local(2026, 12, 1, 9, 30), local(2026, 12, 2, 8)),  # Tuesday → Wednesday 8:00
        (local(2026, 12, 4, 16, 0), local(2026, 12, 7, 8)),  # Friday → Monday 8:00
        (local(2026, 12, 5, 11, 0), local(2026, 12, 7, 8)),  # Saturday → Monday 8:00
    ],
)
def test_other_retries_are_the_next_working_morning(after: datetime, expected: datetime) -> None:
    assert workflow.retry_time("eligible", after) == expected


def test_the_routine_retry_can_be_set_to_later_working_mornings(settings) -> None:
    settings.CLINIC_ROUTINE_RETRY_DAYS = 2
    assert workflow.retry_time("refer", local(2026, 12, 4, 16)) == local(2026, 12, 8, 8)


def test_overdue_is_the_same_rule_in_the_database_and_in_memory() -> None:
    now = timezone.now()
    late = make_submission(calf_swelling=True, submitted_at=now - timedelta(hours=3))
    fresh = make_submission(calf_swelling=True)
    closed = make_submission(calf_swelling=True, submitted_at=now - timedelta(hours=3))
    workflow.close_case(submission=closed, to=Status.CLOSED, reason="Moved.", by=make_front_desk())
    in_db = set(Submission.objects.filter(workflow.overdue_q(now)))
    in_memory = {s for s in (late, fresh, closed) if workflow.is_overdue(s, now)}
    assert in_db == in_memory == {late}


def test_a_contact_attempt_on_a_closed_case_is_refused() -> None:
    desk = make_front_desk()
    submission = make_submission()
    workflow.close_case(submission=submission, to=Status.NOT_PROCEEDING, reason="No.", by=desk)
    with pytest.raises(workflow.StepNotAllowed):
        workflow.record_contact(submission=submission, result="reached", by=desk)
    assert not submission.contacts.exists()


def test_a_closed_case_cannot_be_closed_again_or_reopened() -> None:
    desk = make_front_desk()
    submission = make_submission()
    workflow.close_case(submission=submission, to=Status.CLOSED, reason="Done.", by=desk)
    for to in Status.values:
        with pytest.raises(workflow.StepNotAllowed):
            workflow.close_case(submission=submission, to=to, reason="Again.", by=desk)


def test_a_case_with_a_consult_booked_cannot_be_closed_from_the_menu() -> None:
    desk = make_front_desk()
    submission = make_submission()
    workflow.consult_booked(
        submission=submission, consult_id=1, location_id=default_location_pk(), by=desk
    )
    with pytest.raises(workflow.StepNotAllowed):
        workflow.close_case(submission=submission, to=Status.CLOSED, reason="x", by=desk)
    assert Submission.objects.get(pk=submission.pk).status == Status.CONSULT_BOOKED


def test_booking_stops_the_contact_clock_and_completing_closes_the_case() -> None:
    desk = make_front_desk()
    submission = make_submission(calf_swelling=True)
    assert submission.contact_due_at is not None
    workflow.consult_booked(
        submission=submission, consult_id=7, location_id=default_location_pk(), by=desk
    )
    submission.refresh_from_db()
    assert (submission.status, submission.contact_due_at) == (Status.CONSULT_BOOKED, None)
    workflow.consult_completed(submission=submission, consult_id=7, by=desk)
    submission.refresh_from_db()
    assert submission.status == Status.CLOSED
    moves = AuditEvent.objects.filter(action=audit.CHANGED_STATUS).order_by("pk")
    assert [(e.detail["from"], e.detail["to"]) for e in moves] == [
        ("new", "consult_booked"),
        ("consult_booked", "closed"),
    ]


def test_an_override_moves_a_running_deadline_but_not_a_stopped_clock() -> None:
    chiro, desk = make_chiropractor(), make_front_desk()
    running = make_submission(blood_thinners=True)
    workflow.override_outcome(
        submission=running, outcome="urgent", reason="New swelling.", by=chiro
    )
    assert running.contact_due_at == workflow.contact_deadline("urgent", running.submitted_at)
    reached = make_submission(blood_thinners=True)
    workflow.record_contact(submission=reached, result="reached", by=desk)
    workflow.override_outcome(submission=reached, outcome="urgent", reason="Later news.", by=chiro)
    reached.refresh_from_db()
    assert reached.contact_due_at is None


def test_a_clearance_reason_is_kept_as_a_note_and_a_routine_clearance_needs_none() -> None:
    chiro = make_chiropractor()
    routine = make_submission(blood_thinners=True)
    workflow.clear_for_consult(submission=routine, by=chiro)
    assert not CaseNote.objects.filter(submission=routine).exists()
    flagged = make_submission(night_pain=True)
    with pytest.raises(workflow.StepNotAllowed):
        workflow.clear_for_consult(submission=flagged, reason=" ", by=chiro)
    workflow.clear_for_consult(submission=flagged, reason="GP letter seen.", by=chiro)
    note = CaseNote.objects.get(submission=flagged)
    assert (note.kind, note.text, note.by) == ("clearance", "GP letter seen.", chiro)


def test_a_moved_consult_keeps_the_patients_reason() -> None:
    submission = make_submission()
    workflow.consult_moved(
        submission=submission,
        consult_id=3,
        location_id=default_location_pk(),
        by=None,
        reason="School run.",
    )
    event = AuditEvent.objects.get(action=audit.RESCHEDULED_CONSULT)
    assert event.actor is None and event.detail["by_patient"] is True
    assert CaseNote.objects.get(pk=event.detail["note"]).text == "School run."


def test_every_action_written_is_declared_with_a_sentence() -> None:
    with pytest.raises(ValueError, match="undeclared audit action"):
        audit.record("made_up_action")
    for action in audit.ACTIONS.values():
        assert action.name.count(".") >= 2 and str(action.sentence)


def test_entries_written_under_the_old_names_still_read_as_sentences() -> None:
    submission = make_submission()
    old = AuditEvent.objects.create(
        action="overrode_outcome",
        submission=submission,
        detail={"from": "review", "to": "eligible", "screened": "review"},
    )
    assert audit.describe(old) == "overrode Review → Eligible"
    partial = AuditEvent.objects.create(action="changed_status", submission=submission, detail={})
    assert audit.describe(partial) == "moved the case from – to –"
