"""Security round two (issue #13): odd input, patient links, retention, audit of reads, logs."""

from __future__ import annotations

import io
import logging
import smtplib
import sys
from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client, RequestFactory
from django.utils import timezone, translation
from icalendar import Calendar

from clinic.logs import RequestIdFilter
from clinic.middleware import remote_addr
from clinic.ratelimit import client_key
from consults import emails
from consults.booking import (
    book_consult,
    booking_path,
    booking_token,
    cancel_consult,
    manage_path,
)
from consults.models import Consult
from intake import audit, workflow
from intake.models import AuditEvent, CaseNote, ScreeningRecord, Submission
from intake.questions import validate_answers
from intake.retention import anonymise
from outbox.models import Message
from tests.answers import CONSENT, make_answers
from tests.helpers import make_clinic_admin, make_front_desk, make_submission, run_tasks, sign_in
from tests.intake_steps import fill_screened_steps, post_step
from tests.scheduling import at, make_case, make_profile, next_monday

pytestmark = pytest.mark.django_db

ODD_EMAIL = '"a\x0bb"@example.com'
REFUSING = "tests.mail_backends.RefusingBackend"


def slot_value(chiro: Any, starts_at: Any) -> str:
    return f"{chiro.pk}|{starts_at.isoformat()}"


def about_errors(**answers: Any) -> dict[str, list[str]]:
    _cleaned, errors = validate_answers(
        make_answers(**answers), screening_date=timezone.localdate(), sections=("about",)
    )
    return errors


def booked(chiro: Any = None, **case: Any) -> Consult:
    chiro = chiro or make_profile()
    result = book_consult(
        submission=make_case(**case), chiropractor=chiro, starts_at=at(next_monday(), 10), by=None
    )
    return result.consult  # type: ignore[union-attr]


# 5. Email addresses with control characters; any failure to send after saving


@pytest.mark.parametrize(
    "email", [ODD_EMAIL, '"a\rb"@example.com', '"a\tb"@example.com', "a\x7fb@example.com"]
)
def test_an_email_address_with_a_control_character_is_refused(email: str) -> None:
    assert "email" in about_errors(email=email)


def test_the_about_step_refuses_an_address_with_a_control_character(client: Client) -> None:
    response = post_step(client, "about", make_answers(email=ODD_EMAIL))
    assert response.status_code == 200
    assert "Please enter a valid email address" in response.content.decode()


