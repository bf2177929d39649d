"""What staff read about a submission: answers in plain words, findings, scores and its timeline.

Shared by the staff pages and the Django admin. Labels come from the answer schema
(intake/questions/) and the rules (intake/screening/); none are copied here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from intake.models import AuditEvent, Outcome, ScreeningRecord, Status, Submission
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


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    title: str
    detail: str
    actor: str


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


def _person(user: Any) -> str:
    if user is None:
        return _("Patient or system")
    return user.get_full_name() or user.get_username()


def _audit_title(event: AuditEvent) -> tuple[str, str] | None:
    detail = event.detail or {}
    action = event.action
    if action == "submitted":
        return _("Submitted"), _("Screened as %(outcome)s") % {
            "outcome": outcome_label(detail.get("outcome", ""))
        }
    if action == "viewed_submission":
        where = _("in the admin") if detail.get("via") == "admin" else ""
        return _("Viewed"), where
    if action == "changed_status":
        return _("Status changed"), _("%(from)s → %(to)s") % {
            "from": status_label(detail.get("from", "")),
            "to": status_label(detail.get("to", "")),
        }
    if action == "overrode_outcome":
        return _("Outcome overridden"), _("%(from)s → %(to)s (screened: %(screened)s)") % {
            "from": outcome_label(detail.get("from", "")),
            "to": outcome_label(detail.get("to", "")),
            "screened": outcome_label(detail.get("screened", "")),
        }
    if action == "cleared_for_consult":
        return _("Cleared for consult"), ""
    if action == "exported_submissions":
        return _("Included in a CSV export"), ""
    if action in ("logged_contact", "rescreened"):
        return None  # shown by the contact attempt or screening record itself
    return action, ""


def screening_history(submission: Submission) -> list[ScreeningRecord]:
    """All screenings of a submission, latest first (one query)."""
    return list(submission.screenings.select_related("created_by").order_by("-created_at", "-pk"))


def timeline(
    submission: Submission, screenings: list[ScreeningRecord] | None = None
) -> list[TimelineEntry]:
    """Everything that happened to a submission, newest first (two queries plus screenings)."""
    entries: list[TimelineEntry] = []
    if screenings is None:
        screenings = screening_history(submission)
    for screening in screenings:
        entries.append(
            TimelineEntry(
                screening.created_at,
                _("Screened: %(outcome)s") % {"outcome": outcome_label(screening.outcome)},
                _("Rules %(ruleset)s, as of %(date)s")
                % {"ruleset": screening.ruleset, "date": screening.screening_date.isoformat()},
                _person(screening.created_by),
            )
        )
    for contact in submission.contacts.select_related("by"):
        entries.append(
            TimelineEntry(
                contact.at,
                _("Contact attempt: %(result)s") % {"result": contact.get_result_display()},
                contact.note,
                _person(contact.by),
            )
        )
    for event in submission.audit_events.select_related("actor"):
        title = _audit_title(event)
        if title is not None:
            entries.append(TimelineEntry(event.at, title[0], title[1], _person(event.actor)))
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries
