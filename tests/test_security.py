"""Brute-force lockouts, staff session limits, hostile input and what reaches logs and reports."""

from __future__ import annotations

import logging
import os
import re
import sys
import time
import uuid
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory, override_settings
from django.views.debug import ExceptionReporter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic.logs import RequestIdFilter, current_request_id
from clinic.middleware import LAST_SEEN_AT, SIGNED_IN_AT
from intake.models import User
from tests.helpers import make_clinic_admin, make_front_desk, run_tasks, sign_in

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


# CSRF: every URL refuses a POST without the token


def every_url() -> list[str]:
    """One concrete address for each URL pattern (arguments need only resolve)."""
    from django.urls import get_resolver
    from django.urls.resolvers import URLResolver

    def walk(patterns: Any, prefix: str) -> Any:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            else:
                yield route

    urls = set()
    for route in walk(get_resolver().url_patterns, ""):
        if "(?P<slug>" in route:
            route = "intake/about/"
        elif "(?P<app_label>" in route:
            route = "admin/intake/"
        elif "(?P<url>" in route:
            route = "admin/no-such-page/"
        route = re.sub(r"<int:\w+>", "1", route)
        route = re.sub(r"<(?:str|path|slug):\w+>", "X1", route)
        urls.add("/" + route.lstrip("^").rstrip("$"))
    return sorted(urls)


def test_every_address_refuses_a_post_without_a_csrf_token() -> None:
    patient = Client(enforce_csrf_checks=True)
    staff = Client(enforce_csrf_checks=True)
    admin = make_clinic_admin()
    admin.is_superuser = True
    admin.save()
    sign_in(staff, admin)
    urls = every_url()
    assert len(urls) > 40
    for url in urls:
        for client in (patient, staff):
            response = client.post(url, {"anything": "1"})
            assert response.status_code == 403, (url, response.status_code)


# Script and HTML typed by patients or staff stays inert everywhere it is shown

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;"


def hostile_submission() -> Any:
    from tests.helpers import make_submission

    return make_submission(
        first_name=PAYLOAD[:100],
        last_name=PAYLOAD[:100],
        goals=PAYLOAD,
        completed_by="carer",
        representative_name=PAYLOAD[:100],
        representative_relationship=PAYLOAD[:100],
    )


