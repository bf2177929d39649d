"""The queue on a tablet in real Chromium: rows stack, the red-flag findings are read in full,
the exact time shows on keyboard focus, and the page is axe-clean."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from intake import workflow
from intake.models import Status, Submission
from tests.helpers import (
    assert_no_axe_violations,
    make_chiropractor,
    make_front_desk,
    make_submission,
    sign_in_browser,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.parametrize("width", [768, 820, 1280])
def test_on_a_tablet_or_desktop_the_findings_column_is_readable_and_not_cut_off(
    live_server: Any, page: Any, settings: Any, artifacts_dir: Path, width: int
) -> None:
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    urgent = make_submission(
        calf_swelling=True,
        night_pain=True,
        first_name="Sasha",
        last_name="Sample",
        phone="(555) 010-0001",
        submitted_at=timezone.now() - timedelta(hours=26),
    )
    workflow.clear_for_consult(submission=urgent, reason="Seen the scan", by=make_chiropractor())
    workflow.record_contact(submission=urgent, result="no_answer", by=make_front_desk("caller"))
    make_submission(first_name="Parker", last_name="Fauxman")
    page.set_viewport_size({"width": width, "height": 1180})
    sign_in_browser(page, live_server, make_front_desk())

    page.goto(live_server.url + "/staff/")
    findings = page.locator("table.queue-table tbody tr").first.locator("td.queue-findings")
    red_flag = findings.locator("li.red-flag").first
    assert red_flag.is_visible()
    assert "deep-vein thrombosis" in red_flag.inner_text()
    for box in (findings.bounding_box(), red_flag.bounding_box()):
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
    # Nothing scrolls sideways: the whole page fits the tablet's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    row = page.locator("table.queue-table tbody tr").first
    assert row.get_by_role("link", name="(555) 010-0001").get_attribute("href") == (
        "tel:+15550100001"
    )
    assert "Cleared for consult" in row.inner_text()
    assert "Last: No answer" in row.inner_text()
    exact = row.locator("time.exact-time .exact-text")
    hidden = exact.bounding_box()
    assert hidden is not None and hidden["width"] <= 1  # clipped: read by screen readers only
    row.locator("time.exact-time").focus()
    shown = exact.bounding_box()
    assert shown is not None and shown["width"] > 50  # shown on keyboard focus
    assert_no_axe_violations(page)
    page.screenshot(path=str(artifacts_dir / f"staff-queue-{width}.png"), full_page=True)


def test_an_empty_search_offers_the_other_statuses_and_the_wide_queue_is_axe_clean(
    live_server: Any, page: Any, settings: Any
) -> None:
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    closed = make_submission(first_name="Quill", last_name="Closedcase")
    Submission.objects.filter(pk=closed.pk).update(status=Status.CLOSED)
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_browser(page, live_server, make_front_desk())
    page.goto(live_server.url + "/staff/?q=Closedcase")
    assert page.get_by_text("1 match in other statuses.").is_visible()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Show all statuses").click()
    assert "Quill Closedcase" in page.locator("table.queue-table").inner_text()
    assert_no_axe_violations(page)
