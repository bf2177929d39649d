"""The front desk in real Chromium: find an urgent case, log a call, change status; axe-clean."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from intake import audit
from intake.models import AuditEvent, Status
from tests.helpers import (
    assert_no_axe_violations,
    make_front_desk,
    make_submission,
    sign_in_browser,
)

# serialized_rollback: the roles (groups) come from a data migration; keep them between tests.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_front_desk_finds_an_urgent_case_logs_a_call_and_changes_its_status(
    live_server: Any, page: Any, settings: Any, artifacts_dir: Path
) -> None:
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    desk = make_front_desk()
    make_submission(first_name="Parker", last_name="Fauxman")
    make_submission(blood_thinners=True, first_name="Jesse", last_name="Standin")
    urgent = make_submission(
        calf_swelling=True,
        first_name="Sasha",
        last_name="Sample",
        submitted_at=timezone.now() - timedelta(hours=3),
    )
    sign_in_browser(page, live_server, desk)

    page.goto(live_server.url + "/staff/")
    first_row = page.locator("table.queue-table tbody tr").first
    assert "Sasha Sample" in first_row.inner_text()
    assert "Overdue" in first_row.inner_text()
    assert_no_axe_violations(page)
    page.screenshot(path=str(artifacts_dir / "staff-queue.png"), full_page=True)

    page.get_by_label("Outcome", exact=True).select_option("urgent")
    page.get_by_role("button", name="Apply").click()
    page.get_by_role("link", name=urgent.reference).click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Sasha Sample")
    assert page.get_by_text("Contact was due by").is_visible()
    assert_no_axe_violations(page)

    # Nobody answers: the case stays overdue, and the page says when to try again.
    page.get_by_label("No answer").check()
    page.get_by_role("button", name="Log contact").click()
    assert page.get_by_text("The contact attempt was logged.").is_visible()
    assert page.get_by_text("Try again at").is_visible()
    assert page.get_by_text("Contact was due by").is_visible()

    page.get_by_label("Reached the patient").check()
    page.get_by_label("Note", exact=True).first.fill("Advised to go to the ER today.")
    page.get_by_role("button", name="Log contact").click()
    assert page.get_by_text("The contact attempt was logged.").is_visible()
    assert not page.get_by_text("Contact was due by").is_visible()

    page.get_by_label("Close the case as").select_option(Status.REFERRED_OUT.value)
    page.get_by_label("Reason for closing").fill("Sent to the ER for a scan.")
    page.get_by_role("button", name="Close the case").click()
    assert page.get_by_text("Status changed to “Referred out”.").is_visible()
    assert page.get_by_text("Sent to the ER for a scan.").first.is_visible()
    assert_no_axe_violations(page)
    page.screenshot(path=str(artifacts_dir / "staff-submission.png"), full_page=True)

    urgent.refresh_from_db()
    assert urgent.status == Status.REFERRED_OUT and urgent.first_contact_at is not None
    actions = set(AuditEvent.objects.filter(submission=urgent).values_list("action", flat=True))
    assert {audit.VIEWED_SUBMISSION, audit.LOGGED_CONTACT, audit.CHANGED_STATUS} <= actions


def test_chiropractor_view_of_a_submission_has_no_accessibility_violations(
    live_server: Any, page: Any, artifacts_dir: Path
) -> None:
    from tests.helpers import make_chiropractor

    submission = make_submission(night_pain=True, blood_thinners=True)
    sign_in_browser(page, live_server, make_chiropractor())
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/staff/submissions/{submission.reference}/")
    assert page.get_by_role("button", name="Override").is_visible()
    assert_no_axe_violations(page)
    page.screenshot(path=str(artifacts_dir / "staff-submission-chiropractor.png"), full_page=True)