def assert_inert(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert ESCAPED in html


def test_payloads_in_free_text_are_inert_on_staff_pages(client: Client) -> None:
    from tests.helpers import make_chiropractor

    submission = hostile_submission()
    chiro = make_chiropractor()
    sign_in(client, chiro)
    ref = submission.reference
    client.post(f"/staff/submissions/{ref}/contact/", {"result": "voicemail", "note": PAYLOAD})
    client.post(f"/staff/submissions/{ref}/override/", {"outcome": "review", "reason": PAYLOAD})

    for url in ("/staff/", f"/staff/submissions/{ref}/", "/staff/?q=%3Cscript%3E"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "<script>alert" not in response.content.decode(), url
    assert_inert(client.get(f"/staff/submissions/{ref}/").content.decode())


def test_payloads_in_free_text_are_inert_in_the_admin(client: Client) -> None:
    submission = hostile_submission()
    admin = make_clinic_admin()
    admin.is_superuser = True
    admin.save()
    sign_in(client, admin)
    for url in (
        "/admin/intake/submission/",
        f"/admin/intake/submission/{submission.pk}/change/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.content.decode())


def test_payloads_never_reach_email_subjects_or_html(client: Client) -> None:
    from django.core import mail

    from tests.answers import CONSENT, make_answers
    from tests.intake_steps import fill_screened_steps, post_step

    fill_screened_steps(client, make_answers(first_name=PAYLOAD[:100], goals=PAYLOAD))
    post_step(client, "consent", CONSENT, action="submit")
    run_tasks()
    assert mail.outbox
    for message in mail.outbox:
        assert "<" not in message.subject and "script" not in message.subject
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                assert "<script>alert" not in str(content)


# Nothing about the patient reaches the logs


def test_a_whole_intake_logs_no_name_email_phone_or_answer(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.answers import CONSENT, make_answers
    from tests.intake_steps import fill_screened_steps, post_step

    answers = make_answers(
        first_name="Xanthippe",
        last_name="Loggerhead",
        email="xanthippe@example.com",
        phone="555-010-7788",
        goals="climb Kilimanjaro",
    )
    with caplog.at_level(logging.DEBUG):
        fill_screened_steps(client, answers)
        client.post("/intake/later/", {"email": "xanthippe@example.com"})
        post_step(client, "consent", CONSENT, action="submit")
    text = caplog.text
    for secret in ("Xanthippe", "Loggerhead", "xanthippe@", "7788", "Kilimanjaro", "Ana Reyes"):
        assert secret not in text


# Fuzzing every public form: whatever the body, never a 5xx

FIELD_NAMES = st.sampled_from(
    [
        "first_name",
        "email",
        "phone",
        "date_of_birth",
        "pain_location",
        "prior_treatments",
        "nprs_worst",
        "height_cm",
        "signature",
        "consent_privacy",
        "action",
        "from_review",
        "slot",
        "reason",
        "website",
        "language",
        "next",
        # Staff account forms (admin user pages, password reset, two-factor).
        "username",
        "last_name",
        "role",
        "is_active",
        "subject_access",
        "password",
        "new_password1",
        "new_password2",
        "code",
    ]
)
VALUES = st.one_of(
    st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40),
    st.sampled_from(
        [
            "true",
            "false",
            "",
            "0",
            "-1",
            "1e309",
            "NaN",
            "2026-02-30",
            "9999-12-31",
            "submit",
            "back",
            "later",
            "1|2026-13-01T99:00",
            # Control characters and dates at the ends of Python's range (issue #13).
            '"a\x0bb"@example.com',
            "Ana\r\nBcc: x@example.com",
            "\x0b\x1b\x7f",
            "www.example.com",
            "0001-01-01",
            "1|0001-01-01T00:00:00+00:00",
            "1|9999-12-31T23:59:00+00:00",
            "1|9999-12-31T23:00:00-05:00",
            "\x00",
            "a" * 1001,
            "<script>",
            "%ff",
        ]
    ),
)
BODIES = st.dictionaries(FIELD_NAMES, st.one_of(VALUES, st.lists(VALUES, max_size=3)), max_size=8)
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def patient_with_draft() -> Client:
    from intake.models import Draft
    from tests.answers import make_answers

    client = Client()
    draft = Draft.objects.create(answers=make_answers(), step="review")
    session = client.session
    session["intake_draft"] = str(draft.pk)
    session.save()
    return client


@FUZZ
@given(
    body=BODIES,
    url=st.sampled_from(
        [
            "/intake/about/",
            "/intake/pain/",
            "/intake/red-flags/",
            "/intake/needling/",
            "/intake/review/",
            "/intake/later/",
        ]
    ),
)
@override_settings(CLINIC_RATE_LIMITS_ENABLED=False)
def test_fuzzed_intake_posts_never_get_a_server_error(body: dict[str, Any], url: str) -> None:
    for client in (Client(), patient_with_draft()):
        assert client.post(url, body).status_code < 500


@FUZZ
@given(raw=st.binary(max_size=300), multipart=st.booleans())
@override_settings(CLINIC_RATE_LIMITS_ENABLED=False)
def test_fuzzed_raw_bodies_never_get_a_server_error(raw: bytes, multipart: bool) -> None:
    content_type = (
        "multipart/form-data; boundary=xyz" if multipart else "application/x-www-form-urlencoded"
    )
    client = patient_with_draft()
    for url in ("/intake/about/", "/intake/review/", "/intake/later/", "/staff/login/"):
        assert client.post(url, raw, content_type=content_type).status_code < 500


@settings(FUZZ, max_examples=10)
@given(body=BODIES)
@override_settings(CLINIC_RATE_LIMITS_ENABLED=False)
def test_fuzzed_link_pages_never_get_a_server_error(body: dict[str, Any]) -> None:
    from consults.booking import book_consult, booking_token, manage_token
    from intake.drafts import make_resume_token
    from intake.models import Draft
    from tests.scheduling import at, make_case, make_profile, next_monday

    chiro = make_profile(f"c{uuid.uuid4().hex[:8]}")
    consult = book_consult(
        submission=make_case(), chiropractor=chiro, starts_at=at(next_monday(), 10), by=None
    ).consult  # type: ignore[union-attr]
    manage = manage_token(consult)
    urls = [
        f"/intake/resume/{make_resume_token(Draft.objects.create())}/",
        f"/consult/book/{booking_token(make_case())}/",
        f"/consult/appointment/{manage}/move/",
        f"/consult/appointment/{manage}/cancel/",
        "/i18n/setlang/",
    ]
    for url in urls:
        assert Client().post(url, body).status_code < 500, url


@settings(FUZZ, max_examples=10)
@given(body=BODIES)
@override_settings(CLINIC_RATE_LIMITS_ENABLED=False)
def test_fuzzed_staff_account_forms_never_get_a_server_error(body: dict[str, Any]) -> None:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from tests.helpers import make_staff

    suffix = uuid.uuid4().hex[:8]
    person = make_staff(f"p{suffix}", "Front desk", email=f"p{suffix}@example.com")
    admin_client = Client()
    sign_in(admin_client, make_clinic_admin(f"a{suffix}"))
    for url in (
        "/admin/intake/user/add/",
        f"/admin/intake/user/{person.pk}/change/",
        f"/admin/intake/user/{person.pk}/two-factor-reset/",
        f"/admin/intake/user/{person.pk}/password-reset/",
        "/staff/two-factor/setup/",
        "/staff/two-factor/backup-codes/new/",
    ):
        assert admin_client.post(url, body).status_code < 500, url
    anonymous = Client()
    assert anonymous.post("/staff/password-reset/", body).status_code < 500
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    link = f"/staff/password-reset/{uid}/{default_token_generator.make_token(person)}/"
    set_password = anonymous.get(link)["Location"]
    assert anonymous.post(set_password, body).status_code < 500


STAFF_DATE_VALUES = st.one_of(
    VALUES, st.dates().map(date.isoformat), st.sampled_from(["0001-01-01", "9999-12-31"])
)


@settings(FUZZ, max_examples=10)
@given(day=STAFF_DATE_VALUES, other=STAFF_DATE_VALUES)
def test_fuzzed_staff_dates_never_get_a_server_error(day: str, other: str) -> None:
    from consults.models import Chiropractor
    from tests.helpers import make_staff
    from tests.scheduling import make_case, make_profile

    # Examples share one database transaction: the superuser and chiropractor are made once.
    boss = User.objects.filter(username="fuzz-boss").first() or make_staff(
        "fuzz-boss", None, is_superuser=True
    )
    chiro = Chiropractor.objects.first() or make_profile("fuzz-chiro")
    client = Client()
    sign_in(client, boss)
    reference = make_case().reference
    quoted = quote(day, safe="")
    for url, query in [
        (f"/staff/agenda/{quoted}/", {}),
        (f"/staff/agenda/week/{quoted}/", {}),
        ("/staff/", {"submitted_from": day, "submitted_to": other, "q": other}),
        (f"/staff/submissions/{reference}/consult/", {"day": day, "chiropractor": str(chiro.pk)}),
    ]:
        assert client.get(url, query).status_code < 500, (url, query)
    for url in (
        f"/staff/submissions/{reference}/consult/book/",
        "/staff/consults/1/move/",
    ):
        assert client.post(url, {"slot": f"{chiro.pk}|{day}T10:00:00+00:00"}).status_code < 500, url


def test_pages_seen_signed_in_are_never_stored_by_browsers_or_proxies(client: Client) -> None:
    sign_in(client, make_front_desk())
    cache_control = client.get("/staff/")["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control


def test_a_request_for_an_unknown_host_is_logged_as_a_security_event(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="django.security"):
        assert client.get("/", HTTP_HOST="evil.example").status_code == 400
    assert any(r.name == "django.security.DisallowedHost" for r in caplog.records)


def test_a_patients_cancel_reason_is_inert_on_staff_pages(client: Client) -> None:
    from consults.booking import book_consult, manage_token
    from tests.scheduling import at, make_case, make_profile, next_monday

    consult = book_consult(
        submission=make_case(),
        chiropractor=make_profile(),
        starts_at=at(next_monday(), 10),
        by=None,
    ).consult  # type: ignore[union-attr]
    Client().post(f"/consult/appointment/{manage_token(consult)}/cancel/", {"reason": PAYLOAD})
    consult.refresh_from_db()
    assert consult.cancel_reason == PAYLOAD
    sign_in(client, make_front_desk("desk9"))
    ref = consult.submission.reference
    for url in (f"/staff/submissions/{ref}/", f"/staff/submissions/{ref}/consult/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "<script>alert" not in response.content.decode(), url
