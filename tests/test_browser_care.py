"""Care in real Chromium: the consult's result, the plan, a session, an adverse event, booking
the next session, and the patient's plan and check pages; axe on every one of them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.roles import CHIROPRACTOR
from care import links
from care.models import NeedlingSession, TreatmentPlan
from consults.models import Chiropractor, Consult, WorkingHours
from intake.models import Outcome, Submission
from tests.helpers import assert_no_axe_violations, make_staff, make_submission, sign_in_browser

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _plain_http(settings: Any) -> None:
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


def test_a_course_of_care_walks_through_accessible_staff_and_patient_pages(
    live_server: Any, page: Any
) -> None:
    user = make_staff("doc", CHIROPRACTOR, first_name="Casey", last_name="Chiro")
    chiro = Chiropractor.objects.create(user=user, display_name="Dr. Doc")
    for weekday in range(7):
        WorkingHours.objects.create(
            chiropractor=chiro, weekday=weekday, starts="08:00", ends="18:00"
        )
    submission = make_submission(first_name="Sasha", last_name="Sample")
    start = timezone.now() - timedelta(minutes=5)
    Consult.objects.create(
        chiropractor=chiro,
        submission=submission,
        starts_at=start,
        ends_at=start + timedelta(minutes=30),
        kind="dry_needling",
    )
    sign_in_browser(page, live_server, user)
    base = f"{live_server.url}/staff/submissions/{submission.reference}"

    page.goto(f"{base}/")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Complete the consult and record its result").click()
    assert_no_axe_violations(page)
    page.get_by_label("Start a treatment plan with dry needling").check()
    page.get_by_role("button", name="Complete the consult and record the result").click()

    page.get_by_role("heading", name="Write the treatment plan").wait_for()
    assert_no_axe_violations(page)
    review = (timezone.localdate() + timedelta(days=28)).isoformat()
    page.get_by_label("Review date").fill(review)
    page.get_by_role("button", name="Save and email the plan").click()
    page.get_by_text("Plan version 1 saved").wait_for()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Record a session").click()
    assert_no_axe_violations(page)
    for name in (
        "new_blood_thinners",
        "pregnancy",
        "fever_or_unwell",
        "skin_broken_or_infected",
        "new_implants",
    ):
        page.check(f"#id_{name}_1")
    page.get_by_label("Duration (minutes)").fill("30")
    page.get_by_label("Gastrocnemius").check()
    page.get_by_role("button", name="Record the session").click()
    page.get_by_text("Session recorded").wait_for()

    page.get_by_role("link", name="Record an adverse event").click()
    assert_no_axe_violations(page)
    page.get_by_label("Mild", exact=True).check()
    page.get_by_label("Action taken").fill("Reassured.")
    page.get_by_role("button", name="Record the adverse event").click()
    page.get_by_text("Adverse event recorded.").wait_for()

    page.goto(f"{base}/care/session/book/")
    assert_no_axe_violations(page)

    plan = TreatmentPlan.objects.get(submission=submission)
    page.goto(f"{live_server.url}/care/plan/{links.plan_token(plan)}/")
    page.get_by_role("heading", name="Your home programme").wait_for()
    assert_no_axe_violations(page)

    session = NeedlingSession.objects.get(submission=submission)
    page.goto(f"{live_server.url}/care/check/{links.check_token(session)}/")
    assert_no_axe_violations(page)
    page.get_by_label("Worse").check()
    page.check("#id_spreading_redness_0")
    for name in ("warmth_or_swelling", "pus", "fever"):
        page.check(f"#id_{name}_1")
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("heading", name="Please get help now").wait_for()
    assert_no_axe_violations(page)
    assert Submission.objects.get(pk=submission.pk).outcome == Outcome.URGENT
