"""The patient journey in real Chromium at phone size: urgent advice mid-form, guardians."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from intake.models import Draft, Submission
from screening import RULES_BY_ID
from tests.answers import CONSENT, make_answers
from tests.helpers import assert_no_axe_violations
from tests.test_browser_intake import fill_step, next_step, shot


@pytest.fixture(autouse=True)
def _http_cookies(settings: Any, transactional_db: None) -> None:
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


def years_ago(years: int) -> str:
    today = timezone.localdate()
    return today.replace(year=today.year - years).isoformat()


def test_the_emergency_box_is_above_the_start_button_on_a_phone(
    page: Any, live_server: Any
) -> None:
    page.goto(live_server.url + "/")
    box = page.get_by_role("note").bounding_box()
    start = page.get_by_role("button", name="Start the form").bounding_box()
    assert box["y"] + box["height"] <= start["y"]
    assert page.get_by_role("note").get_by_role("link", name="911").get_attribute("href") == (
        "tel:911"
    )


@pytest.mark.parametrize(
    ("rule_id", "changes"),
    [("ischaemia_signs", {"cold_pale_foot": True}), ("dvt_signs", {"calf_swelling": True})],
)
def test_urgent_advice_comes_after_the_red_flags_step_before_the_needling_questions(
    page: Any, live_server: Any, artifacts_dir: Path, rule_id: str, changes: dict[str, Any]
) -> None:
    answers = make_answers(**changes, language="en")
    page.goto(live_server.url + "/intake/")
    for section in ("respondent", "about", "pain", "red_flags"):
        fill_step(page, section, answers)
        next_step(page)
    assert page.url.endswith("/intake/urgent/")
    alert = page.get_by_role("alert")
    advice = RULES_BY_ID[rule_id].safety_advice()
    assert advice is not None and advice in alert.inner_text()
    assert alert.get_by_role("link", name="Call 911 now").get_attribute("href") == "tel:911"
    # No needling question yet; the patient can stop or finish.
    assert page.locator("#q-needle_willing").count() == 0
    shot(page, artifacts_dir, f"urgent-midway-{rule_id}")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Stop here").click()
    page.wait_for_url("**/intake/urgent/stopped/")
    assert advice in page.get_by_role("alert").inner_text()
    assert_no_axe_violations(page)
    assert Draft.objects.get().urgent_rules == [rule_id]


def test_a_parent_fills_in_the_form_for_a_12_year_old(
    page: Any, live_server: Any, artifacts_dir: Path
) -> None:
    answers = make_answers(
        completed_by="parent_guardian",
        representative_name="Rosa Reyes",
        representative_relationship="Mother",
        first_name="Lucia",
        date_of_birth=years_ago(12),
    )
    page.goto(live_server.url + "/intake/")
    assert page.get_by_text("Who is filling in this form?").is_visible()
    fill_step(page, "respondent", answers)
    assert page.locator("#id_representative_relationship").is_visible()
    assert_no_axe_violations(page)
    next_step(page)
    assert page.get_by_text("What is the patient's first name?").is_visible()
    shot(page, artifacts_dir, "guardian-about")
    assert_no_axe_violations(page)
    for section in ("about", "pain", "red_flags", "needling"):
        fill_step(page, section, answers)
        next_step(page)
    assert page.get_by_text("I am the patient's parent or legal guardian").is_visible()
    fill_step(page, "consent", {**CONSENT, "signature": "Rosa Reyes"})
    shot(page, artifacts_dir, "guardian-review")
    assert_no_axe_violations(page)
    next_step(page, "Sign and send my answers")
    assert "/intake/done/" in page.url
    submission = Submission.objects.get()
    assert submission.answers["completed_by"] == "parent_guardian"
    assert submission.signature == "Rosa Reyes"


def test_a_16_year_old_starts_alone_and_hands_over_to_a_parent(
    page: Any, live_server: Any, artifacts_dir: Path
) -> None:
    answers = make_answers(date_of_birth=years_ago(16))
    page.goto(live_server.url + "/intake/")
    fill_step(page, "respondent", answers)
    next_step(page)
    fill_step(page, "about", answers)
    next_step(page)
    assert page.url.endswith("/intake/guardian/")
    assert page.get_by_role("heading", name="A parent or guardian needs to fill in this form")
    shot(page, artifacts_dir, "minor-hand-over")
    assert_no_axe_violations(page)
    next_step(page, "I am the parent or guardian: take over")
    assert page.url.endswith("/intake/who/")
    assert page.locator("#id_completed_by_1").is_checked()
    fill_step(page, "respondent", {"representative_name": "Luis Reyes"})
    page.fill("#id_representative_relationship", "Father")
    next_step(page)
    assert page.url.endswith("/intake/about/")
    # The patient's own answers are still there, now asked about the patient.
    assert page.locator("#id_first_name").input_value() == "Ana"
    assert page.get_by_text("What is the patient's date of birth?").is_visible()
    next_step(page)
    assert page.url.endswith("/intake/pain/")
    assert Draft.objects.get().answers["representative_name"] == "Luis Reyes"
