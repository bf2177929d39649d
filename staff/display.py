"""What staff read about a submission: answers in plain words, findings, scores and its timeline.

Shared by the staff pages and the Django admin. Labels come from the answer schema
(intake/questions/) and the rules (intake/screening/); none are copied here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Prefetch
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from intake import audit
from intake.models import CaseNote, ContactAttempt, Outcome, ScreeningRecord, Status, Submission
from intake.questions import QUESTIONS, SECTIONS, display_value, is_shown
from screening import RULES_BY_ID, SEVERITY

PAIN_SCORE_CODES = ("nprs_first_step", "nprs_average", "nprs_worst")


@dataclass(frozen=True)
class Answer:
    label: str
    value: str


@dataclass(frozen=True)
class AnswerSection:
    title: str
    answers: tuple[Answer, ...]


@dataclass(frozen=True)
class FindingView:
    rule: str
    outcome: str
    outcome_label: str
    reason: str
    is_red_flag: bool


# The clinic's short date style (clinic/formats/): "Tue, Dec 1, 2026, 9:14 AM".
TIMELINE_FORMAT = "SHORT_DATETIME_FORMAT"


def short_datetime(moment: datetime) -> str:
    """A moment in the clinic's short style, in the clinic's time zone and current language."""
    return dateformat.format(timezone.localtime(moment), get_format(TIMELINE_FORMAT))


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    actor: str
    sentence: str
    said: str = ""  # the reason or note someone wrote, shown in quotes

    @property
    def when(self) -> str:
        return short_datetime(self.at)


def latest_screenings() -> Prefetch:
    """Each submission's screenings, latest first, in one query per page or export chunk."""
    return Prefetch(
        "screenings",
        queryset=ScreeningRecord.objects.order_by("-created_at", "-pk"),
        to_attr="screening_history",
    )


def answers_by_section(answers: dict[str, Any]) -> list[AnswerSection]:
    """Every question that applied, by section, with its staff label and a plain-words value."""
    sections = []
    for section in SECTIONS:
        rows = tuple(
            Answer(str(q.staff_label), display_value(q.code, answers.get(q.code)) or _("—"))
            for q in section.questions
            if is_shown(q, answers)
        )
        sections.append(AnswerSection(str(section.title), rows))
    known = set(QUESTIONS)
    unknown = tuple(
        Answer(code, display_value(code, value))
        for code, value in answers.items()
        if code not in known
    )
    if unknown:
        sections.append(AnswerSection(_("Answers to questions no longer asked"), unknown))
    return sections


def findings_of(screening: ScreeningRecord | None, limit: int | None = None) -> list[FindingView]:
    """A screening's findings, most severe first, in the rule's current wording if it exists.

    `limit` keeps only the first few (the queue shows three), without wording the others.
    """
    if screening is None:
        return []
    stored_findings = sorted(
        screening.findings, key=lambda f: SEVERITY.get(f.get("outcome", ""), len(SEVERITY))
    )
    findings = []
    for stored in stored_findings[:limit]:
        rule = RULES_BY_ID.get(stored.get("rule", ""))
        outcome = stored.get("outcome", "")
        findings.append(
            FindingView(
                rule=stored.get("rule", ""),
                outcome=outcome,
                outcome_label=outcome_label(outcome),
                reason=_(rule.reason) if rule is not None else str(stored.get("reason", "")),
                is_red_flag=outcome == Outcome.URGENT,
            )
        )
    return findings


def outcome_label(outcome: str) -> str:
    return str(Outcome(outcome).label) if outcome in Outcome.values else outcome


def status_label(status: str) -> str:
    return str(Status(status).label) if status in Status.values else status


def pain_scores(answers: dict[str, Any]) -> list[Answer]:
    return [
        Answer(str(QUESTIONS[code].staff_label), f"{answers[code]} / 10")
        for code in PAIN_SCORE_CODES
        if code in answers and code in QUESTIONS
    ]


def bmi(answers: dict[str, Any]) -> Decimal | None:
    """Body mass index to one decimal, when both height and weight were given."""
    try:
        height = Decimal(str(answers["height_cm"])) / 100
        weight = Decimal(str(answers["weight_kg"]))
    except (KeyError, InvalidOperation):
        return None
    if height <= 0:
        return None
    return (weight / (height * height)).quantize(Decimal("0.1"))


def age_text(moment: datetime, now: datetime | None = None) -> str:
    """A short age for the queue: "12 min ago", "3 h ago", "2 d ago"."""
    delta = (now or timezone.now()) - moment
    if delta < timedelta(hours=1):
        minutes = max(int(delta.total_seconds() // 60), 0)
        return ngettext("%(n)d min ago", "%(n)d min ago", minutes) % {"n": minutes}
    if delta < timedelta(days=2):
        hours = int(delta.total_seconds() // 3600)
        return ngettext("%(n)d h ago", "%(n)d h ago", hours) % {"n": hours}
    return ngettext("%(n)d day ago", "%(n)d days ago", delta.days) % {"n": delta.days}


def _person(user: Any, *, by_patient: bool = False) -> str:
    if by_patient:
        return _("Patient")
    if user is None:
        return _("System")
    return user.get_full_name() or user.get_username()


def screening_history(submission: Submission) -> list[ScreeningRecord]:
    """All screenings of a submission, latest first (one query)."""
    return list(submission.screenings.select_related("created_by").order_by("-created_at", "-pk"))


def case_notes(submission: Submission) -> list[CaseNote]:
    """Every reason and note on the case, oldest first, as people wrote them."""
    return list(submission.notes.select_related("by"))


def timeline(
    submission: Submission, notes: list[CaseNote], *, hide_views: bool = False
) -> list[TimelineEntry]:
    """Everything that happened to a case, newest first, each as "who · did what: 'reason'".

    Built from the audit trail (one sentence per action, from intake/audit.py), with the words
    people wrote (`notes`: call notes, reasons) joined in by id; one query.
    """
    said = {note.pk: note.text for note in notes}
    results = dict(ContactAttempt.Result.choices)
    events = submission.audit_events.select_related("actor").order_by("at", "pk")
    if hide_views:
        views = [
            name for a in audit.ACTIONS.values() if a.is_view for name in audit.names_of(a.name)
        ]
        events = events.exclude(action__in=views)
    entries = []
    for event in events:
        detail = event.detail or {}
        if "result" in detail:
            detail = {**detail, "result": results.get(detail["result"], detail["result"])}
        event.detail = detail
        entries.append(
            TimelineEntry(
                at=event.at,
                actor=_person(event.actor, by_patient=bool(detail.get("by_patient"))),
                sentence=audit.describe(event),
                said=said.get(detail.get("note") or 0, ""),
            )
        )
    entries.reverse()
    return entries
