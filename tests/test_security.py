"""Brute-force lockouts, staff session limits, hostile input and what reaches logs and reports."""

from __future__ import annotations

import logging
import sys
import time
import uuid
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory
from django.views.debug import ExceptionReporter

from clinic.logs import RequestIdFilter, current_request_id
from clinic.middleware import LAST_SEEN_AT, SIGNED_IN_AT
from intake.models import User
from tests.helpers import make_clinic_admin, make_front_desk, sign_in

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def try_password(client: Client, user: User, password: str, ip: str = "198.51.100.1") -> int:
    response = client.post(
        "/staff/login/", {"username": user.username, "password": password}, REMOTE_ADDR=ip
    )
    return response.status_code


def lock_out(client: Client, user: User, ip: str = "198.51.100.1") -> None:
    for _ in range(5):
        try_password(client, user, "wrong-password", ip)


# Brute force (django-axes)


def test_four_wrong_passwords_do_not_lock_the_account(client: Client) -> None:
    user = make_front_desk()
    for _ in range(4):
        assert try_password(client, user, "wrong-password") == 200
    assert try_password(client, user, PASSWORD) == 302


def test_five_wrong_passwords_lock_that_username_from_that_address(client: Client) -> None:
    user = make_front_desk()
    lock_out(client, user)

    response = client.post(
        "/staff/login/",
        {"username": user.username, "password": PASSWORD},
        REMOTE_ADDR="198.51.100.1",
    )

    assert response.status_code == 429
    html = response.content.decode()
    assert "Sign-in paused" in html and "15 minutes" in html
    assert "clinic admin" in html


def test_a_lockout_does_not_block_the_same_user_elsewhere_or_others_here(client: Client) -> None:
    user, colleague = make_front_desk(), make_front_desk("desk2")
    lock_out(client, user)
    assert try_password(Client(), user, PASSWORD, ip="198.51.100.2") == 302
    assert try_password(Client(), colleague, PASSWORD) == 302


def test_the_lock_lifts_after_fifteen_minutes(client: Client) -> None:
    user = make_front_desk()
    lock_out(client, user)
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16)
    )
    assert try_password(client, user, PASSWORD) == 302


def test_a_clinic_admin_unlocks_an_account_in_the_admin(client: Client) -> None:
    user = make_front_desk()
    lock_out(client, user)
    admin = Client()
    sign_in(admin, make_clinic_admin())
    attempt = AccessAttempt.objects.get()

    assert admin.get("/admin/axes/accessattempt/").status_code == 200
    response = admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert try_password(client, user, PASSWORD) == 302


def test_front_desk_cannot_see_or_unlock_lockouts(client: Client) -> None:
    sign_in(client, make_front_desk())
    assert client.get("/admin/axes/accessattempt/").status_code == 403


# Staff sessions


def age_session(client: Client, **seconds_ago: int) -> None:
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_staff_are_signed_out_after_fifteen_idle_minutes(client: Client) -> None:
    sign_in(client, make_front_desk())
    assert client.get("/staff/").status_code == 200
    age_session(client, **{LAST_SEEN_AT: 16 * 60})

    response = client.get("/staff/")

    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")
    assert b"15 minutes without activity" in client.get(response["Location"]).content
    assert client.get("/staff/").status_code == 302


def test_activity_keeps_a_staff_session_alive(client: Client) -> None:
    sign_in(client, make_front_desk())
    client.get("/staff/")
    age_session(client, **{LAST_SEEN_AT: 14 * 60})
    assert client.get("/staff/").status_code == 200
    assert client.get("/staff/").status_code == 200


def test_the_idle_limit_is_a_setting(client: Client, settings) -> None:
    settings.CLINIC_STAFF_IDLE_MINUTES = 30
    sign_in(client, make_front_desk())
    client.get("/staff/")
    age_session(client, **{LAST_SEEN_AT: 20 * 60})
    assert client.get("/staff/").status_code == 200


def test_staff_sessions_end_after_twelve_hours_however_active(client: Client) -> None:
    sign_in(client, make_front_desk())
    client.get("/staff/")
    age_session(client, **{SIGNED_IN_AT: 12 * 3600 + 60, LAST_SEEN_AT: 10})
    response = client.get("/staff/")
    assert response.status_code == 302
    assert b"12-hour limit" in client.get(response["Location"]).content


def test_a_patients_session_is_never_cut_by_the_staff_idle_limit(client: Client) -> None:
    client.get("/")
    session = client.session
    session["draft_marker"] = "kept"
    session[LAST_SEEN_AT] = int(time.time()) - 24 * 3600
    session.save()
    client.get("/")
    assert client.session.get("draft_marker") == "kept"


def test_changing_the_password_ends_other_sessions(client: Client) -> None:
    user = make_front_desk()
    sign_in(client, user)
    assert client.get("/staff/").status_code == 200
    user.set_password("a-brand-new-passphrase-2026")
    user.save()
    assert client.get("/staff/").status_code == 302


# Hostile input: 400-class answers, never 500


def test_a_nul_byte_in_a_form_field_gets_400(client: Client) -> None:
    response = client.post("/staff/login/", {"username": "desk\x00", "password": "x"})
    assert response.status_code == 400


def test_an_overlong_field_gets_400(client: Client) -> None:
    response = client.post("/staff/login/", {"username": "a" * 10_001, "password": "x"})
    assert response.status_code == 400


def test_an_oversized_body_gets_400(client: Client) -> None:
    fields = {f"f{i}": "x" * 9_000 for i in range(40)}
    assert client.post("/staff/login/", fields).status_code == 400


def test_too_many_fields_get_400(client: Client) -> None:
    fields = {f"f{i}": "x" for i in range(400)}
    assert client.post("/staff/login/", fields).status_code == 400


def test_invalid_utf8_in_a_body_or_url_never_gets_a_500(client: Client) -> None:
    body = b"username=%ff%fe%fd&password=\xff\xfe"
    response = client.post("/staff/login/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500
    assert client.get("/%ff%fe/").status_code == 404
    assert client.get("/?q=%ff%fe").status_code == 200


# Logs and error reports


def fail() -> None:
    raise RuntimeError("boom")


def test_error_reports_never_include_form_data_cookies_or_local_values() -> None:
    # Values made at run time, so the report's source excerpts cannot contain them.
    name, email, session_key = (uuid.uuid4().hex for _ in range(3))
    request = RequestFactory().post("/intake/about/", {"first_name": name, "email": email})
    request.COOKIES["sessionid"] = session_key
    try:
        fail()
    except RuntimeError:
        reporter = ExceptionReporter(request, *sys.exc_info())
    text = reporter.get_traceback_text() + reporter.get_traceback_html()
    assert "boom" in text and "first_name" in text
    for secret in (name, email, session_key):
        assert secret not in text


def test_log_lines_carry_the_request_id_and_mask_email_addresses() -> None:
    record = logging.LogRecord(
        "intake", logging.INFO, __file__, 1, "resume link for %s", ("pat@example.com",), None
    )
    token = current_request_id.set("abc123")
    try:
        RequestIdFilter().filter(record)
    finally:
        current_request_id.reset(token)
    assert record.request_id == "abc123"  # type: ignore[attr-defined]
    assert record.getMessage() == "resume link for [email]"
