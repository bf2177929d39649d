"""Staff actions on a submission: contact, status, override, clearance, re-screen; each audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from intake.models import (
    STATUS_TRANSITIONS,
    AuditEvent,
    ContactAttempt,
    Status,
    Submission,
    TransitionNotAllowed,
)
from intake.submissions import contact_deadline
from tests.helpers import make_chiropractor, make_front_desk, make_submission, sign_in

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
        "viewed_submission",
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
    titles = [entry.title for entry in page.context["timeline"]]
    assert titles[0] == "Viewed"
    assert {"Submitted", "Screened: Urgent"} <= set(titles)


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
    assert (attempt.result, attempt.note, attempt.by) == ("reached", "Advised ER.", desk)
    assert submission.first_contact_at == attempt.at
    assert submission.status == Status.CONTACTED
    actions = list(
        AuditEvent.objects.filter(submission=submission)
        .order_by("pk")
        .values_list("action", "actor")
    )
    assert actions[-2:] == [("logged_contact", desk.pk), ("changed_status", desk.pk)]


def test_a_voicemail_stops_the_overdue_clock_but_keeps_the_status_new() -> None:
    submission = make_submission(
        calf_swelling=True, submitted_at=timezone.now() - timedelta(hours=3)
    )
    assert Submission.objects.overdue().count() == 1
    signed_in(make_front_desk()).post(
        f"/staff/submissions/{submission.reference}/contact/", {"result": "voicemail"}
    )
    submission.refresh_from_db()
    assert submission.status == Status.NEW
    assert Submission.objects.overdue().count() == 0
    assert last_event(submission).detail == {
        "contact": submission.contacts.get().pk,
        "result": "voicemail",
    }


def test_an_invalid_contact_result_shows_the_form_again_with_a_message() -> None:
    submission = make_submission()
    response = signed_in(make_front_desk()).post(
        f"/staff/submissions/{submission.reference}/contact/", {"result": "carrier pigeon"}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not ContactAttempt.objects.exists()


ALLOWED = [(frm, to) for frm, targets in STATUS_TRANSITIONS.items() for to in targets]
REFUSED = [
    (frm, to)
    for frm in Status.values
    for to in Status.values
    if to not in STATUS_TRANSITIONS[frm] and to != frm
]


@pytest.mark.parametrize(("frm", "to"), ALLOWED)
def test_allowed_status_changes_are_made_and_audited(frm: str, to: str) -> None:
    desk = make_front_desk()
    submission = make_submission()
    Submission.objects.filter(pk=submission.pk).update(status=frm)
    response = signed_in(desk).post(
        f"/staff/submissions/{submission.reference}/status/", {"to": to}
    )
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == to
    event = last_event(submission)
    assert (event.action, event.actor, event.detail) == (
        "changed_status",
        desk,
        {"from": frm, "to": to},
    )


@pytest.mark.parametrize(("frm", "to"), REFUSED)
def test_other_status_changes_are_refused_with_a_message(frm: str, to: str) -> None:
    submission = make_submission()
    Submission.objects.filter(pk=submission.pk).update(status=frm)
    client = signed_in(make_front_desk())
    response = client.post(
        f"/staff/submissions/{submission.reference}/status/", {"to": to}, follow=True
    )
    assert response.status_code == 200
    assert "is not allowed" in response.content.decode()
    submission.refresh_from_db()
    assert submission.status == frm
    assert not AuditEvent.objects.filter(action="changed_status").exists()


def test_the_model_refuses_a_transition_outside_the_table() -> None:
    submission = make_submission()
    with pytest.raises(TransitionNotAllowed):
        submission.change_status(Status.CLOSED, by=make_front_desk())


def test_the_status_form_offers_only_the_allowed_targets() -> None:
    submission = make_submission()
    page = signed_in(make_front_desk()).get(f"/staff/submissions/{submission.reference}/")
    choices = [value for value, _label in page.context["status_form"].fields["to"].choices]
    assert choices == list(STATUS_TRANSITIONS[Status.NEW])


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
    assert (event.action, event.detail) == (
        "overrode_outcome",
        {"from": "review", "to": "urgent", "screened": "review"},
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
    assert (event.action, event.actor) == ("cleared_for_consult", chiro)


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
        "rescreened",
        "review",
        "eligible",
    )


def test_rescreen_keeps_an_override_in_place() -> None:
    chiro = make_chiropractor()
    submission = make_submission(night_pain=True)
    submission.record_override("eligible", reason="Night pain from a known cause.", by=chiro)
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
        submission.record_contact("no_answer", note="Rang.", by=desk)
    with CaptureQueriesContext(connection) as long_history:
        client.get(url)
    assert len(short_history) == len(long_history)
