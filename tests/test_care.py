"""Care after the consult: the result, the plan, sessions with the safety check, adverse events
and the hold, aftercare and the two-day check, through the real pages (care/, docs/care.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from care import links
from care.models import AdverseEvent, NeedlingSession, PlanVersion, TreatmentPlan
from consults.booking import book_consult
from consults.models import Consult
from intake import audit, retention
from intake.models import AuditEvent, CaseNote, Outcome, Status, Submission
from outbox.models import Message
from staff.subject_access import subject_data
from tests.helpers import run_tasks, sign_in
from tests.scheduling import at, make_case, make_profile, next_monday
from tests.test_access import ROLES, client_for

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
SAFE = {
    "new_blood_thinners": "False",
    "pregnancy": "False",
    "fever_or_unwell": "False",
    "skin_broken_or_infected": "False",
    "new_implants": "False",
}


def logged(action: str, submission: Submission) -> bool:
    return AuditEvent.objects.filter(action=action, submission=submission).exists()


def consult_today(**case: Any) -> Consult:
    """A case whose consult started a few minutes ago, with its chiropractor."""
    profile = make_profile("doc")
    booked = book_consult(
        submission=make_case(**case),
        chiropractor=profile,
        starts_at=at(next_monday(), 9),
        by=None,
    )
    consult = booked.consult  # type: ignore[union-attr]
    start = timezone.now() - timedelta(minutes=3)
    Consult.objects.filter(pk=consult.pk).update(
        starts_at=start, ends_at=start + timedelta(minutes=30)
    )
    consult.refresh_from_db()
    return consult


def chiro_client(consult: Consult) -> Client:
    client = Client()
    sign_in(client, consult.chiropractor.user)
    return client


def plan_data(**extra: Any) -> dict[str, Any]:
    return {
        "sessions_planned": "6",
        "frequency": "weekly",
        "session_minutes": "30",
        "exercises": ["plantar_fascia_stretch", "heel_raise_high_load"],
        "footwear": "Cushioned trainers.",
        "load_changes": "Cycle instead of running for a month.",
        "review_on": (TODAY() + timedelta(days=28)).isoformat(),
        **extra,
    }


def session_data(consult: Consult, **extra: Any) -> dict[str, Any]:
    return {
        **SAFE,
        "date": TODAY().isoformat(),
        "minutes": "30",
        "areas": ["gastrocnemius", "abductor_hallucis"],
        "practitioner": str(consult.chiropractor.user_id),
        "notes": "Local twitch responses in the calf.",
        **extra,
    }


def start_care(consult: Consult, client: Client) -> Submission:
    ref = consult.submission.reference
    response = client.post(f"/staff/submissions/{ref}/care/result/", {"decision": "plan"})
    assert response.status_code == 302
    assert response["Location"] == f"/staff/submissions/{ref}/care/plan/"
    assert client.post(f"/staff/submissions/{ref}/care/plan/", plan_data()).status_code == 302
    return Submission.objects.get(pk=consult.submission_id)


# The flow ------------------------------------------------------------------------------------


def test_plan_then_session_then_aftercare_through_the_real_pages() -> None:
    consult = consult_today()
    client = chiro_client(consult)
    ref = consult.submission.reference
    page = client.get(f"/staff/submissions/{ref}/").content.decode()
    assert "Complete the consult and record its result" in page
    submission = start_care(consult, client)
    consult.refresh_from_db()
    assert consult.attendance == Consult.Attendance.COMPLETED
    assert submission.status == Status.IN_CARE and submission.contact_due_at is None
    assert logged(audit.CARE_RESULT_PLAN, submission) and logged(
        audit.CARE_PLAN_REVISED, submission
    )
    version = PlanVersion.objects.get(plan__submission=submission)
    assert version.number == 1 and version.sessions_planned == 6

    # The plan email goes once, with a link that shows the plan, printable.
    run_tasks()
    run_tasks()
    plan_mails = [m for m in mail.outbox if "/care/plan/" in m.body]
    assert len(plan_mails) == 1 and "Cushioned" not in plan_mails[0].subject
    url = next(w for w in plan_mails[0].body.split() if "/care/plan/" in w)
    patient = Client().get(url.split("testserver")[-1].replace("http://127.0.0.1:8000", ""))
    assert patient.status_code == 200
    assert "High-load heel raises" in patient.content.decode()

    # Book session 1 through the consult booking, with the plan's length.
    monday = next_monday(2)
    desk = client_for("front_desk")
    response = desk.post(
        f"/staff/submissions/{ref}/care/session/book/",
        {"chiropractor": consult.chiropractor_id, "starts_at": f"{monday.isoformat()}T10:00"},
    )
    assert response.status_code == 302
    session_consult = Consult.objects.still_to_come().get(submission=submission)
    assert session_consult.kind == Consult.Kind.NEEDLING_SESSION
    assert (session_consult.session_number, session_consult.sessions_planned) == (1, 6)
    day = monday.isoformat()
    agenda = desk.get(f"/staff/agenda/{day}/?chiropractor=all").content.decode()
    assert "session 1 of 6" in agenda

    # Record a session: needled, aftercare now, the check two days later.
    mail.outbox.clear()
    response = client.post(f"/staff/submissions/{ref}/care/session/", session_data(consult))
    assert response.status_code == 302
    session = NeedlingSession.objects.get(submission=submission)
    assert session.number == 1 and session.needled and session.minutes == 30
    assert logged(audit.CARE_SESSION_RECORDED, submission)
    run_tasks()
    aftercare = [m for m in mail.outbox if "ice" in m.body.lower()]
    assert len(aftercare) == 1
    assert "10 to 15 minutes" in aftercare[0].body and "911" in aftercare[0].body
    assert Message.objects.get(kind=Message.Kind.AFTERCARE_CHECK).status == Message.Status.QUEUED
    assert not any("/care/check/" in m.body for m in mail.outbox)
    run_tasks(at=timezone.now() + timedelta(hours=49))
    checks = [m for m in mail.outbox if "/care/check/" in m.body]
    assert len(checks) == 1
    run_tasks(at=timezone.now() + timedelta(hours=50))
    assert len([m for m in mail.outbox if "/care/check/" in m.body]) == 1

    # The front desk sees the plan, not the session notes; the chiropractor sees both.
    desk_page = desk.get(f"/staff/submissions/{ref}/").content.decode()
    assert "Cushioned trainers." in desk_page and "twitch" not in desk_page
    chiro_page = client.get(f"/staff/submissions/{ref}/").content.decode()
    assert "twitch" in chiro_page and "recorded needling session 1" in chiro_page


def test_a_revised_plan_keeps_every_version_and_the_link_shows_the_latest() -> None:
    consult = consult_today()
    client = chiro_client(consult)
    submission = start_care(consult, client)
    plan = TreatmentPlan.objects.get(submission=submission)
    ref = submission.reference
    response = client.post(
        f"/staff/submissions/{ref}/care/plan/", plan_data(footwear="Heel cups in work boots.")
    )
    assert response.status_code == 302
    assert list(plan.versions.values_list("number", flat=True)) == [1, 2]
    page = Client().get(f"/care/plan/{links.plan_token(plan)}/").content.decode()
    assert "Heel cups" in page and "Cushioned" not in page


def test_an_exercise_only_result_makes_a_plan_without_sessions() -> None:
    consult = consult_today()
    client = chiro_client(consult)
    ref = consult.submission.reference
    client.post(f"/staff/submissions/{ref}/care/result/", {"decision": "exercise_only"})
    data = plan_data()
    response = client.post(f"/staff/submissions/{ref}/care/plan/", data)
    assert response.status_code == 302
    version = PlanVersion.objects.get(plan__submission__reference=ref)
    assert version.sessions_planned == 0 and not version.plan.with_needling
    assert logged(audit.CARE_RESULT_EXERCISE, consult.submission)
    response = client.get(f"/staff/submissions/{ref}/care/session/")
    assert "exercise-only" in response.content.decode()


def test_referring_on_needs_a_reason_and_closes_the_case_as_referred_out() -> None:
    consult = consult_today()
    client = chiro_client(consult)
    url = f"/staff/submissions/{consult.submission.reference}/care/result/"
    response = client.post(url, {"decision": "refer", "reason": ""})
    assert response.status_code == 400 and "reason for referring" in response.content.decode()
    response = client.post(url, {"decision": "refer", "reason": "Suspected nerve entrapment."})
    assert response.status_code == 302
    submission = Submission.objects.get(pk=consult.submission_id)
    assert submission.status == Status.REFERRED_OUT
    assert CaseNote.objects.filter(submission=submission, kind=CaseNote.Kind.REFERRAL).exists()
    assert logged(audit.CARE_RESULT_REFER, submission)


# The safety check ----------------------------------------------------------------------------


def test_a_yes_in_the_safety_check_holds_needling_until_the_chiropractor_decides() -> None:
    consult = consult_today()
    client = chiro_client(consult)
    submission = start_care(consult, client)
    url = f"/staff/submissions/{submission.reference}/care/session/"
    held = session_data(consult, pregnancy="True")
    response = client.post(url, held)
    assert response.status_code == 400
    assert "needling is held" in response.content.decode()
    assert not NeedlingSession.objects.exists()
    response = client.post(url, {**held, "safety_decision": "proceed"})
    assert response.status_code == 400  # proceeding needs a reason
    mail.outbox.clear()
    response = client.post(url, {**held, "safety_decision": "not_today", "safety_reason": "Ask GP"})
    assert response.status_code == 302
    session = NeedlingSession.objects.get()
    assert not session.needled and session.areas == [] and session.minutes is None
    assert logged(audit.CARE_SESSION_HELD, submission)
    run_tasks()
    assert not Message.objects.filter(kind=Message.Kind.AFTERCARE).exists()


def test_a_duration_outside_15_to_45_minutes_needs_the_checkbox() -> None:
    consult = consult_today()
    client = chiro_client(consult)
    submission = start_care(consult, client)
    url = f"/staff/submissions/{submission.reference}/care/session/"
    response = client.post(url, session_data(consult, minutes="50"))
    assert response.status_code == 400 and "please confirm" in response.content.decode()
    response = client.post(url, session_data(consult, minutes="50", minutes_confirmed="on"))
    assert response.status_code == 302
    assert NeedlingSession.objects.get().minutes == 50


# Adverse events ------------------------------------------------------------------------------


def test_a_significant_adverse_event_flags_the_queue_and_blocks_the_next_session() -> None:
    consult = consult_today()
    client = chiro_client(consult)
    submission = start_care(consult, client)
    ref = submission.reference
    client.post(f"/staff/submissions/{ref}/care/session/", session_data(consult))
    session = NeedlingSession.objects.get()
    response = client.post(
        f"/staff/submissions/{ref}/care/adverse-event/",
        {
            "session": session.pk,
            "occurred_on": TODAY().isoformat(),
            "kind": "fainting",
            "severity": "significant",
            "action_taken": "Lay flat, recovered in 10 minutes.",
        },
    )
    assert response.status_code == 302
    assert logged(audit.CARE_ADVERSE_SIGNIFICANT, submission)
    desk = client_for("front_desk")
    queue = desk.get("/staff/").content.decode()
    assert "Needling on hold" in queue
    response = client.post(f"/staff/submissions/{ref}/care/session/", session_data(consult))
    assert response.status_code == 409 and "on hold" in response.content.decode()
    assert NeedlingSession.objects.count() == 1
    booking = desk.post(f"/staff/submissions/{ref}/care/session/book/", {})
    assert booking.status_code == 409
    event = AdverseEvent.objects.get()
    clear = f"/staff/submissions/{ref}/care/adverse-event/{event.pk}/clear/"
    assert client.post(clear, {"reason": ""}).status_code == 302
    assert AdverseEvent.objects.get().holds_needling
    assert client.post(clear, {"reason": "Seen; fine to continue lying down."}).status_code == 302
    assert logged(audit.CARE_HOLD_CLEARED, submission)
    response = client.post(f"/staff/submissions/{ref}/care/session/", session_data(consult))
    assert response.status_code == 302 and NeedlingSession.objects.count() == 2


def test_a_mild_adverse_event_reported_later_does_not_hold_needling() -> None:
    consult = consult_today()
    client = chiro_client(consult)
    submission = start_care(consult, client)
    response = client.post(
        f"/staff/submissions/{submission.reference}/care/adverse-event/",
        {
            "occurred_on": TODAY().isoformat(),
            "kind": "bruising",
            "severity": "mild",
            "action_taken": "Reassured by phone.",
        },
    )
    assert response.status_code == 302
    event = AdverseEvent.objects.get()
    assert event.session is None and not event.holds_needling
    assert logged(audit.CARE_ADVERSE_MILD, submission)


# The two-day check ---------------------------------------------------------------------------


def needled_session() -> NeedlingSession:
    consult = consult_today()
    client = chiro_client(consult)
    submission = start_care(consult, client)
    client.post(f"/staff/submissions/{submission.reference}/care/session/", session_data(consult))
    return NeedlingSession.objects.get()


CHECK_FINE = {
    "feeling": "better",
    "spreading_redness": "False",
    "warmth_or_swelling": "False",
    "pus": "False",
    "fever": "False",
}


def test_an_infection_answer_shows_urgent_advice_and_flags_the_case_urgent() -> None:
    session = needled_session()
    url = f"/care/check/{links.check_token(session)}/"
    patient = Client()
    assert "How are you after your session?" in patient.get(url).content.decode()
    response = patient.post(url, {**CHECK_FINE, "feeling": "worse", "pus": "True"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Please get help now" in page and "911" in page
    submission = Submission.objects.get(pk=session.submission_id)
    assert submission.outcome == Outcome.URGENT and submission.priority == 0
    assert submission.contact_due_at is not None
    assert submission.contact_due_at <= timezone.now() + timedelta(hours=2)
    assert logged(audit.CARE_CHECK_URGENT, submission)
    assert logged(audit.CARE_CHECK_ANSWERED, submission)
    # Answered once: the link shows the answer again, it does not record a second.
    patient.post(url, CHECK_FINE)
    assert session.__class__.objects.get(pk=session.pk).aftercare_check.pus


def test_a_reassuring_answer_is_recorded_without_a_flag() -> None:
    session = needled_session()
    response = Client().post(f"/care/check/{links.check_token(session)}/", CHECK_FINE)
    assert "Soreness for a day or two" in response.content.decode()
    assert Submission.objects.get(pk=session.submission_id).outcome == Outcome.ELIGIBLE


def test_forged_care_links_show_one_page_and_no_record() -> None:
    for url in ("/care/plan/forged/", "/care/check/forged/"):
        response = Client().get(url)
        assert response.status_code == 404 and "does not work" in response.content.decode()


def test_care_links_are_masked_in_logs() -> None:
    from clinic.logs import mask

    assert mask("GET /care/plan/abc.def:ghi/ 200") == "GET /care/plan/[token]/ 200"
    assert mask("GET /care/check/abc.def/ 200") == "GET /care/check/[token]/ 200"


def test_spanish_patients_get_aftercare_and_pages_in_spanish() -> None:
    consult = consult_today()
    Submission.objects.filter(pk=consult.submission_id).update(language="es")
    client = chiro_client(consult)
    submission = start_care(consult, client)
    client.post(f"/staff/submissions/{submission.reference}/care/session/", session_data(consult))
    run_tasks()
    aftercare = Message.objects.get(kind=Message.Kind.AFTERCARE)
    assert aftercare.status == Message.Status.SENT
    body = next(m.body for m in mail.outbox if "hielo" in m.body)
    assert "10 a 15 minutos" in body
    plan = TreatmentPlan.objects.get(submission=submission)
    page = Client(headers={"accept-language": "es"}).get(f"/care/plan/{links.plan_token(plan)}/")
    assert "Su programa en casa" in page.content.decode()
    session = NeedlingSession.objects.get()
    check = Client(headers={"accept-language": "es"}).get(
        f"/care/check/{links.check_token(session)}/"
    )
    assert "¿Cómo se encuentra después de su sesión?" in check.content.decode()


# Finishing, retention, subject access ---------------------------------------------------------


def test_finishing_the_course_closes_the_case_with_the_reason() -> None:
    consult = consult_today()
    client = chiro_client(consult)
    submission = start_care(consult, client)
    url = f"/staff/submissions/{submission.reference}/care/finish/"
    client.post(url, {"reason": ""})
    assert Submission.objects.get(pk=submission.pk).status == Status.IN_CARE
    client.post(url, {"reason": "Pain-free at review."})
    assert Submission.objects.get(pk=submission.pk).status == Status.CLOSED
    assert TreatmentPlan.objects.get(submission=submission).finished_at is not None


def test_subject_access_and_anonymising_cover_the_care_records() -> None:
    session = needled_session()
    submission = Submission.objects.get(pk=session.submission_id)
    data = subject_data(submission)
    assert data["care"]["needling_sessions"][0]["notes"].startswith("Local twitch")
    assert data["care"]["plan_versions"][0]["footwear"] == "Cushioned trainers."
    retention.anonymise(submission, now=timezone.now())
    session.refresh_from_db()
    assert session.notes == retention.REMOVED
    assert PlanVersion.objects.get().footwear == retention.REMOVED


# Who may do what -----------------------------------------------------------------------------

# (method, url, data, expected per role in tests.test_access.ROLES order)
CARE_CASES: list[tuple[str, str, dict[str, Any], tuple[int, ...]]] = [
    ("get", "/staff/submissions/{ref}/care/result/", {}, (302, 403, 200, 403, 302, 403)),
    ("get", "/staff/submissions/{ref}/care/plan/", {}, (302, 403, 200, 403, 302, 403)),
    ("get", "/staff/submissions/{ref}/care/session/", {}, (302, 403, 200, 403, 302, 403)),
    ("get", "/staff/submissions/{ref}/care/adverse-event/", {}, (302, 403, 200, 403, 302, 403)),
    ("post", "/staff/submissions/{ref}/care/finish/", {}, (302, 403, 302, 403, 302, 403)),
    (
        "post",
        "/staff/submissions/{ref}/care/adverse-event/999/clear/",
        {},
        (302, 403, 404, 403, 302, 403),
    ),
    ("get", "/staff/submissions/{ref}/care/session/book/", {}, (302, 200, 200, 200, 302, 403)),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "data", "expected"), CARE_CASES)
def test_each_care_url_answers_each_role_as_expected(
    role: str, method: str, url: str, data: dict[str, Any], expected: tuple[int, ...]
) -> None:
    submission = make_case()
    client = client_for(role)
    response = getattr(client, method)(url.format(ref=submission.reference), data)
    want = expected[ROLES.index(role)]
    assert response.status_code == want, (role, url)
    if want == 302 and role in ("anonymous", "deactivated"):
        assert response["Location"].startswith("/staff/login/")


def test_patient_care_links_need_no_sign_in_and_refuse_other_methods() -> None:
    session = needled_session()
    plan = TreatmentPlan.objects.get()
    assert Client().get(f"/care/plan/{links.plan_token(plan)}/").status_code == 200
    assert Client().post(f"/care/plan/{links.plan_token(plan)}/").status_code == 405
    assert Client().get(f"/care/check/{links.check_token(session)}/").status_code == 200


def test_seed_demo_adds_patients_part_way_through_a_course_once() -> None:
    import io

    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    in_care = Submission.objects.filter(status=Status.IN_CARE)
    assert in_care.count() == 3
    assert AdverseEvent.objects.filter(severity="mild").count() == 1
    assert PlanVersion.objects.filter(number=2).count() == 1
    assert NeedlingSession.objects.filter(submission__in=in_care).count() == 8
