"""Patient links (resume, booking, manage): signed, single-purpose, expiring, single-use, and
never a way into another patient's draft, submission or consult."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from consults.booking import (
    book_consult,
    booking_token,
    cancel_consult,
    manage_token,
    reschedule_consult,
)
from consults.models import Consult
from intake.drafts import make_resume_token
from intake.models import Draft
from tests.answers import make_answers
from tests.helpers import run_tasks
from tests.intake_steps import fill_screened_steps, post_step, resume_link
from tests.scheduling import at, make_case, make_profile, next_monday

pytestmark = pytest.mark.django_db

PATIENT = {"first_name": "Quincy", "last_name": "Tokenfield", "email": "quincy@example.com"}


def started_draft(client: Client, **answers: Any) -> Draft:
    post_step(client, "about", make_answers(**{**PATIENT, **answers}))
    return Draft.objects.get(pk=client.session["intake_draft"])


def emailed_resume_path(client: Client, email: str = "quincy@example.com") -> str:
    client.post("/intake/later/", {"email": email})
    run_tasks()
    link = resume_link(str(mail.outbox[-1].body))
    return link[link.index("/intake/resume/") :]


def tamper(token: str) -> str:
    last = "A" if token[-1] != "A" else "B"
    return token[:-1] + last


def assert_reveals_nothing(response: Any, *secrets: str) -> None:
    body = response.content.decode()
    assert response.status_code in (400, 404)
    for secret in (*PATIENT.values(), *secrets):
        assert secret not in body


# Resume links


def test_a_resume_link_opens_the_draft_once(client: Client) -> None:
    draft = started_draft(client)
    path = emailed_resume_path(client)

    other_device = Client()
    assert other_device.get(path).status_code == 200  # a button, so mail scanners use nothing
    response = other_device.post(path)

    assert response.status_code == 302
    assert other_device.session["intake_draft"] == str(draft.pk)
    assert_reveals_nothing(Client().post(path))
    assert_reveals_nothing(Client().get(path))


def test_a_tampered_resume_link_reveals_nothing(client: Client) -> None:
    started_draft(client)
    path = emailed_resume_path(client)
    token = path.rstrip("/").rsplit("/", 1)[1]
    for bad in (tamper(token), token[:-10], "nonsense", token + "x"):
        assert_reveals_nothing(Client().post(f"/intake/resume/{bad}/"))
        assert_reveals_nothing(Client().get(f"/intake/resume/{bad}/"))


def test_an_expired_resume_link_reveals_nothing(client: Client, monkeypatch: Any) -> None:
    draft = started_draft(client)
    eight_days_ago = time.time() - timedelta(days=8).total_seconds()
    with monkeypatch.context() as patched:
        patched.setattr("django.core.signing.time.time", lambda: eight_days_ago)
        token = make_resume_token(draft)
    assert_reveals_nothing(Client().post(f"/intake/resume/{token}/"))


def test_asking_again_makes_the_earlier_resume_link_stop_working(client: Client) -> None:
    started_draft(client)
    first = emailed_resume_path(client)
    second = emailed_resume_path(client)
    assert_reveals_nothing(Client().post(first))
    assert Client().post(second).status_code == 302


def test_a_booking_link_is_not_a_resume_link_and_the_other_way_round(client: Client) -> None:
    started_draft(client)
    resume_token = emailed_resume_path(client).rstrip("/").rsplit("/", 1)[1]
    submission = make_case()
    assert_reveals_nothing(Client().post(f"/intake/resume/{booking_token(submission)}/"))
    assert_reveals_nothing(Client().get(f"/consult/book/{resume_token}/"), submission.reference)
    assert_reveals_nothing(
        Client().get(f"/consult/appointment/{booking_token(submission)}/"), submission.reference
    )


# Another patient's data


def test_a_patient_never_sees_another_patients_draft(client: Client) -> None:
    started_draft(client)
    stranger = Client()
    for url in ("/intake/about/", "/intake/review/", "/intake/later/"):
        response = stranger.get(url)
        assert "Quincy" not in response.content.decode()
        assert "quincy@example.com" not in response.content.decode()


def test_a_patient_never_sees_another_patients_confirmation(client: Client) -> None:
    fill_screened_steps(client, make_answers(**PATIENT))
    from tests.answers import CONSENT

    post_step(client, "consent", CONSENT, action="submit")
    assert client.get("/intake/done/").status_code == 200
    stranger = Client()
    response = stranger.get("/intake/done/")
    assert response.status_code == 302
    assert response["Location"] == "/intake/"


def test_drafts_live_in_the_session_not_in_any_address(client: Client) -> None:
    draft = started_draft(client)
    for url in ("/intake/about/", "/intake/pain/", "/intake/review/"):
        assert str(draft.pk) not in client.get(url).content.decode()


# Booking and manage links


def booked() -> tuple[Consult, Any]:
    chiro = make_profile()
    submission = make_case()
    result = book_consult(
        submission=submission, chiropractor=chiro, starts_at=at(next_monday(), 10), by=None
    )
    return result.consult, chiro  # type: ignore[union-attr]


def test_an_expired_booking_link_reveals_nothing(monkeypatch: Any, settings: Any) -> None:
    submission = make_case()
    too_old = time.time() - timedelta(days=settings.CLINIC_BOOKING_LINK_DAYS + 1).total_seconds()
    with monkeypatch.context() as patched:
        patched.setattr("django.core.signing.time.time", lambda: too_old)
        token = booking_token(submission)
    assert_reveals_nothing(Client().get(f"/consult/book/{token}/"), submission.reference)


def test_a_used_booking_link_shows_the_time_booked_and_nothing_about_the_patient() -> None:
    consult, _chiro = booked()
    response = Client().get(f"/consult/book/{booking_token(consult.submission)}/")
    body = response.content.decode()
    assert response.status_code == 200 and "You have booked:" in body
    for secret in (*PATIENT.values(), consult.submission.reference):
        assert secret not in body


def test_a_booking_link_is_spent_once_its_consult_is_cancelled() -> None:
    chiro = make_profile()
    submission = make_case()
    token = booking_token(submission)
    starts_at = at(next_monday(), 10)
    slot = f"{chiro.pk}|{starts_at.isoformat()}"
    assert Client().post(f"/consult/book/{token}/", {"slot": slot}).status_code == 302
    repeated = Client().post(f"/consult/book/{token}/", {"slot": slot})
    assert repeated.status_code == 302  # the second click is shown the booking it made
    consult = Consult.objects.get(submission=submission)
    cancel_consult(consult=consult, by=None, reason="Patient is away")

    assert_reveals_nothing(Client().get(f"/consult/book/{token}/"), submission.reference)
    fresh = booking_token(Consult.objects.get(pk=consult.pk).submission)
    assert Client().get(f"/consult/book/{fresh}/").status_code == 200


def test_a_tampered_manage_link_reveals_nothing() -> None:
    consult, _chiro = booked()
    token = manage_token(consult)
    assert Client().get(f"/consult/appointment/{token}/").status_code == 200
    for bad in (tamper(token), "nonsense"):
        assert_reveals_nothing(
            Client().get(f"/consult/appointment/{bad}/"), consult.submission.reference
        )
        assert_reveals_nothing(Client().post(f"/consult/appointment/{bad}/cancel/"))


def test_moving_a_consult_retires_the_old_manage_link() -> None:
    consult, _chiro = booked()
    old = manage_token(consult)
    moved = reschedule_consult(consult=consult, starts_at=at(next_monday(), 11), by=None)
    assert_reveals_nothing(Client().get(f"/consult/appointment/{old}/"))
    assert Client().get(f"/consult/appointment/{manage_token(moved.consult)}/").status_code == 200  # type: ignore[union-attr]


def test_a_cancelled_consults_manage_link_reveals_nothing() -> None:
    consult, _chiro = booked()
    token = manage_token(consult)
    cancel_consult(consult=consult, by=None, reason="test")
    assert_reveals_nothing(Client().get(f"/consult/appointment/{token}/"))
    assert_reveals_nothing(Client().post(f"/consult/appointment/{token}/cancel/"))


def test_one_patients_manage_link_never_opens_another_consult() -> None:
    consult, chiro = booked()
    other = book_consult(
        submission=make_case(), chiropractor=chiro, starts_at=at(next_monday(), 11), by=None
    ).consult  # type: ignore[union-attr]
    page = Client().get(f"/consult/appointment/{manage_token(consult)}/").content.decode()
    assert manage_token(other) not in page
    assert other.submission.reference not in page
