"""Builders for the consult scheduling tests: a chiropractor with hours, a future working day."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from accounts.roles import CHIROPRACTOR
from consults.models import Chiropractor, WorkingHours
from intake.models import Outcome, Submission
from tests.helpers import make_staff, make_submission

WEEKDAYS = (0, 1, 2, 3, 4)


def make_profile(
    username: str = "chiro",
    *,
    minutes: int = 30,
    buffer: int = 0,
    days: tuple[int, ...] = WEEKDAYS,
    hours: tuple[tuple[time, time], ...] = ((time(9), time(12)),),
    role: str | None = CHIROPRACTOR,
) -> Chiropractor:
    user = make_staff(username, role)
    chiropractor = Chiropractor.objects.create(
        user=user,
        display_name=f"Dr. {username.title()}",
        consult_minutes=minutes,
        buffer_minutes=buffer,
    )
    for weekday in days:
        for starts, ends in hours:
            WorkingHours.objects.create(
                chiropractor=chiropractor, weekday=weekday, starts=starts, ends=ends
            )
    return chiropractor


def next_monday(weeks_ahead: int = 1) -> date:
    """A Monday at least two days away, so its slots are never in the past nor inside the
    patients' 24-hour cancel cutoff (on a Sunday, the coming Monday would be)."""
    today = timezone.localdate()
    days = 7 * weeks_ahead - today.weekday()
    if days < 2:
        days += 7
    return today + timedelta(days=days)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """An aware datetime in the clinic's time zone."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def make_case(outcome: str = Outcome.ELIGIBLE, **fields: Any) -> Submission:
    """A stored submission with the given effective outcome (and clearance fields)."""
    submission = make_submission()
    submission.set_outcome(outcome)
    for name, value in fields.items():
        setattr(submission, name, value)
    submission.save()
    return submission
