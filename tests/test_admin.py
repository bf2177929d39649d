"""The Django admin: submissions read-only and audited, the bulk actions, the audit trail locked."""

from __future__ import annotations

import pytest
from django.test import Client

from intake import audit
from intake.models import AuditEvent, ScreeningRecord, Status
from tests.helpers import (
    make_chiropractor,
    make_clinic_admin,
    make_front_desk,
    make_submission,
    sign_in,
)

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client(REMOTE_ADDR="203.0.113.9")
    sign_in(client, user)
    return client


def test_submission_list_shows_columns_and_finds_by_search_filter_and_date() -> None:
    submission = make_submission(calf_swelling=True, last_name="Searchable")
    make_submission()
    client = signed_in(make_front_desk())
    response = client.get("/admin/intake/submission/", {"q": "Searchable"})
    assert response.status_code == 200
    page = response.content.decode()
    assert submission.reference in page and "Ada Searchable" in page
    assert response.context["cl"].result_count == 1
    assert (
        client.get("/admin/intake/submission/", {"outcome__exact": "urgent"})
        .context["cl"]
        .result_count
        == 1
    )
    assert (
        client.get("/admin/intake/submission/", {"overdue": "yes"}).context["cl"].result_count == 0
    )
    year = submission.submitted_at.year
    assert client.get(f"/admin/intake/submission/?submitted_at__year={year}").status_code == 200


def test_submission_change_page_is_read_only_in_plain_words_and_audited() -> None:
    submission = make_submission(calf_swelling=True)
    admin_user = make_clinic_admin()
    response = signed_in(admin_user).get(f"/admin/intake/submission/{submission.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Red flag" in page and "possible deep-vein thrombosis" in page
    assert "Date of birth" in page and "Moderate: brisk walking" in page
    assert 'name="_save"' not in page
    event = AuditEvent.objects.filter(submission=submission).latest("pk")
    assert (event.action, event.actor, event.ip_address, event.detail) == (
        audit.VIEWED_SUBMISSION,
        admin_user,
        "203.0.113.9",
        {"via": "admin"},
    )


def test_a_posted_change_to_a_submission_is_refused() -> None:
    submission = make_submission()
    response = signed_in(make_clinic_admin()).post(
        f"/admin/intake/submission/{submission.pk}/change/", {"status": "closed"}
    )
    assert response.status_code == 403
    submission.refresh_from_db()
    assert submission.status == Status.NEW


def test_no_one_can_add_or_delete_submissions_in_the_admin() -> None:
    submission = make_submission()
    client = signed_in(make_clinic_admin())
    assert client.get("/admin/intake/submission/add/").status_code == 403
    assert client.get(f"/admin/intake/submission/{submission.pk}/delete/").status_code == 403
    assert "delete_selected" not in client.get("/admin/intake/submission/").content.decode()


def test_export_selected_as_csv_is_audited_with_a_count() -> None:
    first, second = make_submission(), make_submission()
    response = signed_in(make_front_desk()).post(
        "/admin/intake/submission/",
        {"action": "export_selected_as_csv", "_selected_action": [first.pk, second.pk]},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert len(text.strip().splitlines()) == 3
    event = AuditEvent.objects.get(action=audit.EXPORTED_SUBMISSIONS)
    assert event.detail == {"count": 2, "via": "admin"}


def test_the_admin_offers_no_way_to_change_a_status() -> None:
    fresh = make_submission()
    client = signed_in(make_clinic_admin())
    page = client.get("/admin/intake/submission/")
    assert "mark_contacted" not in page.content.decode()
    response = client.post(
        "/admin/intake/submission/",
        {"action": "mark_contacted", "_selected_action": [fresh.pk]},
        follow=True,
    )
    assert response.status_code == 200
    fresh.refresh_from_db()
    assert fresh.status == Status.NEW
    assert not AuditEvent.objects.filter(action=audit.CHANGED_STATUS).exists()
    change = client.post(f"/admin/intake/submission/{fresh.pk}/change/", {"status": "contacted"})
    assert change.status_code == 403
    fresh.refresh_from_db()
    assert fresh.status == Status.NEW


def test_audit_trail_is_readable_by_clinic_admin_and_cannot_be_changed() -> None:
    submission = make_submission()
    event = AuditEvent.objects.get(submission=submission)
    client = signed_in(make_clinic_admin())
    assert client.get("/admin/intake/auditevent/").status_code == 200
    assert client.get(f"/admin/intake/auditevent/{event.pk}/change/").status_code == 200
    assert client.post(f"/admin/intake/auditevent/{event.pk}/change/", {}).status_code == 403
    assert client.get("/admin/intake/auditevent/add/").status_code == 403
    assert client.get(f"/admin/intake/auditevent/{event.pk}/delete/").status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk, action=audit.SUBMITTED).exists()


def test_front_desk_and_chiropractor_cannot_read_the_audit_trail_in_the_admin() -> None:
    assert signed_in(make_front_desk()).get("/admin/intake/auditevent/").status_code == 403
    assert signed_in(make_chiropractor()).get("/admin/intake/auditevent/").status_code == 403


def test_screening_records_are_read_only_in_the_admin() -> None:
    record = make_submission().screenings.get()
    client = signed_in(make_clinic_admin())
    assert client.get(f"/admin/intake/screeningrecord/{record.pk}/change/").status_code == 200
    assert client.post(f"/admin/intake/screeningrecord/{record.pk}/change/", {}).status_code == 403
    assert client.get(f"/admin/intake/screeningrecord/{record.pk}/delete/").status_code == 403
    assert ScreeningRecord.objects.filter(pk=record.pk).exists()


def test_audit_events_refuse_to_be_edited_or_deleted_in_code() -> None:
    event = AuditEvent.objects.get(submission=make_submission())
    event.action = "tampered"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_clinic_admin_manages_staff_users_in_the_admin() -> None:
    client = signed_in(make_clinic_admin())
    assert client.get("/admin/intake/user/").status_code == 200
    assert client.get("/admin/intake/user/add/").status_code == 200
