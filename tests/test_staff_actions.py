"""Staff actions on a submission: contact, status, override, clearance, re-screen; each audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from intake import audit, workflow
from intake.models import AuditEvent, CaseNote, ContactAttempt, Status, Submission
from intake.workflow import MENU_MOVES, contact_deadline
from tests.helpers import (
    make_chiropractor,
    make_clinic_admin,
    make_front_desk,
    make_submission,
    sign_in,
)

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client(REMOTE_ADDR="203.0.113.7")
    sign_in(client, user)
    return client


def last_event(submission: Submission) -> AuditEvent:
    return AuditEvent.objects.filter(submission=submission).latest("at", "pk")


def test_viewing_a_submission_is_audited_with_actor_and_ip() -> None:
    desk = make_front_desk()
    submission = make_submission()
    response = signed_in(desk).get(f"/staff/submissions/{submission.reference}/")
    assert response.status_code == 200
    event = last_event(submission)
    assert (event.action, event.actor, event.ip_address) == (
        audit.VIEWED_SUBMISSION,
        desk,
        "203.0.113.7",
    )


def test_submission_page_shows_answers_findings_scores_bmi_consent_and_timeline() -> None:
    submission = make_submission(
        calf_swelling=True, blood_thinners=True, height_cm=170, weight_kg=80
    )
    page = signed_in(make_front_desk()).get(f"/staff/submissions/{submission.reference}/")
    text = page.content.decode()
    findings = page.context["findings"]
    assert [f.outcome for f in findings] == ["urgent", "review"]
    assert findings[0].is_red_flag and "Red flag" in text
    assert "27.7" in text  # BMI 80 / 1.7²
    assert "8 / 10" in text  # worst pain
    assert "Date of birth" in text and "Yes" in text
    assert "2026-11" in text and "Test browser" in text and "192.0.2.1" in text
    sentences = [entry.sentence for entry in page.context["timeline"]]
    assert sentences[0] == "viewed the case"
    assert "submitted the form, screened as Urgent" in sentences


def test_logging_a_reached_call_sets_first_contact_moves_to_contacted_and_audits() -> None:
    desk = make_front_desk()
    submission = make_submission(calf_swelling=True)
    response = signed_in(desk).post(
        f"/staff/submissions/{submission.reference}/contact/",
        {"result": "reached", "note": "Advised ER."},
    )
    assert response.status_code == 302
    submission.refresh_from_db()
    attempt = ContactAttempt.objects.get(submission=submission)
    assert (attempt.result, attempt.by) == ("reached", desk)
    note = CaseNote.objects.get(submission=submission)
    assert (note.kind, note.text) == ("contact", "Advised ER.")
    assert submission.first_contact_at == attempt.at
    assert submission.status == Status.CONTACTED
    actions = list(
        AuditEvent.objects.filter(submission=submission)
        .order_by("pk")
        .values_list("action", "actor")
    )
    assert actions[-2:] == [(audit.LOGGED_CONTACT, desk.pk), (audit.CHANGED_STATUS, desk.pk)]


def overdue_count() -> int:
    return Submission.objects.filter(workflow.overdue_q()).count()


def test_a_voicemail_keeps_the_case_new_and_overdue_and_says_when_to_try_again() -> None:
    submission = make_submission(
        calf_swelling=True, submitted_at=timezone.now() - timedelta(hours=3)
    )
    assert overdue_count() == 1
    client = signed_in(make_front_desk())
    client.post(f"/staff/submissions/{submission.reference}/contact/", {"result": "voicemail"})
    submission.refresh_from_db()
    assert submission.status == Status.NEW
    assert overdue_count() == 1
    assert submission.first_contact_at is None
    assert submission.next_attempt_at is not None
    assert last_event(submission).detail == {
        "contact": submission.contacts.get().pk,
        "result": "voicemail",
        "note": None,
    }
    page = client.get(f"/staff/submissions/{submission.reference}/").content.decode()
    assert "Overdue" in page and "Try again at" in page


def test_an_unanswered_urgent_call_stays_overdue_until_a_later_call_reaches_the_patient() -> None:
    submission = make_submission(
        calf_swelling=True, submitted_at=timezone.now() - timedelta(hours=3)
    )
    client = signed_in(make_front_desk())
    url = f"/staff/submissions/{submission.reference}/contact/"
    client.post(url, {"result": "no_answer"})
    submission.refresh_from_db()
    assert workflow.is_overdue(submission)
    # Urgent: try again 30 minutes after the unanswered call (CLINIC_URGENT_RETRY_MINUTES).
    attempt = submission.contacts.get()
    assert submission.next_attempt_at == attempt.at + timedelta(minutes=30)
    queue = client.get("/staff/?overdue=on")
    assert [row.submission for row in queue.context["rows"]] == [submission]
    client.post(url, {"result": "reached", "note": "Sent to A&E."})
    submission.refresh_from_db()
    assert not workflow.is_overdue(submission)
    assert submission.contact_due_at is None and submission.next_attempt_at is None
    assert submission.status == Status.CONTACTED
    assert submission.first_contact_at == submission.contacts.latest("at", "pk").at
    assert client.get("/staff/?overdue=on").context["rows"] == []


def test_an_invalid_contact_result_shows_the_form_again_with_a_message() -> None:
    submission = make_submission()
    response = signed_in(make_front_desk()).post(
        f"/staff/submissions/{submission.reference}/contact/", {"result": "carrier pigeon"}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not ContactAttempt.objects.exists()


MENU = [(frm, to) for frm, targets in MENU_MOVES.items() for to in targets]
REFUSED = [
    (frm, to)
    for frm in Status.values
    for to in Status.values
    if to not in MENU_MOVES[frm] and to != frm
]


@pytest.mark.parametrize(("frm", "to"), MENU)
def test_closing_a_case_with_a_reason_is_made_and_audited(frm: str, to: str) -> None:
    desk = make_front_desk()
    submission = make_submission()
    Submission.objects.filter(pk=submission.pk).update(status=frm)
    response = signed_in(desk).post(
        f"/staff/submissions/{submission.reference}/status/",
        {"to": to, "reason": "Patient chose another clinic."},
    )
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == to
    assert submission.contact_due_at is None
    note = CaseNote.objects.get(submission=submission)
    assert (note.kind, note.text, note.by) == ("closure", "Patient chose another clinic.", desk)
    event = last_event(submission)
    assert (event.action, event.actor, event.detail) == (
        audit.CHANGED_STATUS,
        desk,
        {"from": frm, "to": to, "note": note.pk},
    )


def test_closing_a_case_without_a_reason_is_refused_and_keeps_the_choice() -> None:
    submission = make_submission()
    response = signed_in(make_front_desk()).post(
        f"/staff/submissions/{submission.reference}/status/", {"to": "closed", "reason": ""}
    )
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    submission.refresh_from_db()
    assert submission.status == Status.NEW


@pytest.mark.parametrize(("frm", "to"), REFUSED)
def test_other_status_changes_are_refused_on_the_page(frm: str, to: str) -> None:
    submission = make_submission()
    Submission.objects.filter(pk=submission.pk).update(status=frm)
    client = signed_in(make_front_desk())
    response = client.post(
        f"/staff/submissions/{submission.reference}/status/", {"to": to, "reason": "Because."}
    )
    assert response.status_code == 400
    assert "cannot be moved that way" in response.content.decode()
    submission.refresh_from_db()
    assert submission.status == frm
    assert not AuditEvent.objects.filter(action=audit.CHANGED_STATUS).exists()


def test_the_workflow_refuses_a_move_outside_the_menu() -> None:
    submission, desk = make_submission(), make_front_desk()
    for to in (Status.CONTACTED, Status.CONSULT_BOOKED):
        with pytest.raises(workflow.StepNotAllowed):
            workflow.close_case(submission=submission, to=to, reason="x", by=desk)


def test_the_status_menu_never_offers_contacted_or_consult_booked() -> None:
    submission = make_submission()
    page = signed_in(make_front_desk()).get(f"/staff/submissions/{submission.reference}/")
    choices = [value for value, _label in page.context["status_form"].fields["to"].choices]
    assert choices == ["closed", "referred_out", "not_proceeding"]
    for status in Status.values:
        assert Status.CONTACTED not in MENU_MOVES[status]
        assert Status.CONSULT_BOOKED not in MENU_MOVES[status]


def test_chiropractor_overrides_with_a_reason_and_the_queue_order_and_deadline_follow() -> None:
    chiro = make_chiropractor()
    submission = make_submission(blood_thinners=True)
    response = signed_in(chiro).post(
        f"/staff/submissions/{submission.reference}/override/",
        {"outcome": "urgent", "reason": "Called: new calf swelling."},
    )
    assert response.status_code == 302
    submission.refresh_from_db()
    assert (submission.outcome, submission.screened_outcome, submission.priority) == (
        "urgent",
        "review",
        0,
    )
    assert submission.overridden_by == chiro and submission.override_reason
    assert submission.contact_due_at == contact_deadline("urgent", submission.submitted_at)
    event = last_event(submission)
    note = CaseNote.objects.get(submission=submission, kind="override")
    assert (event.action, event.detail) == (
        audit.OVERRODE_OUTCOME,
        {"from": "review", "to": "urgent", "screened": "review", "note": note.pk},
    )
    page = signed_in(chiro).get(f"/staff/submissions/{submission.reference}/").content.decode()
    assert "Overridden · screened as Review" in page


def test_an_override_without_a_reason_is_refused() -> None:
    submission = make_submission(blood_thinners=True)
    response = signed_in(make_chiropractor()).post(
        f"/staff/submissions/{submission.reference}/override/",
        {"outcome": "eligible", "reason": ""},
    )
    assert response.status_code == 400
    submission.refresh_from_db()
    assert submission.outcome == "review" and not submission.is_overridden


def test_front_desk_cannot_override_clear_or_rescreen() -> None:
    submission = make_submission(night_pain=True)
    client = signed_in(make_front_desk())
    base = f"/staff/submissions/{submission.reference}"
    assert (
        client.post(f"{base}/override/", {"outcome": "eligible", "reason": "x"}).status_code == 403
    )
    assert client.post(f"{base}/clear/", {"reason": "x"}).status_code == 403
    assert client.post(f"{base}/rescreen/").status_code == 403
    submission.refresh_from_db()
    assert submission.outcome == "refer" and not submission.cleared_for_consult
    assert submission.screenings.count() == 1


@pytest.mark.parametrize(
    ("answers", "reason_required"),
    [
        ({"calf_swelling": True}, True),
        ({"night_pain": True}, True),
        ({"needle_willing": "no"}, True),
        ({"blood_thinners": True}, False),
    ],
)
def test_clearing_for_consult_needs_a_reason_except_for_review(
    answers: dict[str, object], reason_required: bool
) -> None:
    chiro = make_chiropractor()
    submission = make_submission(**answers)
    url = f"/staff/submissions/{submission.reference}/clear/"
    response = signed_in(chiro).post(url, {"reason": ""})
    submission.refresh_from_db()
    assert submission.cleared_for_consult is not reason_required
    assert response.status_code == (400 if reason_required else 302)
    signed_in(chiro).post(url, {"reason": "GP letter seen."})
    submission.refresh_from_db()
    assert submission.cleared_for_consult and submission.cleared_by == chiro
    event = last_event(submission)
    assert (event.action, event.actor) == (audit.CLEARED_FOR_CONSULT, chiro)


def test_rescreen_adds_a_record_as_of_the_original_date_and_keeps_the_old_one() -> None:
    chiro = make_chiropractor()
    submitted_at = timezone.now() - timedelta(days=40)
    submission = make_submission(submitted_at=submitted_at)
    first = submission.screenings.get()
    # Pretend the rules were different then: the stored record said "review".
    Submission.objects.filter(pk=submission.pk).update(
        screened_outcome="review", outcome="review", priority=3
    )
    response = signed_in(chiro).post(f"/staff/submissions/{submission.reference}/rescreen/")
    assert response.status_code == 302
    submission.refresh_from_db()
    records = list(submission.screenings.order_by("pk"))
    assert len(records) == 2 and records[0] == first
    assert records[1].screening_date == first.screening_date == timezone.localdate(submitted_at)
    assert records[1].created_by == chiro
    assert (submission.screened_outcome, submission.outcome) == ("eligible", "eligible")
    event = last_event(submission)
    assert (event.action, event.detail["from"], event.detail["to"]) == (
        audit.RESCREENED,
        "review",
        "eligible",
    )


def test_rescreen_keeps_an_override_in_place() -> None:
    chiro = make_chiropractor()
    submission = make_submission(night_pain=True)
    workflow.override_outcome(
        submission=submission, outcome="eligible", reason="Night pain from a known cause.", by=chiro
    )
    signed_in(chiro).post(f"/staff/submissions/{submission.reference}/rescreen/")
    submission.refresh_from_db()
    assert (submission.screened_outcome, submission.outcome) == ("refer", "eligible")
    assert submission.screenings.count() == 2


def test_rescreen_of_answers_that_no_longer_fit_is_refused_with_a_message() -> None:
    submission = make_submission()
    Submission.objects.filter(pk=submission.pk).update(
        answers={**submission.answers, "cancer": "?"}
    )
    response = signed_in(make_chiropractor()).post(
        f"/staff/submissions/{submission.reference}/rescreen/", follow=True
    )
    assert "cannot be screened again" in response.content.decode()
    assert submission.screenings.count() == 1


def test_submission_page_queries_do_not_grow_with_its_history() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    desk = make_front_desk()
    submission = make_submission(calf_swelling=True)
    client = signed_in(desk)
    url = f"/staff/submissions/{submission.reference}/"
    client.get(url)
    with CaptureQueriesContext(connection) as short_history:
        client.get(url)
    for _ in range(10):
        workflow.record_contact(submission=submission, result="no_answer", note="Rang.", by=desk)
    with CaptureQueriesContext(connection) as long_history:
        client.get(url)
    assert len(short_history) == len(long_history)


def test_two_overrides_keep_both_reasons_on_the_page_in_the_audit_and_subject_access() -> None:
    chiro = make_chiropractor()
    submission = make_submission(blood_thinners=True)
    client = signed_in(chiro)
    base = f"/staff/submissions/{submission.reference}"
    client.post(f"{base}/override/", {"outcome": "eligible", "reason": "INR stable, checked."})
    client.post(f"{base}/override/", {"outcome": "refer", "reason": "New bruising reported."})
    page = client.get(f"{base}/?views=hide")
    text = page.content.decode()
    assert text.index("INR stable, checked.") < text.index("New bruising reported.")
    sentences = [(e.sentence, e.said) for e in page.context["timeline"]]
    assert ("overrode Eligible → Refer", "New bruising reported.") in sentences
    assert ("overrode Review → Eligible", "INR stable, checked.") in sentences
    overrides = AuditEvent.objects.filter(action=audit.OVERRODE_OUTCOME).order_by("pk")
    notes = [CaseNote.objects.get(pk=e.detail["note"]).text for e in overrides]
    assert notes == ["INR stable, checked.", "New bruising reported."]
    data = signed_in(make_clinic_admin()).get(f"{base}/export.json").json()
    assert [n["text"] for n in data["reasons_and_notes"]] == notes
    assert any(e["description"] == "overrode Review → Eligible" for e in data["access_log"])


def test_staff_can_hide_the_viewed_entries_on_the_timeline() -> None:
    submission = make_submission()
    client = signed_in(make_front_desk())
    url = f"/staff/submissions/{submission.reference}/"
    client.get(url)
    shown = [e.sentence for e in client.get(url).context["timeline"]]
    hidden = [e.sentence for e in client.get(url + "?views=hide").context["timeline"]]
    assert "viewed the case" in shown and "viewed the case" not in hidden
    assert "submitted the form, screened as Eligible" in hidden


def test_the_timeline_reads_as_time_person_and_what_they_did() -> None:
    desk = make_front_desk()
    desk.first_name, desk.last_name = "Frankie", "Desk"
    desk.save()
    submission = make_submission()
    client = signed_in(desk)
    client.post(
        f"/staff/submissions/{submission.reference}/contact/",
        {"result": "no_answer", "note": "Rang twice."},
    )
    text = client.get(f"/staff/submissions/{submission.reference}/").content.decode()
    assert "Frankie Desk · logged a contact attempt: No answer: <q>Rang twice.</q>" in text
    assert "logged_contact" not in text and "intake.submission" not in text


def test_a_general_note_is_kept_audited_and_shown_on_the_timeline() -> None:
    desk = make_front_desk()
    submission = make_submission()
    client = signed_in(desk)
    response = client.post(
        f"/staff/submissions/{submission.reference}/note/", {"text": "Prefers mornings."}
    )
    assert response.status_code == 302
    note = CaseNote.objects.get(submission=submission)
    assert (note.kind, note.by) == ("note", desk)
    assert last_event(submission).detail == {"note": note.pk}
    page = client.get(f"/staff/submissions/{submission.reference}/")
    assert ("added a note", "Prefers mornings.") in [
        (e.sentence, e.said) for e in page.context["timeline"]
    ]
    empty = client.post(f"/staff/submissions/{submission.reference}/note/", {"text": " "})
    assert empty.status_code == 400
