"""CSV export of submissions, safe to open in a spreadsheet (shared by the queue and the admin)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from intake.models import Submission
from intake.questions import SECTIONS, display_value

from .display import outcome_label, status_label

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """The value as text, with a leading quote when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def header() -> list[str]:
    fixed = [_("Reference"), _("Submitted"), _("Outcome"), _("Screened outcome"), _("Status")]
    return fixed + [str(q.staff_label) for section in SECTIONS for q in section.questions]


def row(submission: Submission) -> list[str]:
    answers = submission.answers
    fixed = [
        submission.reference,
        timezone.localtime(submission.submitted_at).strftime("%Y-%m-%d %H:%M"),
        outcome_label(submission.outcome),
        outcome_label(submission.screened_outcome),
        status_label(submission.status),
    ]
    return fixed + [
        display_value(q.code, answers.get(q.code))
        for section in SECTIONS
        for q in section.questions
    ]


def write_submissions_csv(out: Any, submissions: Iterable[Submission]) -> int:
    """Write a header and one row per submission to a file-like `out`; returns the row count."""
    writer = csv.writer(out)
    writer.writerow([safe_cell(cell) for cell in header()])
    count = 0
    for submission in submissions:
        writer.writerow([safe_cell(cell) for cell in row(submission)])
        count += 1
    return count


def csv_response(submissions: Iterable[Submission]) -> tuple[HttpResponse, int]:
    """An attachment response holding the CSV, and how many submissions it holds."""
    filename = f"submissions-{timezone.localdate():%Y-%m-%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    # A byte-order mark so spreadsheet programs read the accents correctly.
    response.write("\ufeff")
    count = write_submissions_csv(response, submissions)
    return response, count
