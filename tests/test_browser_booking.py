"""A patient books a consult from the confirmation page, in real Chromium at phone size."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from accounts.roles import FRONT_DESK
from consults.models import Consult
from consults.templatetags.consults import long_day
from intake.drafts import remember_submission
from tests.helpers import assert_no_axe_violations, make_staff, sign_in_browser
from tests.scheduling import at, make_case, make_profile, next_monday


@pytest.fixture(autouse=True)
def _http_cookies(settings: Any, transactional_db: None) -> None:
    # The live server speaks plain http; secure-only cookies would never come back.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


def patient_session(page: Any, live_server: Any, submission: Any) -> None:
    """The browser session of a patient who has just submitted (as the intake leaves it)."""
    client = Client()
    session = client.session
    remember_submission(session, submission)
    session.save()
    page.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "url": live_server.url,
            }
        ]
    )


def test_an_eligible_patient_books_from_the_confirmation_page(
    page: Any, live_server: Any, artifacts_dir: Any
) -> None:
    # Other browser tests flush the database, roles included: this chiropractor needs none.
    chiro = make_profile(role=None)
    submission = make_case()
    patient_session(page, live_server, submission)
    monday = next_monday()

    page.goto(f"{live_server.url}/intake/done/")
    page.get_by_role("link", name="Book your consult").click()
    page.wait_for_url("**/consult/book/**")
    assert_no_axe_violations(page)

    page.get_by_role("link", name=monday.strftime("%a, %b %-d")).click()
    page.wait_for_url(f"**day={monday.isoformat()}")
    page.screenshot(path=str(artifacts_dir / "booking-slots.png"), full_page=True)
    # The smallest phones: nothing scrolls sideways and every time is a big target.
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    box = page.get_by_role("button", name="9:30 AM").bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44
    with page.expect_navigation():
        page.get_by_role("button", name="9:30 AM").click()

    assert page.get_by_role("heading", name="Your appointment is booked").is_visible()
    assert_no_axe_violations(page)
    page.screenshot(path=str(artifacts_dir / "booking-done.png"), full_page=True)
    consult = Consult.objects.get()
    assert (consult.submission, consult.chiropractor, consult.starts_at) == (
        submission,
        chiro,
        at(monday, 9, 30),
    )


def booking_desk() -> Any:
    """A front-desk user; the role is rebuilt because other browser tests flush the database."""
    from django.contrib.auth.models import Group, Permission

    role, _created = Group.objects.get_or_create(name=FRONT_DESK)
    role.permissions.add(
        *Permission.objects.filter(
            codename__in=["view_submission", "book_consult", "view_consult", "view_chiropractor"]
        )
    )
    return make_staff("desk", FRONT_DESK)


def test_front_desk_books_on_an_accessible_staff_page(page: Any, live_server: Any) -> None:
    chiro = make_profile(role=None)
    submission = make_case()
    sign_in_browser(page, live_server, booking_desk())
    monday = next_monday()
    page.goto(
        f"{live_server.url}/staff/submissions/{submission.reference}/consult/"
        f"?chiropractor={chiro.pk}&day={monday.isoformat()}"
    )
    assert_no_axe_violations(page)
    # A week of free times: each button names its day as well as its time.
    with page.expect_navigation():
        page.get_by_role("button", name=f"{long_day(monday)}, 10:00", exact=True).click()
    assert page.get_by_role("heading", name="Booked consult").is_visible()
    assert_no_axe_violations(page)
    assert Consult.objects.get().starts_at == at(monday, 10)
