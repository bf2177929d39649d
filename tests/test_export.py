"""CSV export of the filtered queue: columns from the schema, audited, safe in a spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from django.test import Client
from django.utils import timezone

from intake import audit, workflow
from intake.models import AuditEvent
from intake.questions import QUESTIONS
from staff.export import safe_cell
from tests.helpers import make_front_desk, make_staff, make_submission, sign_in

pytestmark = pytest.mark.django_db


def rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


@pytest.fixture
def desk() -> Client:
    client = Client()
    sign_in(client, make_front_desk())
    return client


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1 555", "'+1 555"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rReturn", "'\rReturn"),
        ("Plain text", "Plain text"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (7, "7"),
    ],
)
def test_cells_that_a_spreadsheet_would_run_get_a_leading_quote(
    value: object, expected: str
) -> None:
    assert safe_cell(value) == expected


def test_export_neutralises_formulas_in_patient_answers(desk: Client) -> None:
    make_submission(last_name="=CMD|' /C calc'!A0", goals="@SUM(1+1)", phone="+1 555 010 1234")
    header, row = rows(desk.get("/staff/export.csv"))
    by_label = dict(zip(header, row, strict=True))
    assert by_label["Last name"] == "'=CMD|' /C calc'!A0"
    assert by_label[str(QUESTIONS["goals"].staff_label)] == "'@SUM(1+1)"
    assert by_label["Phone"] == "'+1 555 010 1234"


def test_export_has_the_fixed_columns_then_every_question_by_staff_label(desk: Client) -> None:
    submission = make_submission(calf_swelling=True)
    response = desk.get("/staff/export.csv")
    assert response["Content-Disposition"].startswith("attachment;")
    header, row = rows(response)
    assert header[:11] == [
        "Reference",
        "Submitted",
        "Outcome",
        "Screened outcome",
        "Status",
        "Cleared for consult",
        "Finding rules",
        "Findings",
        "Last contact",
        "Last contact result",
        "Next attempt due",
    ]
    assert header[11:] == [str(q.staff_label) for q in QUESTIONS.values()]
    assert row[0] == submission.reference and row[2] == "Urgent" and row[4] == "New"
    assert "Yes" in row  # booleans in words, not True/False


def test_export_follows_the_queue_filters_and_is_audited_with_a_count(desk: Client) -> None:
    make_submission(calf_swelling=True)
    make_submission(calf_swelling=True)
    make_submission()
    response = desk.get("/staff/export.csv?outcome=urgent&q=ada")
    assert len(rows(response)) == 3
    event = AuditEvent.objects.get(action=audit.EXPORTED_SUBMISSIONS)
    assert event.actor is not None and event.actor.username == "desk"
    assert event.detail == {
        "count": 2,
        "outcome": "urgent",
        "status": "open",
        "overdue": False,
        "searched": True,
    }


def test_export_needs_the_export_permission() -> None:
    client = Client()
    sign_in(client, make_staff("viewer", None))
    assert client.get("/staff/export.csv").status_code == 403
    assert not AuditEvent.objects.filter(action=audit.EXPORTED_SUBMISSIONS).exists()


def test_export_has_iso_times_the_birth_date_as_a_date_findings_and_the_last_contact(
    desk: Client,
) -> None:
    submission = make_submission(calf_swelling=True, date_of_birth="1985-03-14")
    workflow.record_contact(submission=submission, result="no_answer", by=make_front_desk("d2"))
    header, row = rows(desk.get("/staff/export.csv"))
    by_label = dict(zip(header, row, strict=True))
    submitted = timezone.localtime(submission.submitted_at).isoformat(timespec="seconds")
    assert by_label["Submitted"] == submitted
    assert by_label[str(QUESTIONS["date_of_birth"].staff_label)] == "1985-03-14"
    assert "dvt_signs" in by_label["Finding rules"].split("; ")
    assert "possible deep-vein thrombosis" in by_label["Findings"]
    assert by_label["Last contact result"] == "No answer"
    assert datetime.fromisoformat(by_label["Last contact"]).tzinfo is not None
    assert datetime.fromisoformat(by_label["Next attempt due"]) > datetime.fromisoformat(
        by_label["Last contact"]
    )
    assert by_label["Cleared for consult"] == "No"


def test_export_streams_rows_before_the_response_ends(desk: Client, monkeypatch) -> None:
    monkeypatch.setattr("staff.export.CHUNK_ROWS", 2)
    for _ in range(7):
        make_submission()
    response = desk.get("/staff/export.csv", {"status": "all"})
    assert response.streaming
    chunks = iter(response.streaming_content)  # type: ignore[attr-defined]
    first = next(chunks).decode("utf-8-sig")
    assert first.startswith("Reference,Submitted,")  # the header is sent at once
    second = next(chunks).decode()
    assert len(second.strip().splitlines()) == 2  # then rows, while more are still to come
    rest = b"".join(chunks).decode()
    assert len(rest.strip().splitlines()) == 5
