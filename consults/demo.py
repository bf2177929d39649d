"""Demo schedule for local development: one chiropractor's hours and a few booked consults."""

from __future__ import annotations

from datetime import time, timedelta

from django.db import transaction
from django.utils import timezone

from intake import workflow
from intake.models import Outcome, Status, Submission, User

from .models import Chiropractor, Consult, WorkingHours
from .slots import free_slots

DEMO_HOURS = ((time(9), time(12)), (time(13), time(17)))
DEMO_CONSULTS = 3


@transaction.atomic
def seed_demo_schedule(user: User) -> int:
    """Give `user` a chiropractor profile (Mon–Fri) and book up to three demo consults.

    Idempotent: hours are added once, and consults only until three are upcoming.
    Returns how many consults it booked.
    """
    chiropractor, created = Chiropractor.objects.get_or_create(
        user=user, defaults={"display_name": f"Dr. {user.get_full_name() or user.username}"}
    )
    if created:
        for weekday in range(5):
            for starts, ends in DEMO_HOURS:
                WorkingHours.objects.create(
                    chiropractor=chiropractor, weekday=weekday, starts=starts, ends=ends
                )
    missing = DEMO_CONSULTS - chiropractor.consults.upcoming().count()
    if missing <= 0:
        return 0
    waiting = Submission.objects.filter(
        outcome=Outcome.ELIGIBLE,
        status__in=(Status.NEW, Status.CONTACTED),
        anonymised_at__isnull=True,
    ).exclude(consults__status=Consult.Status.ACTIVE)[:missing]
    today = timezone.localdate()
    slots = free_slots(chiropractor, today + timedelta(days=1), today + timedelta(days=14))
    booked = 0
    # Every third slot, so the demo agenda has gaps to book into.
    for submission, slot in zip(waiting, slots[::3], strict=False):
        # Booked as the front desk would, but without emailing the made-up patients.
        consult = Consult.objects.create(
            chiropractor=chiropractor,
            submission=submission,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            kind=Consult.Kind.DRY_NEEDLING,
        )
        workflow.consult_booked(
            submission=submission,
            consult_id=consult.pk,
            location_id=consult.location.pk,
            by=user,
        )
        booked += 1
    return booked
