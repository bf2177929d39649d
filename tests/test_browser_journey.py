"""The patient journey on a phone (390×844): how many screens each step takes, and a booking
that survives a reload of the confirmation page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.answers import CONSENT, make_answers
from tests.helpers import assert_no_axe_violations
from tests.test_browser_intake import fill_step, next_step

SCREEN = 844
STEPS = ("about", "pain", "red_flags", "needling")
MAX_STEP_SCREENS = 4
MAX_REVIEW_SCREENS = 5


@pytest.fixture(autouse=True)
def _http_cookies(settings: Any, transactional_db: None) -> None:
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


def screens(page: Any) -> float:
    return round(page.evaluate("document.documentElement.scrollHeight") / SCREEN, 2)


def test_each_step_fits_in_four_phone_screens_and_the_review_in_five_before_consent(
    page: Any, live_server: Any, artifacts_dir: Path
) -> None:
    answers = make_answers(height_cm=170.5, weight_kg=68)
    counts: dict[str, float] = {}
    page.goto(live_server.url + "/intake/about/")
    for section in STEPS:
        fill_step(page, section, answers)
        counts[section] = screens(page)
        page.screenshot(path=str(artifacts_dir / f"journey-{section}.png"), full_page=True)
        next_step(page)
    consent_top = page.evaluate(
        "document.querySelector('#id_consent_privacy').getBoundingClientRect().top + scrollY"
    )
    counts["review_before_consent"] = round(consent_top / SCREEN, 2)
    counts["review"] = screens(page)
    page.screenshot(path=str(artifacts_dir / "journey-review.png"), full_page=True)
    (artifacts_dir / "phone-screens.json").write_text(json.dumps(counts, indent=2))
    print(counts)
    for section in STEPS:
        assert counts[section] <= MAX_STEP_SCREENS, counts
    assert counts["review_before_consent"] <= MAX_REVIEW_SCREENS, counts
    assert_no_axe_violations(page)
    fill_step(page, "consent", CONSENT)
    next_step(page, "Sign and send my answers")
    assert "/intake/done/" in page.url
