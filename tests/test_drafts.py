"""Drafts: discarding answers that no longer apply, and single-use resume links by email."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail, signing
from django.test import Client

from intake.drafts import (
    RESUME_SALT,
    discard_inapplicable,
    draft_for_resume_token,
    make_resume_token,
)
from intake.models import Draft
from tests.answers import make_answers
from tests.helpers import run_tasks
from tests.intake_steps import post_step, resume_link

pytestmark = pytest.mark.django_db


def started(client: Client, **changes: Any) -> Draft:
    answers = make_answers(**changes)
    post_step(client, "about", answers)
    post_step(client, "pain", answers)
    return Draft.objects.get(pk=client.session["intake_draft"])


def ask_for_link(client: Client, email: str = "ana.reyes@example.com") -> str:
    response = client.post("/intake/later/", {"email": email})
    assert response.status_code == 302 and response["Location"] == "/intake/later/sent/"
    run_tasks()
    return resume_link(str(mail.outbox[-1].body))


def path_of(link: str) -> str:
    return urlsplit(link).path


def test_answers_whose_condition_no_longer_holds_are_discarded() -> None:
    answers = {"diabetes": False, "numb_feet": True, "completed_by": "self", "cancer": "none"}
    assert discard_inapplicable(answers) == {
        "diabetes": False,
        "completed_by": "self",
        "cancer": "none",
    }
    kept = {"prior_treatments": ["steroid_injection"], "last_steroid_injection": "2026-10-01"}
    assert discard_inapplicable(kept) == kept


def test_starting_a_draft_gives_a_session_the_visitor_already_had_a_new_key(
    client: Client,
) -> None:
    session = client.session
    session["seen"] = True
    session.save()
    before = session.session_key
    started(client)
    assert client.cookies["sessionid"].value != before
    assert client.session["intake_draft"]


def test_the_resume_email_has_a_link_and_says_nothing_about_health(client: Client) -> None:
    started(client)
    link = ask_for_link(client)
    run_tasks()
    message = mail.outbox[-1]
    assert message.to == ["ana.reyes@example.com"]
    assert message.subject == "Your form: continue where you left off"
    assert "7 days" in message.body
    for word in ("heel", "pain", "Ana", "Reyes", "needl", "foot", "1983"):
        assert word.lower() not in message.subject.lower()
        assert word.lower() not in message.body.replace(link, "").lower()
    assert str(Draft.objects.get().pk) not in link


def test_the_link_opens_the_draft_in_a_fresh_session_with_every_answer(client: Client) -> None:
    draft = started(client)
    link = ask_for_link(client)
    phone = Client()
    page = phone.get(path_of(link))
    assert page.status_code == 200
    assert "Continue my form" in page.content.decode()
    response = phone.post(path_of(link))
    assert response.status_code == 302 and response["Location"] == "/intake/red-flags/"
    assert phone.session["intake_draft"] == str(draft.pk)
    html = phone.get("/intake/about/").content.decode()
    assert 'value="Ana"' in html
    assert phone.get("/intake/pain/").content.decode().count("checked") >= 10


def test_opening_the_link_without_pressing_continue_does_not_use_it_up(client: Client) -> None:
    started(client)
    link = ask_for_link(client)
    Client().get(path_of(link))
    assert Client().post(path_of(link)).status_code == 302


def test_a_used_link_stops_working(client: Client) -> None:
    started(client)
    link = ask_for_link(client)
    assert Client().post(path_of(link)).status_code == 302
    again = Client().post(path_of(link))
    assert again.status_code == 400
    assert "This link no longer works" in again.content.decode()
    assert Client().get(path_of(link)).status_code == 400


def test_asking_again_sends_a_fresh_link_and_the_old_one_stops_working(client: Client) -> None:
    started(client)
    old = ask_for_link(client)
    new = ask_for_link(client)
    assert old != new
    run_tasks()
    assert len(mail.outbox) == 2
    assert Client().post(path_of(old)).status_code == 400
    assert Client().post(path_of(new)).status_code == 302


def test_a_tampered_link_shows_a_friendly_page_that_reveals_nothing(client: Client) -> None:
    started(client)
    link = ask_for_link(client)
    tampered = path_of(link)[:-3] + ("A/" if path_of(link)[-2] != "A" else "B/")
    for response in (Client().get(tampered), Client().post(tampered)):
        html = response.content.decode()
        assert response.status_code == 400
        assert "How to get a new link" in html
        assert "Ana" not in html and "example.com" not in html
    assert Client().get("/intake/resume/not-a-token/").status_code == 400


def test_a_link_from_another_signer_does_not_open_a_draft(client: Client) -> None:
    draft = started(client)
    make_resume_token(draft)
    forged = signing.TimestampSigner(salt="other").sign_object(
        {"d": str(draft.pk), "n": draft.resume_nonce}
    )
    assert draft_for_resume_token(forged) is None
    right = signing.TimestampSigner(salt=RESUME_SALT).sign_object(
        {"d": str(draft.pk), "n": draft.resume_nonce}
    )
    assert draft_for_resume_token(right) == draft


def test_a_link_expires_after_seven_days(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    draft = started(client)
    token = make_resume_token(draft)
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 6 * 86400)
    assert draft_for_resume_token(token) == draft
    monkeypatch.setattr(time, "time", lambda: now + 7 * 86400 + 60)
    assert draft_for_resume_token(token) is None
    response = Client().post(f"/intake/resume/{token}/")
    assert response.status_code == 400


def test_save_later_asks_again_when_the_email_is_not_valid(client: Client) -> None:
    started(client)
    response = client.post("/intake/later/", {"email": "ana at example"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="error-summary"' in html and "Please enter a valid email address" in html
    assert 'value="ana at example"' in html
    run_tasks()
    assert not mail.outbox


def test_save_later_without_a_draft_goes_to_the_start() -> None:
    assert Client().get("/intake/later/")["Location"] == "/intake/"


def test_the_resume_email_is_in_the_language_the_patient_uses(client: Client) -> None:
    client.cookies["django_language"] = "es"
    draft = started(client)
    assert draft.language == "es"
