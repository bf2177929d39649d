"""The consults an agenda shows, with what each row needs (the agenda pages and today's list)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from intake.models import ScreeningRecord, Submission

from .attendance import marks_open
from .models import Chiropractor, Consult


def findings_for(submission: Submission) -> list[str]:
    screenings = getattr(submission, "latest_screenings", None)
    latest = screenings[0] if screenings else None
    if latest is None:
        return []
    return [str(finding.get("reason", "")) for finding in latest.findings[:3]]


def agenda_consults(
    start: datetime,
    end: datetime,
    chiropractor: Chiropractor | None,
    location_ids: list[int] | None = None,
) -> list[Any]:
    """The agenda's consults; `location_ids` limits them to those places (None: everywhere)."""
    consults = (
        Consult.objects.on_agenda()
        .between(start, end)
        .select_related("chiropractor", "submission", "location")
        .prefetch_related(
            Prefetch(
                "submission__screenings",
                queryset=ScreeningRecord.objects.order_by("-created_at", "-pk"),
                to_attr="latest_screenings",
            )
        )
    )
    if chiropractor is not None:
        consults = consults.filter(chiropractor=chiropractor)
    if location_ids is not None:
        consults = consults.filter(location_id__in=location_ids)
    result = list(consults)
    for consult in result:
        consult.findings = findings_for(consult.submission)  # type: ignore[attr-defined]
        consult.marks = marks_open(consult)  # type: ignore[attr-defined]
    return result


# Today's list on the queue page shows this many: a clinic with fifty chiropractors has hundreds
# of consults a day, which belong in the agenda, not on every queue page.
TODAY_LIST_SIZE = 10


def coming_today(location_ids: list[int] | None) -> tuple[list[Consult], bool]:
    """Today's consults not yet over, the next TODAY_LIST_SIZE in time order (at these
    locations; None: everywhere), and whether more are to come today."""
    now = timezone.now()
    start = timezone.make_aware(datetime.combine(timezone.localdate(now), datetime.min.time()))
    consults = (
        Consult.objects.on_agenda()
        # Starting today: a range of the starts_at index, however many consults the clinic has.
        .filter(starts_at__gte=start, starts_at__lt=start + timedelta(days=1), ends_at__gt=now)
        .select_related("chiropractor", "submission")
        .order_by("starts_at", "pk")
    )
    if location_ids is not None:
        consults = consults.filter(location_id__in=location_ids)
    rows = list(consults[: TODAY_LIST_SIZE + 1])
    return rows[:TODAY_LIST_SIZE], len(rows) > TODAY_LIST_SIZE
