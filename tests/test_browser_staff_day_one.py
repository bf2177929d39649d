"""Staff day one in real Chromium: the idle warning and "Stay signed in", the printed day sheet
and submission summary, and axe on every new page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.utils import timezone

from clinic.middleware import STASHED_POST
from clinic.sessions import SessionStore
from consults.models import Chiropractor, Consult, WorkingHours
from tests.helpers import (
    assert_no_axe_violations,
    make_clinic_admin,
    make_staff,
    make_submission,
    sign_in_browser,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _plain_http(settings: Any) -> None:
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


def consult_today() -> Consult:
    """A consult that started a few minutes ago, for the day sheet and attendance buttons."""
    user = make_staff("doc", None)
    chiro = Chiropractor.objects.create(user=user, display_name="Dr. Doc")
    for weekday in range(7):
        WorkingHours.objects.create(
            chiropractor=chiro, weekday=weekday, starts="00:00", ends="23:59"
        )
    start = timezone.now() - timedelta(minutes=5)
    return Consult.objects.create(
        chiropractor=chiro,
        submission=make_submission(calf_swelling=True, first_name="Sasha", last_name="Sample"),
        starts_at=start,
        ends_at=start + timedelta(minutes=30),
        kind="no_needling",
    )


def test_the_idle_warning_appears_and_stay_signed_in_keeps_the_session(
    live_server: Any, page: Any, settings: Any
) -> None:
    settings.CLINIC_STAFF_IDLE_MINUTES = 0.1  # six seconds: the warning shows after three
    sign_in_browser(page, live_server, make_clinic_admin())
    page.goto(f"{live_server.url}/staff/account/")
    warning = page.locator("#idle-warning")
    assert warning.is_hidden()
    warning.wait_for(state="visible", timeout=8000)
    assert "signed out in one minute" in warning.inner_text()
    assert_no_axe_violations(page)
    with page.expect_response("**/staff/session/keep-alive/") as answer:
        page.get_by_role("button", name="Stay signed in").click()
    assert answer.value.status == 204
    warning.wait_for(state="hidden", timeout=2000)
    page.goto(f"{live_server.url}/staff/account/")
    assert page.url.endswith("/staff/account/")  # still signed in


def test_the_day_sheet_and_the_submission_print_without_navigation_or_forms(
    live_server: Any, page: Any
) -> None:
    consult = consult_today()
    sign_in_browser(page, live_server, make_clinic_admin())
    day = timezone.localdate(consult.starts_at).isoformat()
    page.goto(f"{live_server.url}/staff/agenda/{day}/?chiropractor=all")
    assert page.locator("header.site-header").is_visible()
    assert page.get_by_role("button", name="Arrived").first.is_visible()
    assert_no_axe_violations(page)  # badges and attendance buttons included
    page.emulate_media(media="print")
    assert page.locator("header.site-header").is_hidden()
    assert page.locator("footer").is_hidden()
    assert page.locator("form").first.is_hidden()
    table = page.locator("table.agenda-table")
    assert table.is_visible() and consult.submission.phone in table.inner_text()
    page.emulate_media(media="screen")

    page.goto(f"{live_server.url}/staff/submissions/{consult.submission.reference}/")
    advice = page.locator(".urgent-advice").first
    assert advice.is_visible() and "Urgent advice the patient was given" in advice.inner_text()
    assert_no_axe_violations(page)
    page.emulate_media(media="print")
    assert page.locator("header.site-header").is_hidden()
    assert page.locator("#actions form").first.is_hidden()
    assert advice.is_visible()
    assert page.get_by_role("heading", name="Answers").is_visible()


def test_new_staff_pages_have_no_accessibility_violations(live_server: Any, page: Any) -> None:
    consult = consult_today()
    AccessAttempt.objects.create(
        username="desk2",
        ip_address="192.0.2.9",
        user_agent="x",
        failures_since_start=99,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/staff/login/",
    )
    admin = make_clinic_admin()
    sign_in_browser(page, live_server, admin)
    reference = consult.submission.reference
    for path in (
        "/staff/account/",
        "/staff/account/password/",
        "/staff/locked-accounts/",
        f"/staff/schedule/{consult.chiropractor_id}/",
        f"/staff/submissions/{reference}/consult/",
        f"/staff/agenda/week/{timezone.localdate().isoformat()}/?chiropractor=all",
    ):
        page.goto(live_server.url + path)
        assert page.url.endswith(path), path
        assert_no_axe_violations(page)
    # The page that offers a form kept over a sign-out.
    key = next(
        c["value"] for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME
    )
    store = SessionStore(session_key=key)
    store[STASHED_POST] = {
        "action": f"/staff/submissions/{reference}/note/",
        "page": f"/staff/submissions/{reference}/",
        "data": {"text": ["Called back, prefers mornings."]},
    }
    store.save()
    page.goto(f"{live_server.url}/staff/session/resume/")
    assert page.get_by_text("Called back, prefers mornings.").is_visible()
    assert_no_axe_violations(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Save it now").click()
    assert page.get_by_text("The note was added.").is_visible()
