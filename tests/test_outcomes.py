"""Patient-reported outcomes (docs/care.md#outcomes): the score maths, check-ins through the real
pages, their scheduling through the outbox, red-flag screening, the progress chart and the
queue's "not responding" flag."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.roles import CHIROPRACTOR, FRONT_DESK
from care import links, outcomes, scores
from care.models import NeedlingSession, OutcomeCheckIn, PlanVersion, TreatmentPlan
from intake import audit
from intake.models import AuditEvent, Outcome, Submission
from outbox.models import Message
from tests.helpers import make_staff, run_tasks, sign_in
from tests.test_access import ROLES, client_for
from tests.test_care import chiro_client, consult_today, session_data, start_care

T0 = datetime(2026, 1, 5, 9, 0)


def at_week(weeks: float) -> datetime:
    return T0 + timedelta(weeks=weeks)


# Score maths ---------------------------------------------------------------------------------


def test_the_psfs_mean_leaves_out_skipped_activities() -> None:
    assert scores.psfs_mean([3, 5, 7]) == 5
    assert scores.psfs_mean([3, None, 6]) == 4.5
    assert scores.psfs_mean([None, None]) is None
    assert scores.psfs_mean([]) is None


def test_psfs_change_compares_only_the_activities_scored_both_times() -> None:
    # The third activity was skipped later: its high baseline must not look like a fall.
    assert scores.psfs_change([2, 4, 9], [5, 6, None]) == 2.5
    assert scores.psfs_change([2, None], [None, 8]) is None
    assert scores.psfs_change([2, 4], [4]) == 2


def test_change_needs_both_values() -> None:
    assert scores.change(7, 3) == -4
    assert scores.change(None, 3) is None
    assert scores.change(7, None) is None


@pytest.mark.parametrize(
    ("nprs", "psfs", "reached"),
    [(-2, None, True), (-1, None, False), (None, 2, True), (None, 1.9, False), (-1, 2.5, True)],
)
def test_the_minimal_important_change_is_two_points_on_either_scale(
    nprs: float | None, psfs: float | None, reached: bool
) -> None:
    assert scores.reached_minimal_change(nprs_change=nprs, psfs_change=psfs) is reached


def test_a_check_in_before_the_psfs_baseline_has_no_psfs_change() -> None:
    early = scores.Answered(when=at_week(1), nprs_first_step=6, psfs_scores=(1, 1))
    baseline = scores.Answered(
        when=at_week(2), nprs_first_step=6, psfs_scores=(3, 3), psfs_baseline=True
    )
    summary = scores.summarise(intake_nprs=7, intake_at=T0, checkins=[baseline, early])
    assert summary is not None
    # The latest is the baseline itself: nothing to compare it with yet.
    assert summary.psfs_change is None and summary.nprs_change == -1 and not summary.reached
    later = scores.Answered(when=at_week(5), nprs_first_step=3, psfs_scores=(6, 5))
    summary = scores.summarise(intake_nprs=7, intake_at=T0, checkins=[early, baseline, later])
    assert summary is not None
    assert summary.psfs_change == 2.5 and summary.nprs_change == -4
    assert summary.reached and summary.weeks == 5


def test_without_an_intake_pain_score_only_the_psfs_can_show_change() -> None:
    checkins = [
        scores.Answered(when=at_week(1), nprs_first_step=2, psfs_scores=(4,), psfs_baseline=True),
        scores.Answered(when=at_week(3), nprs_first_step=2, psfs_scores=(5,)),
    ]
    summary = scores.summarise(intake_nprs=None, intake_at=None, checkins=checkins)
    assert summary is not None
    assert summary.nprs_change is None and summary.psfs_change == 1 and not summary.reached
    assert scores.summarise(intake_nprs=7, intake_at=T0, checkins=[]) is None


# Through the real pages ----------------------------------------------------------------------

BASELINE = {
    "step": "answers",
    "nprs_first_step": "6",
    "nprs_average": "5",
    "activity_1": "Walking to work",
    "score_1": "3",
    "activity_2": "Standing at the sink",
    "score_2": "4",
    "activity_3": "",
    "score_3": "",
    "adherence_days": "5",
    "anything_new": "False",
}


def follow_up(**extra: Any) -> dict[str, Any]:
    return {
        "step": "answers",
        "nprs_first_step": "3",
        "nprs_average": "2",
        "score_1": "7",
        "score_2": "6",
        "global_change": "4",
        "adherence_days": "6",
        "anything_new": "False",
        **extra,
    }


def in_care_with_session() -> tuple[Submission, Client]:
    consult = consult_today()
    client = chiro_client(consult)
    submission = start_care(consult, client)
    response = client.post(
        f"/staff/submissions/{submission.reference}/care/session/", session_data(consult)
    )
    assert response.status_code == 302
    return submission, client


def checkin_path(checkin: OutcomeCheckIn) -> str:
    return f"/care/progress/{links.checkin_token(checkin)}/"


def link_in(body: str) -> str:
    url = next(w for w in body.split() if "/care/progress/" in w)
    return "/care/progress/" + url.split("/care/progress/")[1]


pytestmark = pytest.mark.django_db


def test_a_session_sends_a_check_in_whose_answers_set_the_psfs_baseline() -> None:
    submission, _client = in_care_with_session()
    plan = TreatmentPlan.objects.get(submission=submission)
    occasions = sorted(OutcomeCheckIn.objects.values_list("occasion", flat=True))
    assert occasions == ["session", "week_12", "week_6"]
    run_tasks()
    run_tasks()
    invites = [m for m in mail.outbox if "/care/progress/" in m.body]
    assert len(invites) == 1  # the session's; the 6- and 12-week ones wait for their day
    assert "pain" not in invites[0].subject.lower()
    path = link_in(str(invites[0].body))

    page = Client().get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert "How bad is the pain with your first steps in the morning?" in html
    assert "Overall, how is your heel" not in html  # no rating of change at the baseline

    response = Client().post(path, BASELINE)
    assert response.status_code == 302
    checkin = OutcomeCheckIn.objects.get(occasion="session")
    plan.refresh_from_db()
    assert plan.psfs_activities == ["Walking to work", "Standing at the sink"]
    assert checkin.psfs_baseline and checkin.psfs_scores == [3, 4]
    assert (checkin.nprs_first_step, checkin.adherence_days) == (6, 5)
    assert checkin.global_change is None
    assert AuditEvent.objects.filter(
        action=audit.CARE_CHECKIN_ANSWERED, submission=submission
    ).exists()
    assert "Thank you" in Client().get(path).content.decode()
    # Answered once: a second post changes nothing.
    Client().post(path, {**BASELINE, "nprs_first_step": "9"})
    checkin.refresh_from_db()
    assert checkin.nprs_first_step == 6


def test_later_check_ins_ask_the_same_activities_and_the_rating_of_change() -> None:
    submission, _client = in_care_with_session()
    first = OutcomeCheckIn.objects.get(occasion="session")
    assert Client().post(checkin_path(first), BASELINE).status_code == 302
    week_6 = OutcomeCheckIn.objects.get(occasion="week_6")
    OutcomeCheckIn.objects.filter(pk=week_6.pk).update(due_at=timezone.now())
    page = Client().get(checkin_path(week_6)).content.decode()
    assert "How well can you do this now: Walking to work?" in page
    missing = Client().post(checkin_path(week_6), follow_up(global_change=""))
    assert missing.status_code == 400
    assert Client().post(checkin_path(week_6), follow_up()).status_code == 302
    week_6.refresh_from_db()
    assert week_6.psfs_scores == [7, 6] and week_6.global_change == 4
    plan = TreatmentPlan.objects.get(submission=submission)
    assert plan.minimal_change_reached  # pain 7 → 3 since the intake


def test_bad_answers_get_clear_messages_not_errors() -> None:
    in_care_with_session()
    checkin = OutcomeCheckIn.objects.get(occasion="session")
    response = Client().post(
        checkin_path(checkin), {**BASELINE, "nprs_first_step": "11", "score_1": ""}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "less than or equal to 10" in html
    assert "Please score this activity from 0 to 10." in html
    assert OutcomeCheckIn.objects.get(pk=checkin.pk).answered_at is None


def test_forged_and_expired_check_in_links_show_the_invalid_link_page() -> None:
    in_care_with_session()
    checkin = OutcomeCheckIn.objects.get(occasion="session")
    assert Client().get("/care/progress/forged-token/").status_code == 404
    plan_token = links.plan_token(checkin.plan)
    assert Client().get(f"/care/progress/{plan_token}/").status_code == 404
    OutcomeCheckIn.objects.filter(pk=checkin.pk).update(due_at=timezone.now() - timedelta(days=15))
    assert Client().get(checkin_path(checkin)).status_code == 404


def test_something_new_with_a_red_flag_shows_urgent_advice_and_makes_the_case_urgent() -> None:
    submission, _client = in_care_with_session()
    checkin = OutcomeCheckIn.objects.get(occasion="session")
    path = checkin_path(checkin)
    answers = {**BASELINE, "anything_new": "True", "anything_new_text": "My calf is sore."}
    assert Client().post(path, answers).status_code == 302
    page = Client().get(path).content.decode()
    assert "In the past 2 weeks, has one calf or leg become swollen" in page
    flags = dict.fromkeys(("fever_unwell", "hot_red_swollen", "wound_or_ulcer"), "False")
    flags |= {
        "can_bear_weight": "True",
        "calf_swelling": "True",
        "cold_pale_foot": "False",
        "saddle_or_bladder": "False",
        "foot_weakness": "False",
    }
    response = Client().post(path, {"step": "red_flags", **flags}, follow=True)
    assert response.status_code == 200
    assert "Please act on this now" in response.content.decode()
    checkin.refresh_from_db()
    assert checkin.urgent_rules == ["dvt_signs"]
    submission.refresh_from_db()
    assert submission.outcome == Outcome.URGENT and submission.contact_due_at is not None
    assert AuditEvent.objects.filter(
        action=audit.CARE_CHECKIN_URGENT, submission=submission
    ).exists()


def test_something_new_without_a_red_flag_just_thanks_the_patient() -> None:
    submission, _client = in_care_with_session()
    checkin = OutcomeCheckIn.objects.get(occasion="session")
    path = checkin_path(checkin)
    Client().post(path, {**BASELINE, "anything_new": "True"})
    flags = dict.fromkeys(("fever_unwell", "hot_red_swollen", "wound_or_ulcer"), "False")
    flags |= {
        "can_bear_weight": "True",
        "calf_swelling": "False",
        "cold_pale_foot": "False",
        "saddle_or_bladder": "False",
        "foot_weakness": "False",
    }
    response = Client().post(path, {"step": "red_flags", **flags}, follow=True)
    assert "Please act on this now" not in response.content.decode()
    submission.refresh_from_db()
    assert submission.outcome == Outcome.ELIGIBLE


def test_the_check_in_page_speaks_spanish() -> None:
    submission, _client = in_care_with_session()
    checkin = OutcomeCheckIn.objects.get(occasion="session")
    html = Client(headers={"accept-language": "es"}).get(checkin_path(checkin)).content.decode()
    assert "¿Cómo le va?" in html
    assert "Enviar mis respuestas" in html


# Scheduling through the outbox ---------------------------------------------------------------


def progress_mails() -> list[Any]:
    return [m for m in mail.outbox if "/care/progress/" in m.body]


def test_week_6_and_12_check_ins_and_reminders_go_once_each_at_their_time() -> None:
    submission, _client = in_care_with_session()
    session_checkin = OutcomeCheckIn.objects.get(occasion="session")
    Client().post(checkin_path(session_checkin), BASELINE)
    plan = TreatmentPlan.objects.get(submission=submission)
    run_tasks()
    run_tasks()
    assert len(progress_mails()) == 1

    for _round in range(2):  # a second worker pass sends nothing again
        run_tasks(at=plan.created_at + timedelta(weeks=6, minutes=1))
    assert len(progress_mails()) == 2
    # The answered session check-in's reminder (3 days on) is skipped; the 6-week one is due
    # 3 days after its invitation and goes, once.
    for _round in range(3):
        run_tasks(at=plan.created_at + timedelta(weeks=6, days=3, minutes=2))
    reminders = Message.objects.filter(submission=submission, kind="outcome_reminder")
    assert reminders.count() == 1
    assert len(progress_mails()) == 3
    reminder = progress_mails()[-1]
    assert "A reminder" in reminder.body

    week_12 = OutcomeCheckIn.objects.get(occasion="week_12")
    run_tasks(at=plan.created_at + timedelta(weeks=12, minutes=1))
    run_tasks(at=plan.created_at + timedelta(weeks=12, minutes=2))
    assert len(progress_mails()) == 4
    # Answered before its reminder: the reminder is skipped at send time.
    OutcomeCheckIn.objects.filter(pk=week_12.pk).update(answered_at=timezone.now())
    for _round in range(2):
        run_tasks(at=plan.created_at + timedelta(weeks=12, days=3, minutes=5))
    assert len(progress_mails()) == 4
    assert Message.objects.filter(submission=submission, kind="outcome_reminder").count() == 1


def test_every_session_recorded_gets_its_own_check_in() -> None:
    submission, client = in_care_with_session()
    consult = submission.consults.first()
    assert consult is not None
    client.post(f"/staff/submissions/{submission.reference}/care/session/", session_data(consult))
    assert NeedlingSession.objects.filter(submission=submission).count() == 2
    assert OutcomeCheckIn.objects.filter(submission=submission, occasion="session").count() == 2


# Chart, panel and queue ----------------------------------------------------------------------


def answered(submission: Submission, weeks: float, first_step: int, psfs: list[int]) -> None:
    plan = TreatmentPlan.objects.get(submission=submission)
    if not plan.psfs_activities:
        plan.psfs_activities = ["Walking", "Stairs"]
        plan.save()
        baseline = True
    else:
        baseline = False
    OutcomeCheckIn.objects.create(
        submission=submission,
        plan=plan,
        occasion="session",
        due_at=timezone.now(),
        answered_at=timezone.now() - timedelta(weeks=6 - weeks),
        nprs_first_step=first_step,
        nprs_average=first_step,
        psfs_scores=psfs,
        psfs_baseline=baseline,
        adherence_days=5,
        global_change=None if baseline else 3,
        anything_new=False,
    )


def test_the_chart_is_svg_with_a_title_and_description_and_no_script() -> None:
    submission, client = in_care_with_session()
    answered(submission, 1, 6, [3, 4])
    answered(submission, 3, 4, [5, 6])
    answered(submission, 5, 3, [7, 7])
    response = client.get(f"/staff/submissions/{submission.reference}/care/progress.svg")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert "script-src" not in response["Content-Security-Policy"]
    body = response.content
    assert len(body) <= 30 * 1024
    root = ET.fromstring(body)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg"
    title, desc = root.find(f"{ns}title"), root.find(f"{ns}desc")
    assert title is not None and title.text == "Progress over the course of care"
    assert desc is not None and "First-step pain" in (desc.text or "")
    assert not list(root.iter(f"{ns}script")) and b"<script" not in body
    assert not re.findall(rb"(?:href|src)=\"https?://", body)

    page = client.get(f"/staff/submissions/{submission.reference}/").content.decode()
    assert f"/staff/submissions/{submission.reference}/care/progress.svg" in page
    assert "Improving: first-step pain 7 → 3 (−4)" in page


def test_a_patient_without_the_minimal_change_at_review_is_flagged_in_the_queue() -> None:
    submission, _client = in_care_with_session()
    answered(submission, 1, 7, [3, 3])
    answered(submission, 4, 6, [4, 3])
    plan = TreatmentPlan.objects.get(submission=submission)
    outcomes.update_response(plan)
    desk = client_for("front_desk")
    assert "Not responding: reassess" not in desk.get("/staff/").content.decode()
    PlanVersion.objects.filter(plan=plan).update(review_on=timezone.localdate())
    assert "Not responding: reassess" in desk.get("/staff/").content.decode()
    # Improvement clears it.
    answered(submission, 5, 4, [4, 3])
    outcomes.update_response(plan)
    assert "Not responding: reassess" not in desk.get("/staff/").content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_the_chart_and_check_in_urls_answer_each_role_as_expected(role: str) -> None:
    submission, _client = in_care_with_session()
    checkin = OutcomeCheckIn.objects.get(occasion="session")
    client = client_for(role)
    chart = client.get(f"/staff/submissions/{submission.reference}/care/progress.svg")
    expected = dict(zip(ROLES, (302, 403, 200, 200, 302, 403), strict=True))
    assert chart.status_code == expected[role], role
    if expected[role] == 302:
        assert chart["Location"].startswith("/staff/login/")
    # The patient's link needs no sign-in; other methods are refused.
    assert client.get(checkin_path(checkin)).status_code == 200
    assert client.put(checkin_path(checkin)).status_code == 405
    assert client.post(
        f"/staff/submissions/{submission.reference}/care/progress.svg"
    ).status_code in (302, 403, 405)


def test_seed_demo_gives_the_improving_and_slow_patients_check_ins_on_their_charts() -> None:
    import io

    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    better = Submission.objects.get(last_name="Better")
    slow = Submission.objects.get(last_name="Slow")
    assert OutcomeCheckIn.objects.filter(submission=better, answered_at__isnull=False).count() == 3
    assert TreatmentPlan.objects.get(submission=better).minimal_change_reached
    assert not TreatmentPlan.objects.get(submission=slow).minimal_change_reached
    chiro, desk = Client(), Client()
    sign_in(chiro, make_staff("outcomes-chiro", CHIROPRACTOR))
    sign_in(desk, make_staff("outcomes-desk", FRONT_DESK))
    page = chiro.get(f"/staff/submissions/{better.reference}/").content.decode()
    assert "Improving: first-step pain 7 → 3 (−4)" in page
    assert chiro.get(f"/staff/submissions/{slow.reference}/care/progress.svg").status_code == 200
    queue = desk.get("/staff/", {"status": "in_care"}).content.decode()
    assert queue.count("Not responding: reassess") == 1


def test_subject_access_and_anonymising_cover_the_check_ins() -> None:
    from intake import retention
    from staff.subject_access import subject_data

    submission, _client = in_care_with_session()
    checkin = OutcomeCheckIn.objects.get(occasion="session")
    Client().post(checkin_path(checkin), {**BASELINE, "anything_new_text": "Synthetic words"})
    data = subject_data(submission)["care"]
    assert data["psfs_activities"] == ["Walking to work", "Standing at the sink"]
    assert [c["nprs_first_step"] for c in data["outcome_checkins"] if c["answered_at"]] == [6]
    OutcomeCheckIn.objects.filter(pk=checkin.pk).update(anything_new_text="Synthetic words")
    retention.anonymise(submission, now=timezone.now())
    checkin.refresh_from_db()
    assert checkin.anything_new_text != "Synthetic words"
    assert TreatmentPlan.objects.get(submission=submission).psfs_activities == []
