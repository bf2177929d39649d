"""The patient journey on a phone (390×844): how many screens each step takes, and a booking
that survives a reload of the confirmation page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from consults.models import Consult
from intake.models import Submission
from tests.answers import CONSENT, make_answers
from tests.helpers import assert_no_axe_violations
from tests.scheduling import make_profile, next_monday
from tests.test_browser_intake import fill_step, next_step

SCREEN = 844
STEPS = ("respondent", "about", "pain", "red_flags", "needling")
MAX_STEP_SCREENS = 4
MAX_REVIEW_SCREENS = 5


@pytest.fixture(autouse=True)
def _http_cookies(settings: Any, transactional_db: None) -> None:
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


def screens(page: Any) -> float:
    """Phone screens the page takes with its folded parts folded (each is one line)."""
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = false; })")
    return round(page.evaluate("document.documentElement.scrollHeight") / SCREEN, 2)


def test_each_step_fits_in_four_phone_screens_and_the_review_in_five_before_consent(
    page: Any, live_server: Any, artifacts_dir: Path
) -> None:
    answers = make_answers(height_cm=170.5, weight_kg=68)
    counts: dict[str, float] = {}
    heights: dict[str, Any] = {}  # each question's height, to see where a step's length goes
    page.goto(live_server.url + "/intake/")
    for section in STEPS:
        fill_step(page, section, answers)
        counts[section] = screens(page)
        heights[section] = page.evaluate(
            "Object.fromEntries([...document.querySelectorAll("
            "'.question, details, header, footer')].map("
            "e => [e.id || e.tagName, Math.round(e.getBoundingClientRect().height)]))"
        )
        page.screenshot(path=str(artifacts_dir / f"journey-{section}.png"), full_page=True)
        assert_no_axe_violations(page)
        next_step(page)
    consent_top = page.evaluate(
        "document.querySelector('#id_consent_privacy').getBoundingClientRect().top + scrollY"
    )
    counts["review_before_consent"] = round(consent_top / SCREEN, 2)
    counts["review"] = screens(page)
    page.screenshot(path=str(artifacts_dir / "journey-review.png"), full_page=True)
    report = {"screens": counts, "heights": heights}
    (artifacts_dir / "phone-screens.json").write_text(json.dumps(report, indent=2))
    print(counts)
    for section in STEPS:
        assert counts[section] <= MAX_STEP_SCREENS, counts
    assert counts["review_before_consent"] <= MAX_REVIEW_SCREENS, counts
    assert_no_axe_violations(page)
    fill_step(page, "consent", CONSENT)
    next_step(page, "Sign and send my answers")
    assert "/intake/done/" in page.url


def test_booking_from_the_confirmation_page_survives_a_reload_and_the_old_link_shows_it(
    page: Any, live_server: Any, artifacts_dir: Path
) -> None:
    make_profile()
    page.goto(live_server.url + "/intake/")
    answers = make_answers()
    for section in STEPS:
        fill_step(page, section, answers)
        next_step(page)
    fill_step(page, "consent", CONSENT)
    next_step(page, "Sign and send my answers")
    assert page.get_by_role("heading", name="Book your consult").is_visible()
    with page.expect_navigation():
        page.get_by_role("link", name="Book your consult").click()
    booking_url = page.url
    page.goto(f"{booking_url}?day={next_monday().isoformat()}")
    with page.expect_navigation():
        page.get_by_role("button", name="10:00 AM").click()
    assert page.get_by_role("heading", name="Your appointment is booked").is_visible()
    assert page.get_by_text("What to bring").is_visible()
    assert_no_axe_violations(page)
    consult = Consult.objects.get(submission=Submission.objects.get())

    page.goto(live_server.url + "/intake/done/")
    page.reload()
    assert page.get_by_text("You have booked:").is_visible()
    assert page.get_by_text("contact you within 2 working days").count() == 0
    page.screenshot(path=str(artifacts_dir / "journey-confirmation-booked.png"), full_page=True)
    assert_no_axe_violations(page)
    with page.expect_navigation():
        page.get_by_role("link", name="See, move or cancel your appointment").click()
    assert "/consult/appointment/" in page.url
    assert page.get_by_role("heading", name="Your appointment").is_visible()

    page.goto(booking_url)
    assert page.get_by_role("heading", name="You have booked your consult").is_visible()
    assert page.get_by_text("does not work").count() == 0
    page.screenshot(path=str(artifacts_dir / "journey-link-used.png"), full_page=True)
    assert_no_axe_violations(page)
    assert consult.starts_at.minute == 0
