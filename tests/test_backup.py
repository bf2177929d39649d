"""scripts/backup and scripts/restore: a restored backup holds the same rows and submissions."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.utils import timezone

from intake import audit
from intake.models import Draft, Outcome, Submission
from tests.helpers import make_front_desk

ROOT = Path(__file__).resolve().parent.parent


def _why_no_postgres() -> str:
    if connection.vendor != "postgresql":
        return "backup and restore need PostgreSQL (set DATABASE_URL=postgres://...)"
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        return "pg_dump/pg_restore not installed (apt-get install postgresql-client)"
    return ""


needs_postgres = pytest.mark.skipif(bool(_why_no_postgres()), reason=_why_no_postgres() or "-")

CHECKSUM = (
    "SELECT md5(coalesce(string_agg(reference || ':' || answers::text, ','"
    " ORDER BY reference), '')) FROM intake_submission"
)


def database_url(name: str) -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s["PASSWORD"]:
        auth += ":" + quote(s["PASSWORD"], safe="")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def table_counts_and_checksum(url: str) -> tuple[dict[str, int], str]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        tables = [
            row[0]
            for row in db.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
            )
        ]
        counts = {}
        for table in tables:
            row = db.execute(f'SELECT count(*) FROM "{table}"').fetchone()
            counts[table] = row[0] if row else -1
        checksum_row = db.execute(CHECKSUM).fetchone()
    return counts, checksum_row[0] if checksum_row else ""


def make_submission(number: int) -> Submission:
    now = timezone.now()
    submission = Submission(
        draft_key=f"00000000-0000-4000-8000-{number:012d}",
        answers={"first_name": f"Patient{number}", "pain_duration": "3m_6m", "nprs_worst": number},
        first_name=f"Patient{number}",
        last_name="Example",
        email=f"patient{number}@example.com",
        phone="(555) 010-0123",
        date_of_birth=date(1980, 1, 1) + timedelta(days=number),
        consent_version="2026-11",
        signature=f"Patient{number} Example",
        signed_at=now,
        screened_outcome=Outcome.ELIGIBLE,
        contact_due_at=now + timedelta(days=2),
    )
    submission.set_outcome(Outcome.ELIGIBLE)
    submission.save()
    audit.record(audit.SUBMITTED, submission=submission, outcome=submission.outcome)
    return submission


@pytest.fixture
def restored_url(transactional_db: None) -> Iterator[str]:
    name = f"{connection.settings_dict['NAME']}_restored"
    url = database_url(name)
    yield url
    import psycopg

    with psycopg.connect(database_url("postgres"), autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@needs_postgres
def test_a_restored_backup_has_the_same_rows_and_submissions(
    restored_url: str, tmp_path: Path
) -> None:
    make_front_desk()
    for number in range(1, 6):
        make_submission(number)
    Draft.objects.create(answers={"first_name": "Draft"}, step="symptoms")
    source_url = database_url(connection.settings_dict["NAME"])
    backup_file = tmp_path / "clinic.dump"

    subprocess.run(
        [ROOT / "scripts" / "backup", backup_file, source_url], check=True, capture_output=True
    )
    subprocess.run(
        [ROOT / "scripts" / "restore", backup_file, restored_url], check=True, capture_output=True
    )

    source_counts, source_checksum = table_counts_and_checksum(source_url)
    restored_counts, restored_checksum = table_counts_and_checksum(restored_url)
    assert source_counts["intake_submission"] == 5
    assert source_counts["intake_draft"] == 1
    assert restored_counts == source_counts
    assert restored_checksum == source_checksum


@needs_postgres
def test_restore_refuses_to_overwrite_an_existing_database(tmp_path: Path, db: None) -> None:
    backup_file = tmp_path / "clinic.dump"
    backup_file.write_bytes(b"")
    existing = database_url(connection.settings_dict["NAME"])

    result = subprocess.run(
        [ROOT / "scripts" / "restore", backup_file, existing], capture_output=True, text=True
    )

    assert result.returncode == 1
    assert "already exists" in result.stderr


def test_the_scripts_explain_their_usage_when_called_wrongly() -> None:
    for script in ("backup", "restore"):
        result = subprocess.run([ROOT / "scripts" / script], capture_output=True, text=True)
        assert result.returncode == 2
        assert f"Usage: scripts/{script}" in result.stderr
