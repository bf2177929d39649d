"""The clinic dashboard in real Chromium: charts load as images from our own site, with no
Content Security Policy violation and no third-party request, and the page passes axe."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from intake import workflow
from intake.models import ContactAttempt
from reports.dashboard import REPORTS
from tests.helpers import (
    assert_no_axe_violations,
    make_clinic_admin,
    make_front_desk,
    make_submission,
    sign_in_browser,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_dashboard_draws_its_charts_within_the_security_policy_and_passes_axe(
    live_server: Any, page: Any, settings: Any
) -> None:
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    desk = make_front_desk()
    for days in (3, 10, 17):
        submission = make_submission(submitted_at=timezone.now() - timedelta(days=days))
        workflow.record_contact(
            submission=submission, result=ContactAttempt.Result.REACHED, by=desk
        )
    make_submission(calf_swelling=True)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    sign_in_browser(page, live_server, make_clinic_admin())

    response = page.goto(live_server.url + "/staff/reports/")
    assert response.status == 200
    page.wait_for_load_state("networkidle")

    charts = page.locator("img.report-chart")
    assert charts.count() == len(REPORTS)  # every figure draws its chart
    for index in range(charts.count()):
        # A broken or blocked image has no natural width.
        assert charts.nth(index).evaluate("img => img.complete && img.naturalWidth > 0")
    assert not [text for text in console if "Content Security Policy" in text], console
    assert all(url.startswith(live_server.url) for url in requests), requests
    assert_no_axe_violations(page)

    # The same page at desktop width, as the clinic's computers show it.
    page.set_viewport_size({"width": 1400, "height": 900})

    assert_no_axe_violations(page)
