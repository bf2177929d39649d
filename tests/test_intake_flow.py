"""The patient questionnaire on the test client: steps, drafts, conditions, submit, confirmation."""

from __future__ import annotations

import gzip
import re
import threading
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client

from intake import audit, drafts
from intake.models import AuditEvent, Draft, ScreeningRecord, Submission
from intake.questions import SECTIONS_BY_CODE
from intake.submissions import CONSENT_VERSION
from outbox.models import Message
from screening import RULES_BY_ID
from tests.answers import CONSENT, make_answers
from tests.helpers import run_tasks
from tests.intake_steps import STEP_URLS, fill_screened_steps, post_step, step_data

pytestmark = pytest.mark.django_db

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def draft_of(client: Client) -> Draft:
    return Draft.objects.get(pk=client.session["intake_draft"])


def submit(client: Client, **consent: Any) -> Any:
    return post_step(client, "consent", {**CONSENT, **consent}, action="submit")


def submitted(client: Client, answers: dict[str, Any] | None = None) -> Submission:
    fill_screened_steps(client, answers or make_answers())
    response = submit(client)
    assert response.status_code == 302 and response["Location"] == "/intake/done/"
    return Submission.objects.get()


def submitted_reference(client: Client) -> str:
    return str(client.session["intake_submitted"])


def test_the_start_page_leads_to_the_first_step() -> None:
    response = Client().get("/intake/")
    assert response.status_code == 302 and response["Location"] == "/intake/who/"


def test_the_landing_page_asks_the_first_question_and_posts_it_to_the_first_step() -> None:
    client = Client()
    page = client.get("/").content.decode()
    assert '<form method="post" action="/intake/who/"' in page
    assert "Who is filling in this form?" in page and 'name="completed_by"' in page
    response = client.post("/intake/who/", {"completed_by": "self", "action": "next"})
    assert response.status_code == 302 and response["Location"] == "/intake/about/"
    draft = Draft.objects.get()
    assert draft.answers == {"completed_by": "self"} and draft.step == "about"


