"""The consults an agenda shows, with what each row needs (the agenda pages and today's list)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Prefetch

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
