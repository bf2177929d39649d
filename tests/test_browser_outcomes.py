"""An outcome check-in on a phone-sized Chromium (390×844), with axe on each step, and the
progress chart shown on the episode page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.roles import CHIROPRACTOR
from care import episode, links
from care.models import OutcomeCheckIn
from consults.models import Chiropractor, Consult
from tests.helpers import assert_no_axe_violations, make_staff, make_submission, sign_in_browser

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _plain_http(settings: Any) -> None:
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


def test_a_patient_answers_a_check_in_on_a_phone_and_staff_see_the_chart(
    live_server: Any, page: Any
) -> None:
    user = make_staff("doc", CHIROPRACTOR)
    chiro = Chiropractor.objects.create(user=user, display_name="Dr. Doc")
    submission = make_submission(first_name="Sasha", last_name="Sample")
    start = timezone.now() - timedelta(minutes=5)
    consult = Consult.objects.create(
        chiropractor=chiro,
        submission=submission,
        starts_at=start,
        ends_at=start + timedelta(minutes=30),
        kind="dry_needling",
    )
    episode.record_result(
        submission=submission, consult=consult, decision="plan", reason="", by=user
    )
    episode.save_plan(
        submission=submission,
        sessions_planned=6,
        frequency="weekly",
        session_minutes=30,
        exercise_codes=["plantar_fascia_stretch"],
        footwear="",
        load_changes="",
        review_on=timezone.localdate() + timedelta(days=28),
        by=user,
    )
    checkin = OutcomeCheckIn.objects.get(occasion="week_6")
    OutcomeCheckIn.objects.filter(pk=checkin.pk).update(due_at=timezone.now())

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/care/progress/{links.checkin_token(checkin)}/")
    assert_no_axe_violations(page)
    page.get_by_label("How bad is the pain with your first steps in the morning?").fill("4")
    page.get_by_label("In the past week, how bad was the pain on average?").fill("3")
    page.get_by_label("Activity 1 that is hard because of your heel").fill("Walking the dog")
    page.get_by_label("How well can you do activity 1 now?").fill("5")
    page.get_by_role("group", name="On how many of the last 7 days").get_by_label("6").check()
    page.get_by_role("group", name="Has anything new happened").get_by_label("Yes").check()
    page.get_by_role("button", name="Send my answers").click()

    page.get_by_text("You told us something is new").wait_for()
    assert_no_axe_violations(page)
    for group in page.get_by_role("group").all():
        group.get_by_label("No").check()
    page.get_by_role("group", name="Can you stand on the painful foot").get_by_label("Yes").check()
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_text("Your answers are with the clinic").wait_for()
    assert_no_axe_violations(page)

    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_browser(page, live_server, user)
    page.goto(f"{live_server.url}/staff/submissions/{submission.reference}/")
    chart = page.locator("img.care-progress-chart")
    chart.wait_for()
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0")
    assert_no_axe_violations(page)