def test_a_guardian_who_starts_from_the_landing_page_without_a_name_is_asked_for_it() -> None:
    response = Client().post("/intake/who/", {"completed_by": "parent_guardian"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Step 1 of 6" in page and 'id="representative_name-error"' in page


def test_the_landing_page_takes_a_patient_back_to_the_step_they_reached(client: Client) -> None:
    fill_screened_steps(client, make_answers())
    assert 'btn-lg" href="/intake/"' in client.get("/").content.decode()
    assert client.get("/intake/")["Location"] == "/intake/review/"


def test_a_choice_question_shows_the_answer_given_in_each_session() -> None:
    # Choice questions are rendered once per language and answer, then reused.
    first, second = Client(), Client()
    post_step(first, "about", make_answers(preferred_contact="phone"), action="back")
    post_step(second, "about", make_answers(preferred_contact="email"), action="back")
    for client, value in ((first, "phone"), (second, "email"), (first, "phone")):
        question = client.get("/intake/about/").content.decode().split("q-preferred_contact")[1]
        assert re.findall(r'value="(\w+)" checked', question)[0] == value


def test_a_choice_question_with_an_error_shows_the_error() -> None:
    client = Client()
    post_step(client, "about", make_answers(preferred_contact="phone"), action="back")
    client.get("/intake/about/")
    response = post_step(client, "about", make_answers(preferred_contact="pigeon"))
    html = response.content.decode()
    assert 'id="preferred_contact-error"' in html
    assert 'aria-describedby="preferred_contact-error"' in html


@pytest.mark.parametrize(
    ("url", "step", "title"),
    [
        ("/intake/who/", 1, "Who is filling in the form"),
        ("/intake/about/", 2, "About you"),
        ("/intake/pain/", 3, "Your heel pain"),
        ("/intake/red-flags/", 4, "Other symptoms"),
        ("/intake/needling/", 5, "Needling safety"),
    ],
)
def test_each_step_has_its_own_address_and_shows_progress(url: str, step: int, title: str) -> None:
    response = Client().get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Step {step} of 6" in html
    assert f'<h1 class="h2">{title}</h1>' in html


def test_each_step_is_saved_in_the_draft_and_leads_to_the_next(client: Client) -> None:
    answers = make_answers()
    response = post_step(client, "about", answers)
    assert response["Location"] == "/intake/pain/"
    draft = draft_of(client)
    assert draft.answers["first_name"] == "Ana"
    assert draft.step == "pain"
    response = post_step(client, "pain", answers)
    assert response["Location"] == "/intake/red-flags/"
    draft.refresh_from_db()
    assert draft.answers["nprs_worst"] == 8
    assert draft.answers["prior_treatments"] == ["stretching", "insoles"]
    assert draft.answers["eases_with_rest"] is True


def test_the_draft_lives_in_the_session_never_in_the_address(client: Client) -> None:
    answers = make_answers()
    for section in ("about", "pain", "red_flags", "needling"):
        location = post_step(client, section, answers)["Location"]
        assert not UUID_RE.search(location)
    html = client.get("/intake/review/").content.decode()
    assert str(draft_of(client).pk) not in html


def test_a_step_shows_saved_answers_when_the_patient_comes_back(client: Client) -> None:
    post_step(client, "about", make_answers())
    html = client.get("/intake/about/").content.decode()
    assert 'value="Ana"' in html
    assert 'id="id_preferred_contact_0" value="phone" checked' in html


def test_next_with_mistakes_shows_them_and_keeps_what_was_typed(client: Client) -> None:
    answers = make_answers(email="ana@", phone="call me")
    response = post_step(client, "about", answers)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="error-summary" role="alert" tabindex="-1"' in html
    assert '<a href="#id_email">' in html
    assert "Please enter a valid email address" in html
    assert 'value="ana@"' in html and 'value="call me"' in html
    assert 'aria-describedby="email-hint email-error"' in html
    assert 'aria-invalid="true"' in html
    # Nothing is lost: the typed values are in the draft too.
    assert draft_of(client).answers["email"] == "ana@"


def test_back_keeps_invalid_input_without_checking_it(client: Client) -> None:
    fill_screened_steps(client, make_answers())
    data = step_data("needling", make_answers(medications="ibuprofen"), action="back")
    data.pop("pregnant")
    data["epilepsy"] = "sometimes"
    response = client.post("/intake/needling/", data)
    assert response.status_code == 302 and response["Location"] == "/intake/red-flags/"
    draft = draft_of(client)
    assert "pregnant" not in draft.answers
    assert draft.answers["epilepsy"] == "sometimes"
    assert draft.answers["medications"] == "ibuprofen"
    html = client.get("/intake/needling/").content.decode()
    assert ">ibuprofen</textarea>" in html


def test_a_step_with_errors_can_still_go_back(client: Client) -> None:
    post_step(client, "about", make_answers())
    response = post_step(client, "pain", make_answers(nprs_worst=2), action="back")
    assert response["Location"] == "/intake/about/"
    assert draft_of(client).answers["nprs_worst"] == 2


def test_save_and_finish_later_keeps_the_step_and_asks_for_an_email(client: Client) -> None:
    post_step(client, "about", make_answers())
    response = post_step(client, "pain", make_answers(nprs_average=11), action="later")
    assert response["Location"] == "/intake/later/"
    assert draft_of(client).answers["nprs_average"] == 11
    html = client.get("/intake/later/").content.decode()
    assert 'value="ana.reyes@example.com"' in html


def test_changing_a_condition_answer_discards_the_answer_that_no_longer_applies(
    client: Client,
) -> None:
    answers = make_answers(diabetes=True, numb_feet=False)
    fill_screened_steps(client, answers)
    assert draft_of(client).answers["numb_feet"] is False
    # Without JavaScript the patient answers the condition No and picks "leave this out".
    response = post_step(client, "red_flags", {**answers, "diabetes": False, "numb_feet": None})
    assert response.status_code == 302
    assert "numb_feet" not in draft_of(client).answers
    # Going back from a step also never stores an answer whose condition does not hold.
    post_step(client, "red_flags", {**answers, "diabetes": False}, action="back")
    assert "numb_feet" not in draft_of(client).answers


def test_the_server_rejects_an_answer_to_a_question_that_does_not_apply(client: Client) -> None:
    fill_screened_steps(client, make_answers())
    response = post_step(client, "red_flags", make_answers(diabetes=False, numb_feet=True))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Leave this out: it only applies when you have diabetes." in html
    assert '<a href="#id_numb_feet_0">' in html
    assert "numb_feet" not in draft_of(client).answers


def test_a_conditional_question_is_required_when_its_condition_holds(client: Client) -> None:
    post_step(client, "about", make_answers())
    response = post_step(client, "pain", make_answers(prior_treatments=["steroid_injection"]))
    assert response.status_code == 200
    assert 'id="last_steroid_injection-error"' in response.content.decode()


def test_without_javascript_a_conditional_question_says_when_to_answer_it() -> None:
    html = Client().get("/intake/red-flags/").content.decode()
    assert 'data-show-if="diabetes" data-show-op="equals" data-show-value="true"' in html
    assert "Only answer this if you have diabetes." in html
    assert 'id="id_numb_feet_skip" value=""' in html


def test_phone_friendly_inputs() -> None:
    about = Client().get("/intake/about/").content.decode()
    assert 'type="date" name="date_of_birth"' in about
    assert 'type="email" name="email"' in about and 'type="tel" name="phone"' in about
    pain = Client().get("/intake/pain/").content.decode()
    assert 'inputmode="decimal"' in pain and 'inputmode="numeric"' in pain
    # Pain scales: eleven radio buttons in a fieldset with a legend.
    assert pain.count('name="nprs_worst"') == 11
    assert '<input class="btn-check" type="radio" name="nprs_first_step"' in pain
    # Yes/no answers are radio pairs, never a single checkbox.
    red_flags = Client().get("/intake/red-flags/").content.decode()
    assert 'type="radio" name="fever_unwell" id="id_fever_unwell_0" value="true"' in red_flags
    assert 'type="checkbox" name="fever_unwell"' not in red_flags


def test_the_review_lists_every_answer_in_plain_words_with_a_change_link(client: Client) -> None:
    fill_screened_steps(client, make_answers(diabetes=True, numb_feet=False))
    response = client.get("/intake/review/")
    html = response.content.decode()
    assert "Step 6 of 6" in html
    for url in ("/intake/about/", "/intake/pain/", "/intake/red-flags/", "/intake/needling/"):
        assert f'href="{url}?change=1"' in html
    assert "Under the heel, toward the inside and front edge" in html
    assert "Stretching; Insoles or arch supports" in html
    assert "Is the feeling in your feet reduced?" in html
    assert "30, 1983" in html and "1983-09-30" not in html
    assert "heel_bottom_inner" not in html


def test_change_from_the_review_returns_to_the_review(client: Client) -> None:
    fill_screened_steps(client, make_answers())
    assert 'name="from_review"' in client.get("/intake/pain/?change=1").content.decode()
    response = post_step(client, "pain", make_answers(nprs_worst=9), from_review="1")
    assert response["Location"] == "/intake/review/"


def test_the_review_sends_the_patient_to_a_step_that_is_not_finished(client: Client) -> None:
    post_step(client, "respondent", make_answers())
    post_step(client, "about", make_answers())
    response = client.get("/intake/review/")
    assert response.status_code == 302 and response["Location"] == "/intake/pain/"


def test_consent_needs_all_three_boxes_and_a_signature(client: Client) -> None:
    fill_screened_steps(client, make_answers())
    data = step_data("consent", {"consent_privacy": True}, action="submit")
    response = client.post("/intake/review/", data)
    assert response.status_code == 200
    html = response.content.decode()
    for code in ("consent_risks", "consent_accurate", "signature"):
        assert f'id="{code}-error"' in html
    assert 'href="/dry-needling/"' in html and 'href="/privacy/"' in html
    assert not Submission.objects.exists()


def test_submitting_stores_answers_consent_signature_ip_agent_and_screening(
    client: Client,
) -> None:
    fill_screened_steps(client, make_answers())
    draft_key = draft_of(client).pk
    response = client.post(
        "/intake/review/",
        step_data("consent", CONSENT, action="submit"),
        REMOTE_ADDR="203.0.113.7",
        HTTP_USER_AGENT="PhoneBrowser/1.0",
    )
    assert response["Location"] == "/intake/done/"
    submission = Submission.objects.get()
    assert submission.draft_key == draft_key
    assert submission.answers == {**make_answers(), **CONSENT}
    assert submission.consent_version == CONSENT_VERSION
    assert submission.signature == "Ana Reyes"
    assert submission.signed_at is not None
    assert submission.ip_address == "203.0.113.7"
    assert submission.user_agent == "PhoneBrowser/1.0"
    assert submission.outcome == "eligible"
    assert ScreeningRecord.objects.get(submission=submission).outcome == "eligible"
    assert AuditEvent.objects.filter(action=audit.SUBMITTED, submission=submission).count() == 1
    assert not Draft.objects.filter(pk=draft_key).exists()


def test_submitting_twice_makes_one_submission(client: Client) -> None:
    fill_screened_steps(client, make_answers())
    first = submit(client)
    second = submit(client)
    assert first["Location"] == second["Location"] == "/intake/done/"
    assert Submission.objects.count() == 1
    # Going back to the review afterwards shows the confirmation, not an empty form.
    assert client.get("/intake/review/")["Location"] == "/intake/done/"
    run_tasks()
    assert len(mail.outbox) == 1


def test_a_second_submit_of_an_already_stored_draft_finds_the_submission(client: Client) -> None:
    fill_screened_steps(client, make_answers())
    draft = draft_of(client)
    session_copy = Client()
    session_copy.cookies = client.cookies  # the same session, as a second tab or request
    submit(client)
    # A request that still carries the draft key (it read the session before the first ended).
    session = session_copy.session
    session["intake_draft"] = str(draft.pk)
    session.pop("intake_submitted", None)
    session.save()
    response = submit(session_copy)
    assert response["Location"] == "/intake/done/"
    assert Submission.objects.count() == 1


def test_the_confirmation_shows_a_reference_and_next_steps_but_never_the_outcome(
    client: Client,
) -> None:
    submission = submitted(client, make_answers(needle_willing="unsure"))
    assert submission.outcome == "review"
    html = client.get("/intake/done/").content.decode()
    assert submission.reference in html
    assert "What happens next" in html
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert 'role="alert"' not in main
    assert not re.search(r"\b(Review|Eligible|Urgent|Refer|No needling|needling_hesitant)\b", main)


def test_an_urgent_patient_sees_the_safety_advice_first(client: Client) -> None:
    submitted(client, make_answers(saddle_or_bladder=True))
    html = client.get("/intake/done/").content.decode()
    main = html.split('<main id="main"', 1)[1]
    text = re.sub(r"<[^>]+>", "", main)
    advice = RULES_BY_ID["cauda_equina_signs"].safety_advice()
    assert advice is not None
    assert advice in text
    assert main.index('role="alert"') < main.index('href="tel:911"') < main.index("Your reference")
    assert text.index(advice) < text.index("Your reference")
    # Nothing that reads as "wait for us".
    assert "within 2 working days" not in text and "while you wait" not in text


def test_the_confirmation_is_only_for_the_session_that_submitted(client: Client) -> None:
    submitted(client)
    other = Client()
    response = other.get("/intake/done/")
    assert response.status_code == 302 and response["Location"] == "/intake/"
    assert submitted_reference(client) not in other.get("/intake/").content.decode()


def test_the_receipt_has_the_reference_and_no_answers_or_health_words(client: Client) -> None:
    answers = make_answers(saddle_or_bladder=True, medications="Warfarin", language="en")
    submission = submitted(client, answers)
    run_tasks()
    assert len(mail.outbox) == 1
    receipt = mail.outbox[0]
    assert receipt.to == ["ana.reyes@example.com"]
    assert submission.reference in receipt.body
    # Urgent: the advice, word for word as on the page, and nothing that says "wait for us".
    for text in drafts.safety_advice(submission):
        assert text in receipt.body
    assert "Call 911 or go to the nearest emergency room now" in receipt.body
    assert "within 2 working days" not in receipt.body
    for word in ("heel", "pain", "Warfarin", "Ana", "Reyes", "1983", "urgent", "bladder"):
        assert word.lower() not in receipt.subject.lower()
    # The rest of the answers, the finding's name and the staff's reasons stay out.
    for word in ("Warfarin", "1983", "(555) 010-0123", "Urgent", "cauda"):
        assert word not in receipt.body


def test_a_routine_receipt_says_what_happens_next(client: Client) -> None:
    submitted(client, make_answers(language="en"))
    run_tasks()
    assert "What happens next" in mail.outbox[0].body
    assert "In an emergency call 911." in mail.outbox[0].body


@pytest.mark.parametrize("url", ["/", "/intake/about/", "/intake/pain/", "/intake/red-flags/"])
def test_patient_pages_are_small_and_load_nothing_from_other_sites(url: str) -> None:
    html = Client().get(url).content
    assert len(gzip.compress(html)) < 20_000
    assert not re.search(rb"(src|href)=\"(https?:)?//", html)


def test_the_heaviest_step_with_its_css_and_js_stays_under_100_kb_compressed() -> None:
    html = Client().get("/intake/pain/").content
    static = Path(__file__).resolve().parent.parent / "static"
    assets = [
        static / "vendor/bootstrap/bootstrap.min.css",
        static / "css/clinic.css",
        static / "css/intake.css",
        static / "js/intake.js",
    ]
    # Counted as if the HTML were sent uncompressed; static files go out gzipped by whitenoise.
    total = len(html) + sum(len(gzip.compress(asset.read_bytes())) for asset in assets)
    assert total < 100_000


def test_no_inline_script_or_style_on_the_steps(client: Client) -> None:
    fill_screened_steps(client, make_answers())
    for url in [*STEP_URLS.values()]:
        html = client.get(url).content.decode()
        assert "<script>" not in html and "<style" not in html and " style=" not in html
        assert not re.search(r" on[a-z]+=", html)


@pytest.mark.usefixtures("unreachable_mail_server")
def test_a_receipt_that_cannot_be_sent_does_not_lose_the_submission(client: Client) -> None:
    submission = submitted(client)
    assert submission.reference in client.get("/intake/done/").content.decode()
    run_tasks()
    receipt = Message.objects.get(submission=submission)
    assert (receipt.kind, receipt.status) == ("receipt", "retrying")


@pytest.mark.usefixtures("unreachable_mail_server")
def test_a_resume_link_asked_for_while_the_mail_server_is_down_waits_to_be_retried(
    client: Client,
) -> None:
    post_step(client, "about", make_answers())
    response = client.post("/intake/later/", {"email": "ana.reyes@example.com"})
    assert response.status_code == 302 and response["Location"] == "/intake/later/sent/"
    run_tasks()
    message = Message.objects.get(kind=Message.Kind.RESUME_LINK)
    assert (message.status, message.last_error) == ("retrying", "ConnectionRefusedError")


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite serialises)"
)
@pytest.mark.django_db(transaction=True)
def test_two_submits_at_the_same_moment_make_one_submission() -> None:
    first = Client()
    fill_screened_steps(first, make_answers())
    second = Client()
    second.cookies = first.cookies  # the same session: a double click
    results: list[str] = []
    barrier = threading.Barrier(2)

    def post(client: Client) -> None:
        barrier.wait()
        try:
            results.append(submit(client)["Location"])
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=post, args=(c,)) for c in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["/intake/done/", "/intake/done/"]
    assert Submission.objects.count() == 1
    assert not Draft.objects.exists()


@pytest.mark.parametrize("section", ["about", "pain", "red_flags", "needling"])
def test_nonsense_in_every_field_gets_messages_never_an_error_page(
    client: Client, section: str
) -> None:
    junk = {q.code: ["<script>x</script>", "9" * 40] for q in SECTIONS_BY_CODE[section].questions}
    response = client.post(STEP_URLS[section], {**junk, "action": "next"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="error-summary"' in html
    assert "<script>x</script>" not in html
    assert (
        response.status_code == 200
        and client.post(STEP_URLS[section], {**junk, "action": "back"}).status_code == 302
    )


def test_the_receipt_is_in_the_language_the_patient_chose(client: Client) -> None:
    submission = submitted(client, make_answers(language="es"))
    assert submission.language == "es"
    run_tasks()
    assert "Thank you" not in mail.outbox[0].body
    assert submission.reference in mail.outbox[0].subject
