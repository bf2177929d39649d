"""purge_data (drafts deleted, finished submissions anonymised, every run audited) and the
subject access export."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from intake import audit, retention, workflow
from intake.models import AuditEvent, Draft, Status, Submission
from tests.helpers import make_clinic_admin, make_front_desk, make_staff, make_submission, sign_in

pytestmark = pytest.mark.django_db


def make_draft(days_old: int) -> Draft:
    draft = Draft.objects.create(answers={"first_name": "Dana"}, email="dana@example.com")
    Draft.objects.filter(pk=draft.pk).update(updated_at=timezone.now() - timedelta(days=days_old))
    return draft


def make_finished(days_old: int, status: str = Status.CLOSED) -> Submission:
    submission = make_submission(
        submitted_at=timezone.now() - timedelta(days=days_old),
        first_name="Robin",
        last_name="Example",
    )
    workflow.record_contact(
        submission=submission,
        result="reached",
        note="Robin asked about parking",
        by=make_staff(f"desk{submission.pk}", None),
    )
    Submission.objects.filter(pk=submission.pk).update(status=status)
    submission.refresh_from_db()
    return submission


def purge(*args: str) -> str:
    out = io.StringIO()
    call_command("purge_data", *args, stdout=out)
    return out.getvalue()


def test_drafts_untouched_for_thirty_days_are_deleted_and_newer_ones_kept() -> None:
    old, recent = make_draft(31), make_draft(29)

    output = purge()

    assert "Deleted 1 drafts older than 30 days" in output
    assert list(Draft.objects.all()) == [recent]
    assert not Draft.objects.filter(pk=old.pk).exists()


def test_expired_sessions_are_deleted_and_live_ones_kept(client: Client) -> None:
    from django.contrib.sessions.models import Session

    client.get("/intake/about/")
    session = client.session
    session["intake_draft"] = "kept"
    session.save()
    Session.objects.create(
        session_key="x" * 32, session_data="", expire_date=timezone.now() - timedelta(days=1)
    )

    assert "Deleted 1 expired sessions" in purge()
    assert list(Session.objects.values_list("session_key", flat=True)) == [session.session_key]


def test_a_dry_run_changes_nothing_but_says_what_it_would_do_and_is_audited(
    settings: Any,
) -> None:
    settings.CLINIC_RETENTION_DAYS = 365
    make_draft(40)
    submission = make_finished(400)

    output = purge("--dry-run")

    assert "Would delete 1 drafts" in output and "Would anonymise 1" in output
    assert Draft.objects.count() == 1
    submission.refresh_from_db()
    assert submission.first_name == "Robin" and submission.anonymised_at is None
    event = AuditEvent.objects.get(action=audit.PURGED_DATA)
    assert event.actor is None
    assert event.detail["dry_run"] is True
    assert event.detail["drafts_deleted"] == 1


def test_without_a_retention_period_no_submission_is_anonymised() -> None:
    submission = make_finished(4000)
    output = purge()
    assert "CLINIC_RETENTION_DAYS is not set" in output
    submission.refresh_from_db()
    assert submission.anonymised_at is None


def test_finished_submissions_past_the_period_are_anonymised_keeping_reference_and_outcome(
    settings: Any,
) -> None:
    settings.CLINIC_RETENTION_DAYS = 365
    submission = make_finished(400, Status.REFERRED_OUT)
    reference, outcome, submitted_at = (
        submission.reference,
        submission.outcome,
        submission.submitted_at,
    )
    audit_rows = AuditEvent.objects.filter(submission=submission).count()

    purge()

    submission.refresh_from_db()
    assert submission.anonymised_at is not None
    assert (submission.first_name, submission.last_name, submission.email, submission.phone) == (
        "",
        "",
        "",
        "",
    )
    assert submission.answers == {} and submission.signature == ""
    assert submission.phone_e164 == "" and submission.search_text == ""  # no longer found
    assert submission.ip_address is None and submission.user_agent == ""
    assert submission.date_of_birth.month == 1 and submission.date_of_birth.day == 1
    assert (submission.reference, submission.outcome, submission.submitted_at) == (
        reference,
        outcome,
        submitted_at,
    )
    assert list(submission.notes.values_list("text", flat=True)) == ["[removed]"]
    assert AuditEvent.objects.filter(submission=submission).count() == audit_rows
    run = AuditEvent.objects.get(action=audit.PURGED_DATA)
    assert run.detail["submission_ids"] == [submission.pk]
    assert "Robin" not in json.dumps(run.detail)


def test_open_or_recent_submissions_are_never_anonymised(settings: Any) -> None:
    settings.CLINIC_RETENTION_DAYS = 365
    recent = make_finished(100)
    still_open = make_submission(submitted_at=timezone.now() - timedelta(days=400))

    purge()

    for submission in (recent, still_open):
        submission.refresh_from_db()
        assert submission.anonymised_at is None and submission.first_name


def test_running_twice_anonymises_once(settings: Any) -> None:
    settings.CLINIC_RETENTION_DAYS = 365
    make_finished(400)
    purge()
    assert "Anonymised 0" in purge()
    assert AuditEvent.objects.filter(action=audit.PURGED_DATA).count() == 2


def test_a_large_purge_works_in_batches_each_with_its_own_audit_entry(settings: Any) -> None:
    settings.CLINIC_RETENTION_DAYS = 365
    expired = [make_finished(400 + n) for n in range(5)]
    make_draft(40)

    result = retention.purge(batch_size=2)

    assert result.submissions_anonymised == 5 and result.drafts_deleted == 1
    runs = AuditEvent.objects.filter(action=audit.PURGED_DATA).order_by("pk")
    assert [run.detail["submission_ids"] for run in runs] == [
        [expired[0].pk, expired[1].pk],
        [expired[2].pk, expired[3].pk],
        [expired[4].pk],
    ]
    # The drafts and sessions go in the last batch's transaction, counted in its entry.
    assert [run.detail["drafts_deleted"] for run in runs] == [0, 0, 1]
    assert not Submission.objects.filter(anonymised_at__isnull=True).exists()
    assert set(Submission.objects.values_list("first_name", flat=True)) == {""}


# Subject access export


def test_staff_download_one_patients_data_as_json_and_it_is_audited(client: Client) -> None:
    submission = make_finished(10)
    user = make_clinic_admin()
    sign_in(client, user)

    response = client.get(f"/staff/submissions/{submission.reference}/export.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["reference"] == submission.reference
    assert data["patient"]["first_name"] == "Robin"
    assert data["answers"]["first_name"] == "Robin"
    assert data["reasons_and_notes"][0]["text"] == "Robin asked about parking"
    assert data["screenings"][0]["outcome"] == submission.screened_outcome
    event = AuditEvent.objects.get(action=audit.EXPORTED_SUBJECT_DATA)
    assert (event.actor, event.submission) == (user, submission)


def test_the_submission_page_links_to_the_download_for_those_allowed(client: Client) -> None:
    submission = make_submission()
    sign_in(client, make_clinic_admin())
    page = client.get(f"/staff/submissions/{submission.reference}/").content.decode()
    assert f"/staff/submissions/{submission.reference}/export.json" in page


def test_front_desk_downloads_only_once_the_clinic_admin_grants_the_permission(
    client: Client,
) -> None:
    from django.contrib.auth.models import Permission

    submission = make_submission()
    desk = make_front_desk()
    sign_in(client, desk)
    url = f"/staff/submissions/{submission.reference}/export.json"
    assert client.get(url).status_code == 403
    page = client.get(f"/staff/submissions/{submission.reference}/").content.decode()
    assert url not in page

    desk.user_permissions.add(Permission.objects.get(codename="subject_access_submission"))
    assert client.get(url).status_code == 200


def test_staff_without_the_permission_cannot_download(client: Client) -> None:
    submission = make_submission()
    sign_in(client, make_staff("outsider", None))
    assert client.get(f"/staff/submissions/{submission.reference}/export.json").status_code == 403
    assert not AuditEvent.objects.filter(action=audit.EXPORTED_SUBJECT_DATA).exists()


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    submission = make_submission()
    response = client.get(f"/staff/submissions/{submission.reference}/export.json")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")
