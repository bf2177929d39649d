"""CSV export of submissions, safe to open in a spreadsheet (shared by the queue and the admin).

Streamed: rows are written as the database hands them over (a server-side cursor, a chunk at a
time), so the first bytes leave at once and memory stays flat however many rows there are.
Dates are ISO 8601 so that spreadsheets sort them.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from intake.models import ContactAttempt, Submission
from intake.questions import SECTIONS, display_value

from .display import findings_of, latest_screenings, outcome_label, status_label

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 500  # rows sent at a time
# Rows read from the database at a time. Each batch is built whole with its screenings
# (prefetched) before its first row is written: at 500 a worker grew by about 60 MB over a
# million rows, at 100 by about 20 MB (bench/queue.py --rows 1000000).
FETCH_ROWS = 100


def safe_cell(value: Any) -> str:
    """The value as text, with a leading quote when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def iso(moment: datetime | None) -> str:
    """ISO 8601 in the clinic's time zone, with its offset: 2026-11-30T16:00:00-06:00."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


def header() -> list[str]:
    fixed = [
        _("Reference"),
        _("Submitted"),
        _("Outcome"),
        _("Screened outcome"),
        _("Status"),
        _("Cleared for consult"),
        _("Finding rules"),
        _("Findings"),
        _("Last contact"),
        _("Last contact result"),
        _("Next attempt due"),
    ]
    return fixed + [str(q.staff_label) for section in SECTIONS for q in section.questions]


# Answers whose words come from the catalogue (translated): worth remembering within one export.
# Free text is never remembered, so memory stays flat however many patients there are.
_WORDED_KINDS = frozenset({"bool", "choice", "multi"})


class _Words:
    """Labels looked up once per export rather than once per cell (gettext was 3/4 of the time)."""

    def __init__(self) -> None:
        self.cache: dict[tuple[str, Any], str] = {}
        self.results = {value: str(label) for value, label in ContactAttempt.Result.choices}
        self.yes_no = {True: _("Yes"), False: _("No")}

    def label(self, kind: str, key: Any, compute: Callable[[], str]) -> str:
        if (kind, key) not in self.cache:
            self.cache[(kind, key)] = compute()
        return self.cache[(kind, key)]

    def answer(self, kind: str, code: str, value: Any) -> str:
        # Dates (the date of birth among them) stay YYYY-MM-DD: a date a spreadsheet can sort.
        if kind == "date" and value is not None:
            return str(value)
        if kind in _WORDED_KINDS and isinstance(value, bool | str | list):
            key = tuple(value) if isinstance(value, list) else value
            return self.label(code, key, lambda: display_value(code, value))
        return display_value(code, value)


def row(submission: Submission, words: _Words | None = None) -> list[str]:
    words = words or _Words()
    answers = submission.answers
    history = getattr(submission, "screening_history", None)
    if history is None:
        history = list(submission.screenings.order_by("-created_at", "-pk")[:1])
    findings = findings_of(history[0] if history else None)
    fixed = [
        submission.reference,
        iso(submission.submitted_at),
        words.label("outcome", submission.outcome, lambda: outcome_label(submission.outcome)),
        words.label(
            "outcome",
            submission.screened_outcome,
            lambda: outcome_label(submission.screened_outcome),
        ),
        words.label("status", submission.status, lambda: status_label(submission.status)),
        words.yes_no[submission.cleared_for_consult],
        "; ".join(f.rule for f in findings),
        "; ".join(f.reason for f in findings),
        iso(submission.last_contact_at),
        words.results.get(submission.last_contact_result, submission.last_contact_result),
        iso(submission.next_attempt_at),
    ]
    return fixed + [words.answer(kind, code, answers.get(code)) for kind, code in _question_codes()]


def _question_codes() -> list[tuple[str, str]]:
    return [(q.kind, q.code) for section in SECTIONS for q in section.questions]


class _Line:
    """A file-like object whose write() hands back the text, for csv.writer in a generator."""

    def write(self, text: str) -> str:
        return text


def csv_lines(submissions: Iterable[Submission]) -> Iterator[str]:
    """The CSV as text, a chunk of rows at a time (a byte-order mark first, for accents)."""
    writer = csv.writer(_Line())
    words = _Words()
    yield "\ufeff" + writer.writerow([safe_cell(cell) for cell in header()])
    chunk: list[str] = []
    for submission in submissions:
        chunk.append(writer.writerow([safe_cell(cell) for cell in row(submission, words)]))
        if len(chunk) >= CHUNK_ROWS:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def for_export(submissions: QuerySet[Submission]) -> Iterator[Submission]:
    """The rows with what the CSV needs, streamed from a server-side cursor (PostgreSQL)."""
    prepared = submissions.defer("user_agent").prefetch_related(latest_screenings())
    return prepared.iterator(chunk_size=FETCH_ROWS)


def csv_response(submissions: QuerySet[Submission]) -> tuple[StreamingHttpResponse, int]:
    """An attachment response streaming the CSV, and how many submissions it holds."""
    count = submissions.count()
    filename = f"submissions-{timezone.localdate():%Y-%m-%d}.csv"
    response = StreamingHttpResponse(
        csv_lines(for_export(submissions)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response, count
