"""The landing page and staff sign-in in real Chromium, checked with axe-core."""

from __future__ import annotations

from typing import Any

from tests.helpers import assert_no_axe_violations


def test_landing_page_has_no_accessibility_violations(live_server: Any, page: Any) -> None:
    page.goto(live_server.url + "/")
    assert page.get_by_role("button", name="Start the form").is_visible()
    assert_no_axe_violations(page)


def test_staff_login_page_has_no_accessibility_violations(live_server: Any, page: Any) -> None:
    page.goto(live_server.url + "/staff/login/")
    assert page.get_by_role("button", name="Sign in").is_visible()
    assert_no_axe_violations(page)
