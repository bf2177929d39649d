"""`send_reminders`: one reminder a day ahead, never twice, catching up after downtime."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from consults.models import Consult
from tests.scheduling import make_case, make_profile

pytestmark = pytest.mark.django_db


def make_consult(starts_in: timedelta, *, status: str = Consult.Status.ACTIVE) -> Consult:
    """A consult starting `starts_in` from now (written directly: the grid is not the point)."""
    existing = Consult.objects.first()
    chiro = existing.chiropractor if existing is not None else make_profile()
    start = timezone.now() + starts_in
    return Consult.objects.create(
        chiropractor=chiro,
        submission=make_case(),
        starts_at=start,
        ends_at=start + timedelta(minutes=30),
        kind=Consult.Kind.DRY_NEEDLING,
        status=status,
        cancelled_at=timezone.now() if status == Consult.Status.CANCELLED else None,
    )


def test_a_consult_within_a_day_gets_one_reminder_however_often_cron_runs() -> None:
    consult = make_consult(timedelta(hours=23))
    for _ in range(3):
        call_command("send_reminders", stdout=StringIO())
    (message,) = mail.outbox
    assert message.subject == "Reminder: your appointment"
    assert message.to == [consult.submission.email]
    consult.refresh_from_db()
    assert consult.reminder_sent_at is not None


def test_consults_further_away_wait_for_their_turn() -> None:
    make_consult(timedelta(hours=30))
    call_command("send_reminders", stdout=StringIO())
    assert mail.outbox == []


def test_after_downtime_it_catches_up_on_consults_still_to_come() -> None:
    soon = make_consult(timedelta(hours=2))
    make_consult(timedelta(hours=-1))  # already started: too late for a reminder
    call_command("send_reminders", stdout=StringIO())
    (message,) = mail.outbox
    assert message.to == [soon.submission.email]


def test_cancelled_consults_get_no_reminder() -> None:
    make_consult(timedelta(hours=5), status=Consult.Status.CANCELLED)
    call_command("send_reminders", stdout=StringIO())
    assert mail.outbox == []


def test_two_overlapping_runs_cannot_both_claim_a_reminder() -> None:
    consult = make_consult(timedelta(hours=3))
    now = timezone.now()
    first = Consult.objects.due_for_reminder(now).filter(pk=consult.pk).update(reminder_sent_at=now)
    second = (
        Consult.objects.due_for_reminder(now).filter(pk=consult.pk).update(reminder_sent_at=now)
    )
    assert (first, second) == (1, 0)
    call_command("send_reminders", stdout=StringIO())
    assert mail.outbox == []


def test_a_moved_consult_is_reminded_again_for_its_new_time() -> None:
    from consults.booking import reschedule_consult
    from tests.scheduling import at, next_monday

    chiro = make_profile("mover")
    start = at(next_monday(), 9)
    consult = Consult.objects.create(
        chiropractor=chiro,
        submission=make_case(),
        starts_at=start,
        ends_at=start + timedelta(minutes=30),
        kind=Consult.Kind.DRY_NEEDLING,
        reminder_sent_at=timezone.now(),
    )
    reschedule_consult(consult=consult, starts_at=at(next_monday(), 10), by=None)
    consult.refresh_from_db()
    assert consult.reminder_sent_at is None


def test_the_reminder_mentions_no_health_data() -> None:
    make_consult(timedelta(hours=20))
    call_command("send_reminders", stdout=StringIO())
    (message,) = mail.outbox
    text = f"{message.subject}\n{message.body}".lower()
    for word in ("needling", "eligible", "finding", "outcome"):
        assert word not in text