def test_a_receipt_the_mail_server_refuses_in_any_way_still_shows_the_done_page(
    client: Client, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.EMAIL_BACKEND = REFUSING
    fill_screened_steps(client, make_answers())
    response = post_step(client, "consent", CONSENT, action="submit")
    assert response.status_code == 302 and response["Location"] == "/intake/done/"
    submission = Submission.objects.get()
    assert client.get("/intake/done/").status_code == 200
    # The receipt is queued with the submission; the worker's failure is logged by ids only.
    with caplog.at_level(logging.WARNING):
        run_tasks()
    (message,) = Message.objects.filter(submission=submission)
    assert message.status in ("retrying", "failed")
    line = next(r for r in caplog.records if f"message {message.pk}" in r.getMessage())
    assert "HeaderParseError" in line.getMessage()
    assert "example.com" not in line.getMessage()


def test_a_patient_booking_the_mail_server_refuses_is_kept_and_shown(
    client: Client, settings: Any
) -> None:
    settings.EMAIL_BACKEND = REFUSING
    chiro = make_profile()
    response = client.post(
        booking_path(make_case()), {"slot": slot_value(chiro, at(next_monday(), 10))}
    )
    assert response.status_code == 302 and "booked=1" in response["Location"]
    assert Consult.objects.get().status == Consult.Status.ACTIVE


def test_emailing_a_booking_link_the_mail_server_refuses_shows_as_failed_to_staff(
    client: Client, settings: Any
) -> None:
    settings.EMAIL_BACKEND = REFUSING
    submission = make_case()
    Submission.objects.filter(pk=submission.pk).update(email=ODD_EMAIL)
    sign_in(client, make_front_desk())
    url = f"/staff/submissions/{submission.reference}/consult/invite/"
    response = client.post(url, follow=True)
    assert response.status_code == 200
    run_tasks()
    (message,) = Message.objects.filter(submission=submission)
    assert message.status in ("retrying", "failed")
    page = client.get(f"/staff/submissions/{submission.reference}/")
    assert message.get_status_display() in page.content.decode()


# 6. Names are single lines of plain text; emails greet without echoing them


@pytest.mark.parametrize("code", ["first_name", "last_name", "signature"])
@pytest.mark.parametrize(
    "value",
    [
        "Ana\r\nBcc: x@example.com",
        "Ana\nReyes",
        "Ana\x0bReyes",
        "Ana http://evil.example/win",
        "www.evil.example",
        "Ana HTTPS://evil.example",
    ],
)
def test_a_name_with_a_line_break_control_character_or_web_address_is_refused(
    code: str, value: str
) -> None:
    answers = {code: value} if code != "signature" else {}
    if code == "signature":
        _cleaned, errors = validate_answers(
            {"signature": value}, screening_date=timezone.localdate(), sections=("consent",)
        )
    else:
        errors = about_errors(**answers)
    assert errors.get(code) == [
        "Please write the name on one line, with no web addresses or special characters."
    ]


@pytest.mark.parametrize("value", ["Ana", "María-José", "O'Brien", "Anne Marie", "Dr. Ng"])
def test_ordinary_names_are_accepted(value: str) -> None:
    assert "first_name" not in about_errors(first_name=value)


def test_the_name_error_is_in_spanish_for_spanish_patients() -> None:
    with translation.override("es"):
        errors = about_errors(first_name="Ana\nhttp://evil.example")
    assert errors["first_name"] == [
        "Escriba el nombre en una sola línea, sin direcciones web ni caracteres especiales."
    ]


def test_consult_emails_greet_without_the_patients_own_words() -> None:
    chiro = make_profile()
    submission = make_case()
    Submission.objects.filter(pk=submission.pk).update(first_name="Zelda")
    submission.refresh_from_db()
    emails.send_booking_link(submission, url="https://clinic.example/consult/book/x/")
    result = book_consult(
        submission=submission, chiropractor=chiro, starts_at=at(next_monday(), 10), by=None
    )
    cancel_consult(consult=result.consult, by=None, reason="")  # type: ignore[union-attr]
    run_tasks()
    to_patient = [m for m in mail.outbox if m.to == [submission.email]]
    assert len(to_patient) == 3
    for message in mail.outbox:
        assert "Zelda" not in message.body and "Zelda" not in message.subject
    for message in to_patient:
        assert message.body.startswith("Hello,")


# 7. Patient links: spent links, manage link expiry, no token in any log line


def test_a_post_with_any_body_on_a_used_booking_link_shows_what_was_booked() -> None:
    chiro = make_profile()
    submission = make_case()
    url = booking_path(submission)
    assert Client().post(url, {"slot": slot_value(chiro, at(next_monday(), 10))}).status_code == 302
    for body in ({}, {"slot": "x"}, {"slot": slot_value(chiro, at(next_monday(), 11))}):
        response = Client().post(url, body)
        assert response.status_code == 409, body
        assert "You have booked:" in response.content.decode()
    assert Consult.objects.count() == 1


def test_a_late_second_click_on_a_used_booking_link_shows_the_booking() -> None:
    chiro = make_profile()
    submission = make_case()
    url = booking_path(submission)
    value = slot_value(chiro, at(next_monday(), 10))
    assert Client().post(url, {"slot": value}).status_code == 302
    Consult.objects.update(booked_at=timezone.now() - timedelta(hours=1))
    response = Client().post(url, {"slot": value})
    assert response.status_code == 409 and "You have booked:" in response.content.decode()


def test_a_manage_link_stops_working_once_the_consult_has_passed() -> None:
    consult = booked()
    path = manage_path(consult)
    assert Client().get(path).status_code == 200
    Consult.objects.filter(pk=consult.pk).update(
        starts_at=timezone.now() - timedelta(hours=2), ends_at=timezone.now() - timedelta(hours=1)
    )
    assert Client().get(path).status_code == 404
    assert Client().post(f"{path}cancel/").status_code == 404
    assert Client().get(f"{path}move/").status_code == 404


@pytest.fixture
def console_log() -> Any:
    """What the configured console handler writes (the handler a deployment sees)."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, RequestIdFilter) for f in h.filters)
    )
    buffer = io.StringIO()
    previous = handler.setStream(buffer)  # type: ignore[attr-defined]
    yield buffer
    handler.setStream(previous)  # type: ignore[attr-defined]


def test_a_used_booking_links_token_never_reaches_the_log(console_log: io.StringIO) -> None:
    chiro = make_profile()
    submission = make_case()
    token = booking_token(submission)
    Client().post(f"/consult/book/{token}/", {"slot": slot_value(chiro, at(next_monday(), 10))})
    Consult.objects.update(status=Consult.Status.CANCELLED, cancelled_at=timezone.now())
    assert Client().get(f"/consult/book/{token}/").status_code == 404
    output = console_log.getvalue()
    assert "Not Found: /consult/book/[token]/" in output
    assert token not in output


@pytest.mark.parametrize(
    "path",
    [
        "/consult/book/eyJyIjoiQUJDIn0:1t9x:abc/",
        "/consult/appointment/eyJrIjoiYWJjIn0:1t9x:abc/cancel/",
        "/intake/resume/eyJkIjoiMSJ9:1t9x:abc/",
    ],
)
def test_the_log_filter_masks_every_kind_of_link_token(path: str) -> None:
    record = logging.LogRecord(
        "django.server", logging.INFO, "", 0, '"GET %s HTTP/1.1" 404', (path,), None
    )
    RequestIdFilter().filter(record)
    assert "eyJ" not in record.getMessage() and "[token]" in record.getMessage()


def test_djangos_server_log_goes_through_the_masking_filter(console_log: io.StringIO) -> None:
    logging.getLogger("django.server").warning(
        '"%s" %s %s', "GET /consult/appointment/eyJrIjoiYWJjIn0:1t9x:abc/ HTTP/1.1", "404", "9"
    )
    assert '"GET /consult/appointment/[token]/ HTTP/1.1" 404' in console_log.getvalue()
    assert "eyJ" not in console_log.getvalue()


# 8. Dates out of range: 400 or a friendly message, never a 500


@pytest.mark.parametrize(
    "start",
    ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:00+00:00", "9999-12-31T23:00:00-05:00"],
)
def test_a_patient_slot_far_out_of_range_gets_the_choose_again_page(start: str) -> None:
    chiro = make_profile()
    book = Client().post(booking_path(make_case()), {"slot": f"{chiro.pk}|{start}"})
    assert book.status_code == 400
    consult = booked(chiro)
    move = Client().post(f"{manage_path(consult)}move/", {"slot": f"{chiro.pk}|{start}"})
    assert move.status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/staff/agenda/9999-12-31/",
        "/staff/agenda/0001-01-01/",
        "/staff/agenda/week/9999-12-31/",
        "/staff/agenda/week/0001-01-01/",
        "/staff/?submitted_to=9999-12-31",
        "/staff/?submitted_from=0001-01-01",
    ],
)
def test_staff_pages_with_dates_far_out_of_range_answer_400_or_a_message(
    client: Client, url: str
) -> None:
    sign_in(client, make_clinic_admin())
    response = client.get(url)
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert "Please enter a date between" in response.content.decode()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_the_staff_booking_day_far_out_of_range_says_so(client: Client, day: str) -> None:
    chiro = make_profile()
    submission = make_case()
    sign_in(client, make_front_desk())
    response = client.get(
        f"/staff/submissions/{submission.reference}/consult/",
        {"chiropractor": str(chiro.pk), "day": day},
    )
    assert response.status_code == 200
    assert "Please enter a date between" in response.content.decode()


@pytest.mark.parametrize("start", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:00+00:00"])
def test_staff_booking_and_moving_to_a_time_far_out_of_range_says_so(
    client: Client, start: str
) -> None:
    chiro = make_profile()
    submission = make_case()
    sign_in(client, make_front_desk())
    response = client.post(
        f"/staff/submissions/{submission.reference}/consult/book/",
        {"slot": f"{chiro.pk}|{start}"},
        follow=True,
    )
    assert "Please choose one of the free times." in response.content.decode()
    consult = booked(chiro)
    response = client.post(
        f"/staff/consults/{consult.pk}/move/", {"slot": f"{chiro.pk}|{start}"}, follow=True
    )
    assert "Please choose one of the free times." in response.content.decode()


# 9. Anonymising reaches every derived record and ends live sessions


def test_anonymising_clears_every_record_derived_from_the_submission() -> None:
    submission = make_submission(calf_swelling=True)  # urgent: it has findings
    Submission.objects.filter(pk=submission.pk).update(
        cleared_for_consult=True, clearance_reason="Seen in person; fine to assess."
    )
    submission.refresh_from_db()
    consult = book_consult(
        submission=submission, chiropractor=make_profile(), starts_at=at(next_monday(), 10), by=None
    ).consult  # type: ignore[union-attr]
    cancel_consult(consult=consult, by=None, reason="My heel pain is better since the injection")
    workflow.record_contact(
        submission=submission, result="no_answer", note="Said heel hurts", by=make_front_desk()
    )
    assert ScreeningRecord.objects.filter(submission=submission).exclude(findings=[]).exists()
    patient = Client()
    session = patient.session
    session["intake_submitted"] = submission.reference
    session.save()
    other = Client()
    other_session = other.session
    other_session["intake_submitted"] = make_submission().reference
    other_session.save()

    anonymise(submission, now=timezone.now())

    # The list of everything that hangs off a submission, and what anonymising leaves of it.
    for record in ScreeningRecord.objects.filter(submission=submission):
        assert record.findings == []
    for consult in Consult.objects.filter(submission=submission):
        assert consult.cancel_reason in ("", "[removed]")
    for note in CaseNote.objects.filter(submission=submission):
        assert note.text == "[removed]"
    for event in AuditEvent.objects.filter(submission=submission):
        assert "heel" not in str(event.detail).lower()
    assert not Session.objects.filter(session_key=session.session_key).exists()
    assert Session.objects.filter(session_key=other_session.session_key).exists()


# 10. Every view of health data is audited; searches without their words


def test_a_queue_search_is_audited_with_its_filters_but_not_its_words(client: Client) -> None:
    make_submission(first_name="Zelda")
    sign_in(client, make_front_desk())
    response = client.get("/staff/", {"q": "Zelda Smith", "status": "open"})
    assert response.status_code == 200
    entry = AuditEvent.objects.get(action=audit.SEARCHED_SUBMISSIONS)
    assert entry.detail["search"] is True and entry.detail["status"] == "open"
    assert "Zelda" not in str(entry.detail) and "Smith" not in str(entry.detail)


def test_the_queue_without_a_search_writes_no_search_entry(client: Client) -> None:
    sign_in(client, make_front_desk())
    assert client.get("/staff/").status_code == 200
    assert not AuditEvent.objects.filter(action=audit.SEARCHED_SUBMISSIONS).exists()


@pytest.mark.parametrize("model", ["submission", "screeningrecord"])
def test_an_admin_list_search_is_audited_without_its_words(client: Client, model: str) -> None:
    make_submission(first_name="Zelda")
    sign_in(client, make_clinic_admin())
    response = client.get(f"/admin/intake/{model}/", {"q": "Zelda"})
    assert response.status_code == 200
    entry = AuditEvent.objects.get(action=audit.SEARCHED_SUBMISSIONS)
    assert entry.detail["search"] is True and entry.detail["via"] == "admin"
    assert "Zelda" not in str(entry.detail)


def test_the_admins_screening_record_page_is_audited(client: Client) -> None:
    submission = make_submission()
    record = submission.screenings.get()
    sign_in(client, make_clinic_admin())
    response = client.get(f"/admin/intake/screeningrecord/{record.pk}/change/")
    assert response.status_code == 200
    entry = AuditEvent.objects.get(action=audit.VIEWED_SUBMISSION, submission=submission)
    assert entry.detail == {"via": "admin", "screening": record.pk}


# 11. IPv6 clients counted per /64, and a ceiling per account whatever the address


def test_ipv6_clients_in_one_64_share_a_rate_limit_key() -> None:
    factory = RequestFactory()
    one = factory.get("/", REMOTE_ADDR="2001:db8:1:2::1")
    two = factory.get("/", REMOTE_ADDR="2001:db8:1:2:ffff:ffff:ffff:ffff")
    other = factory.get("/", REMOTE_ADDR="2001:db8:1:3::1")
    assert client_key(one) == client_key(two) == "2001:db8:1:2::"
    assert client_key(other) != client_key(one)
    assert remote_addr(one) == remote_addr(two) == "2001:db8:1:2::"
    assert client_key(factory.get("/", REMOTE_ADDR="192.0.2.7")) == "192.0.2.7"


def test_new_addresses_in_one_ipv6_64_do_not_escape_the_sign_in_lockout(client: Client) -> None:
    user = make_front_desk()
    for n in range(5):
        client.post(
            "/staff/login/",
            {"username": user.username, "password": "wrong"},
            REMOTE_ADDR=f"2001:db8:1:2::{n + 1:x}",
        )
    response = client.post(
        "/staff/login/",
        {"username": user.username, "password": "correct-horse-battery"},
        REMOTE_ADDR="2001:db8:1:2::99",
    )
    assert response.status_code == 429
    assert AccessAttempt.objects.filter(ip_address="2001:db8:1:2::").exists()


def test_an_account_is_locked_after_many_failures_from_many_addresses(
    client: Client, settings: Any
) -> None:
    settings.CLINIC_ACCOUNT_FAILURE_LIMIT = 8
    user = make_front_desk()
    other = make_front_desk("desk2")
    for n in range(8):
        client.post(
            "/staff/login/",
            {"username": user.username, "password": "wrong"},
            REMOTE_ADDR=f"198.51.100.{n + 1}",
        )
    response = client.post(
        "/staff/login/",
        {"username": user.username, "password": "correct-horse-battery"},
        REMOTE_ADDR="203.0.113.50",
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another account from the same address signs in as usual.
    ok = Client().post(
        "/staff/login/",
        {"username": other.username, "password": "correct-horse-battery"},
        REMOTE_ADDR="203.0.113.50",
    )
    assert ok.status_code == 302


# 12. Patient data in exception text, error reports and error mail


def test_exception_text_in_a_log_line_has_its_email_addresses_masked() -> None:
    try:
        raise smtplib.SMTPRecipientsRefused({"zelda.smith@example.com": (550, b"no")})
    except smtplib.SMTPRecipientsRefused:
        exc_info = sys.exc_info()
    record = logging.LogRecord("x", logging.ERROR, "", 0, "send failed", (), exc_info)
    RequestIdFilter().filter(record)
    formatted = logging.Formatter("%(message)s").format(record)
    assert "SMTPRecipientsRefused" in formatted
    assert "zelda.smith@example.com" not in formatted and "[email]" in formatted


def test_an_error_report_mail_has_no_query_string_token_or_email_address(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.error_urls"
    settings.ADMINS = [("Ops", "ops@clinic.example")]
    client = Client(raise_request_exception=False)
    response = client.get("/consult/book/eyJyIjoiQUJDIn0:1t9x:abc/broken/", {"q": "Zelda Smith"})
    assert response.status_code == 500
    assert len(mail.outbox) == 1
    report = mail.outbox[0]
    alternatives = getattr(report, "alternatives", [])
    text = f"{report.subject}{report.body}" + "".join(str(a[1]) for a in alternatives)
    assert "SMTPRecipientsRefused" in text
    for secret in ("Zelda", "zelda.smith@example.com", "q=", "eyJyIjoiQUJDIn0"):
        assert secret not in text, secret


def test_clinic_admins_are_read_from_one_environment_variable() -> None:
    from clinic.settings import parse_admins

    assert parse_admins("Ops Team <ops@clinic.example>, dev@clinic.example") == [
        ("Ops Team", "ops@clinic.example"),
        ("", "dev@clinic.example"),
    ]
    assert parse_admins("") == []


# 13. The clinic's name in subjects and calendar summaries only when the clinic chooses


def test_appointment_subjects_and_calendar_summary_leave_the_clinic_name_out_by_default(
    settings: Any,
) -> None:
    settings.CLINIC_NAME = "Heel Pain Clinic"
    consult = booked()
    run_tasks()
    message = mail.outbox[-1]
    assert message.subject == "Your appointment"
    ics = next(a for a in message.attachments if a[0] == "invite.ics")
    event = next(c for c in Calendar.from_ical(ics[1]).walk("VEVENT"))
    assert str(event["summary"]) == "Appointment"
    emails.send_booking_link(consult.submission, url="https://clinic.example/x/")
    run_tasks()
    assert mail.outbox[-1].subject == "Book your appointment"


def test_a_clinic_may_choose_its_name_in_subjects(settings: Any) -> None:
    settings.CLINIC_NAME = "Bay Chiropractic"
    settings.CLINIC_NAME_IN_SUBJECTS = True
    booked()
    run_tasks()
    message = mail.outbox[-1]
    assert message.subject == "Your appointment at Bay Chiropractic"
    ics = next(a for a in message.attachments if a[0] == "invite.ics")
    event = next(c for c in Calendar.from_ical(ics[1]).walk("VEVENT"))
    assert str(event["summary"]) == "Appointment at Bay Chiropractic"


def test_spanish_subjects_without_the_clinic_name() -> None:
    consult = booked()
    Submission.objects.filter(pk=consult.submission_id).update(language="es")
    consult.refresh_from_db()
    emails.send_cancelled(consult)
    run_tasks()
    assert mail.outbox[-1].subject == "Su cita está cancelada"
