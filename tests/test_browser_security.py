"""The Content Security Policy in real Chromium: admin, staff, patient and sign-in pages run
with no violation; the two-factor pages pass axe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.helpers import (
    assert_no_axe_violations,
    make_clinic_admin,
    make_front_desk,
    make_submission,
    sign_in_browser,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


WATCHED = ("Content Security Policy", "Permissions-Policy")


def watch_csp(page: Any) -> list[str]:
    """Collects Chromium's CSP violations and header complaints (console) for the page's life."""
    violations: list[str] = []

    def collect(message: Any) -> None:
        if any(word in message.text for word in WATCHED):
            violations.append(message.text)

    page.on("console", collect)
    return violations


def test_the_admin_works_under_the_content_security_policy(
    live_server: Any, page: Any, settings: Any
) -> None:
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    admin = make_clinic_admin()
    admin.is_superuser = True
    admin.save()
    submission = make_submission()
    violations = watch_csp(page)
    sign_in_browser(page, live_server, admin)

    for path in (
        "/admin/",
        "/admin/intake/submission/",
        f"/admin/intake/submission/{submission.pk}/change/",
        "/admin/intake/user/add/",
        "/admin/axes/accessattempt/",
    ):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
    # The admin's own JavaScript (static files) runs: the theme toggle is wired up.
    page.goto(live_server.url + "/admin/")
    assert page.locator("button.theme-toggle").count() >= 1
    assert violations == []


def test_patient_and_staff_pages_run_without_csp_violations(
    live_server: Any, page: Any, settings: Any
) -> None:
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    violations = watch_csp(page)
    for path in ("/", "/intake/about/", "/staff/login/", "/privacy/"):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
    submission = make_submission()
    sign_in_browser(page, live_server, make_front_desk())
    for path in ("/staff/", f"/staff/submissions/{submission.reference}/"):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
    assert violations == []


def test_a_new_staff_member_enrols_an_authenticator_in_the_browser(
    live_server: Any, page: Any, settings: Any, artifacts_dir: Path
) -> None:
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    user = make_front_desk()
    violations = watch_csp(page)

    page.goto(live_server.url + "/staff/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()

    assert "/staff/two-factor/setup/" in page.url
    assert page.locator(".qr-code svg").is_visible()
    assert_no_axe_violations(page)
    page.screenshot(path=str(artifacts_dir / "two-factor-setup.png"), full_page=True)

    device = TOTPDevice.objects.get(user=user, confirmed=False)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    page.get_by_label("Code").fill(f"{code:06d}")
    page.get_by_role("button", name="Confirm").click()

    assert page.get_by_role("heading", name="Backup codes").is_visible()
    assert page.locator(".backup-codes li").count() == 10
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Continue").click()
    assert page.url.endswith("/staff/")
    assert violations == []


def test_the_code_and_lockout_pages_are_clear_and_accessible(
    live_server: Any, page: Any, settings: Any, artifacts_dir: Path
) -> None:
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    user = make_front_desk()
    TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)

    page.goto(live_server.url + "/staff/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Enter your sign-in code").wait_for()
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Verify").click()
    page.get_by_text("That code did not work").wait_for()
    assert_no_axe_violations(page)

    other = make_front_desk("desk2")
    page.context.clear_cookies()
    for _ in range(5):
        page.goto(live_server.url + "/staff/login/")
        page.get_by_label("Username").fill(other.username)
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("heading", name="Sign-in paused for this account").is_visible()
    assert page.get_by_text("15 minutes").is_visible()
    assert_no_axe_violations(page)
    page.screenshot(path=str(artifacts_dir / "sign-in-paused.png"), full_page=True)
