"""Staff day one: attendance on the agenda, booking from the next free day, print and advice,
no lost work on time-out, schedules that protect bookings, navigation and account pages."""

from __future__ import annotations

import time
from datetime import time as clock
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.utils import timezone, translation

from clinic.middleware import LAST_SEEN_AT
from consults.booking import book_consult
from consults.models import Consult, TimeOff, WorkingHours
from intake import audit, drafts
from intake.models import AuditEvent, CaseNote, Status, Submission
from tests.helpers import make_chiropractor, make_clinic_admin, make_front_desk, run_tasks, sign_in
from tests.scheduling import at, make_case, make_profile, next_monday

pytestmark = pytest.mark.django_db


def booked(submission: Submission | None = None, *, hours_ago: float | None = None) -> Consult:
    """A consult booked through the patient's link; in today's past when `hours_ago` is given."""
    first = Consult.objects.first()
    chiro = first.chiropractor if first else make_profile("doc", role=None)
    result = book_consult(
        submission=submission or make_case(),
        chiropractor=chiro,
        starts_at=at(next_monday(), 9),
        by=None,
    )
    consult = result.consult  # type: ignore[union-attr]
    if hours_ago is not None:
        start = timezone.now() - timedelta(hours=hours_ago)
        Consult.objects.filter(pk=consult.pk).update(
            starts_at=start, ends_at=start + timedelta(minutes=30)
        )
        consult.refresh_from_db()
    return consult


def logged(action: str, submission: Submission) -> bool:
    return AuditEvent.objects.filter(action=action, submission=submission).exists()


# Attendance ----------------------------------------------------------------------------------


def test_marking_arrived_then_completed_closes_the_case_with_audit_entries(client: Client) -> None:
    consult = booked(hours_ago=0.05)
    sign_in(client, make_front_desk())
    url = f"/staff/consults/{consult.pk}/attendance/"
    response = client.post(url, {"mark": "arrived", "query": "chiropractor=all"})
    assert response.status_code == 302 and response["Location"].endswith("?chiropractor=all")
    consult.refresh_from_db()
    assert consult.attendance == "arrived" and consult.arrived_at is not None
    assert logged(audit.CONSULT_ARRIVED, consult.submission)
    assert client.post(url, {"mark": "completed"}).status_code == 302
    consult.refresh_from_db()
    assert consult.attendance == "completed" and consult.completed_at is not None
    assert Submission.objects.get(pk=consult.submission_id).status == Status.CLOSED
    assert logged(audit.CONSULT_COMPLETED, consult.submission)


def test_a_no_show_puts_the_case_back_with_the_front_desk_and_restarts_the_clock(
    client: Client,
) -> None:
    consult = booked(hours_ago=0.05)
    assert Submission.objects.get(pk=consult.submission_id).status == Status.CONSULT_BOOKED
    sign_in(client, make_front_desk())
    response = client.post(f"/staff/consults/{consult.pk}/attendance/", {"mark": "no_show"})
    assert response.status_code == 302
    consult.refresh_from_db()
    assert consult.status == Consult.Status.MISSED and consult.attendance == "no_show"
    submission = Submission.objects.get(pk=consult.submission_id)
    assert submission.status == Status.NEW  # nobody had reached the patient yet
    assert submission.contact_due_at is not None
    assert logged(audit.CONSULT_NO_SHOW, submission)
    # The case can be booked again, and the missed consult stays on the day sheet.
    day = timezone.localdate(consult.starts_at).isoformat()
    page = client.get(f"/staff/agenda/{day}/?chiropractor=all").content.decode()
    assert "No-show" in page and submission.reference in page


def test_a_consult_cannot_be_marked_before_its_day_or_twice(client: Client) -> None:
    consult = booked()
    sign_in(client, make_front_desk())
    response = client.post(
        f"/staff/consults/{consult.pk}/attendance/", {"mark": "arrived"}, follow=True
    )
    assert "cannot be marked" in response.content.decode()
    consult.refresh_from_db()
    assert consult.attendance == "" and not logged(audit.CONSULT_ARRIVED, consult.submission)
    response = client.post(f"/staff/consults/{consult.pk}/attendance/", {"mark": "nonsense"})
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 302), ("front_desk", 302), ("chiropractor", 302), ("clinic_admin", 302)],
)
def test_attendance_is_marked_by_every_booking_role(role: str, expected: int) -> None:
    from tests.test_access import client_for

    consult = booked(hours_ago=0.05)
    response = client_for(role).post(
        f"/staff/consults/{consult.pk}/attendance/", {"mark": "arrived"}
    )
    assert response.status_code == expected
    consult.refresh_from_db()
    assert (consult.attendance == "arrived") == (role != "anonymous")


def test_attendance_refuses_a_get_and_staff_without_a_role() -> None:
    from tests.test_access import client_for

    consult = booked(hours_ago=0.05)
    assert (
        client_for("front_desk").get(f"/staff/consults/{consult.pk}/attendance/").status_code == 405
    )
    assert (
        client_for("no_role")
        .post(f"/staff/consults/{consult.pk}/attendance/", {"mark": "arrived"})
        .status_code
        == 403
    )


# Agenda and booking ---------------------------------------------------------------------


def test_the_agenda_shows_phone_numbers_and_attendance_buttons(client: Client) -> None:
    consult = booked(hours_ago=0.05)
    sign_in(client, make_front_desk())
    day = timezone.localdate(consult.starts_at).isoformat()
    page = client.get(f"/staff/agenda/{day}/?chiropractor=all").content.decode()
    assert consult.submission.phone in page
    assert 'name="mark" value="arrived"' in page and 'name="mark" value="no_show"' in page
    assert "css/print.css" in page and 'media="print"' in page


def test_the_week_hides_closed_days_unless_they_hold_a_consult(client: Client) -> None:
    consult = booked()
    sign_in(client, make_front_desk())
    monday = next_monday()
    page = client.get(f"/staff/agenda/week/{monday.isoformat()}/?chiropractor=all").content.decode()
    assert "Friday" in page and "Saturday" not in page and "Sunday" not in page
    saturday = at(monday + timedelta(days=5), 10)
    Consult.objects.filter(pk=consult.pk).update(
        starts_at=saturday, ends_at=saturday + timedelta(minutes=30)
    )
    page = client.get(f"/staff/agenda/week/{monday.isoformat()}/?chiropractor=all").content.decode()
    assert "Saturday" in page and "Sunday" not in page


def test_staff_booking_opens_on_the_next_day_with_free_times_with_next_available_and_a_week(
    client: Client,
) -> None:
    chiro = make_profile(days=(2,))  # Wednesdays only
    submission = make_case()
    sign_in(client, make_front_desk())
    page = client.get(f"/staff/submissions/{submission.reference}/consult/")
    assert page.status_code == 200
    day = page.context["day"]
    assert day.weekday() == 2 and day >= timezone.localdate()
    html = page.content.decode()
    assert "Next available" in html and "Book the next available time" in html
    assert submission.phone in html
    week = page.context["week"]
    assert [d.weekday() for d, _slots in week] == [2]
    next_slot = page.context["next_slot"]
    assert next_slot.chiropractor == chiro and timezone.localdate(next_slot.starts_at) == day
    response = client.post(
        f"/staff/submissions/{submission.reference}/consult/book/",
        {"slot": f"{chiro.pk}|{next_slot.starts_at.isoformat()}"},
    )
    assert response.status_code == 302
    assert Consult.objects.get().starts_at == next_slot.starts_at


# Submission page ----------------------------------------------------------------------------


def test_the_submission_page_shows_the_urgent_advice_the_patient_saw_and_when(
    client: Client,
) -> None:
    submission = make_case(outcome="urgent")
    urgent = Submission.objects.get(pk=submission.pk)
    sign_in(client, make_front_desk())
    from tests.helpers import make_submission

    urgent = make_submission(calf_swelling=True)
    advice = drafts.safety_advice(urgent)
    assert advice
    page = client.get(f"/staff/submissions/{urgent.reference}/").content.decode()
    assert "Urgent advice the patient was given" in page
    for text in advice:
        assert text.replace("'", "&#x27;").replace('"', "&quot;") in page
    calm = client.get(f"/staff/submissions/{submission.reference}/").content.decode()
    assert "Urgent advice the patient was given" not in calm


# Time-out ------------------------------------------------------------------------------------


def _go_idle(client: Client) -> None:
    session = client.session
    session[LAST_SEEN_AT] = int(time.time()) - 3600
    session.save()


def test_a_note_posted_after_the_idle_sign_out_is_kept_and_saved_after_signing_in(
    client: Client, settings
) -> None:
    settings.CLINIC_STAFF_IDLE_MINUTES = 1
    submission = make_case()
    desk = make_front_desk()
    sign_in(client, desk)
    _go_idle(client)
    page = f"/staff/submissions/{submission.reference}/"
    response = client.post(
        f"{page}note/",
        {"text": "Called back, prefers mornings."},
        HTTP_REFERER=f"http://testserver{page}",
    )
    assert response.status_code == 302
    assert response["Location"] == "/staff/login/?next=/staff/session/resume/"
    assert not CaseNote.objects.exists()
    login_page = client.get(response["Location"]).content.decode()
    assert "after 1 minute without" in login_page
    sign_in(client, desk)
    resume = client.get("/staff/session/resume/")
    html = resume.content.decode()
    assert resume.status_code == 200 and "Called back, prefers mornings." in html
    assert f'action="{page}note/"' in html and "csrfmiddlewaretoken" in html
    assert (
        client.post(f"{page}note/", {"text": "Called back, prefers mornings."}).status_code == 302
    )
    assert CaseNote.objects.get().text == "Called back, prefers mornings."
    # Shown once: the stash is gone.
    assert client.get("/staff/session/resume/")["Location"] == "/staff/"


def test_a_post_after_the_sign_out_that_is_too_big_to_keep_returns_to_the_page_not_a_405(
    client: Client, settings
) -> None:
    submission = make_case()
    sign_in(client, make_front_desk())
    _go_idle(client)
    page = f"/staff/submissions/{submission.reference}/"
    response = client.post(
        f"{page}note/",
        {"text": "x" * 9000, "more": "y" * 9000, "again": "z" * 5000},
        HTTP_REFERER=f"http://testserver{page}",
    )
    assert response["Location"] == f"/staff/login/?next={page}"
    response = client.post(
        f"{page}note/", {"text": "hi"}, HTTP_REFERER="https://elsewhere.example/"
    )
    assert response.status_code == 302 and "note" not in response["Location"]


def test_idle_messages_are_plural_aware_in_both_languages(client: Client, settings) -> None:
    settings.CLINIC_STAFF_IDLE_MINUTES = 15
    sign_in(client, make_front_desk())
    _go_idle(client)
    page = client.get("/staff/", follow=True).content.decode()
    assert "after 15 minutes without activity" in page
    with translation.override("es"):
        from django.utils.translation import ngettext

        one = ngettext(
            "You were signed out after %(minutes)s minute without activity. Please sign in again.",
            "You were signed out after %(minutes)s minutes without activity. Please sign in again.",
            1,
        )
    assert "1 minuto" in one % {"minutes": 1}


def test_keep_alive_restarts_the_idle_clock(client: Client) -> None:
    sign_in(client, make_front_desk())
    client.get("/staff/")
    session = client.session
    session[LAST_SEEN_AT] = int(time.time()) - 120
    session.save()
    response = client.post("/staff/session/keep-alive/")
    assert response.status_code == 204
    assert client.session[LAST_SEEN_AT] >= int(time.time()) - 2
    assert client.get("/staff/session/keep-alive/").status_code == 405
    page = client.get("/staff/").content.decode()
    assert 'id="idle-warning"' in page and "js/staff.js" in page and "<script>" not in page


# Schedules ------------------------------------------------------------------------------------


def _off(chiro_pk: int, day, **extra: str) -> dict[str, str]:
    return {
        "form": "off",
        "off-starts_at": f"{day.isoformat()}T08:00",
        "off-ends_at": f"{day.isoformat()}T13:00",
        "off-note": "Training",
        **extra,
    }


def test_time_off_over_booked_consults_asks_first_then_lists_patients_to_call(
    client: Client,
) -> None:
    consult = booked()
    chiro = consult.chiropractor
    sign_in(client, make_clinic_admin())
    url = f"/staff/schedule/{chiro.pk}/"
    first = client.post(url, _off(chiro.pk, next_monday()))
    html = first.content.decode()
    assert first.status_code == 200 and consult.submission.reference in html
    assert "Save the time off anyway" in html and not TimeOff.objects.exists()
    token = first.context["off_confirm"]
    response = client.post(url, _off(chiro.pk, next_monday(), confirm=token))
    assert response.status_code == 302 and TimeOff.objects.count() == 1
    consult.refresh_from_db()
    assert consult.status == Consult.Status.ACTIVE  # still booked: the clinic calls first
    page = client.get(url).content.decode()
    assert "Patients to call" in page and consult.submission.reference in page
    assert "Patients to call" not in client.get(url).content.decode()  # shown once
    run_tasks()
    (email,) = [m for m in mail.outbox if m.to == [settings_inbox()]]
    assert email.to == [settings_inbox()] and consult.submission.reference in email.body
    assert consult.submission.first_name not in f"{email.body} {email.subject}"
    assert consult.submission.last_name not in email.body
    assert AuditEvent.objects.filter(action=audit.CONSULTS_TO_CALL).exists()


def settings_inbox() -> str:
    from django.conf import settings

    return settings.CLINIC_INBOX_EMAIL


def test_a_confirmation_covers_only_the_dates_it_was_shown_for(client: Client) -> None:
    consult = booked()
    chiro = consult.chiropractor
    sign_in(client, make_clinic_admin())
    url = f"/staff/schedule/{chiro.pk}/"
    token = client.post(url, _off(chiro.pk, next_monday())).context["off_confirm"]
    wider = {
        **_off(chiro.pk, next_monday(), confirm=token),
        "off-ends_at": f"{next_monday()}T17:00",
    }
    response = client.post(url, wider)
    assert response.status_code == 200 and not TimeOff.objects.exists()


def test_removing_hours_over_booked_consults_asks_first(client: Client) -> None:
    consult = booked()
    chiro = consult.chiropractor
    block = WorkingHours.objects.get(chiropractor=chiro, weekday=0)
    sign_in(client, make_clinic_admin())
    first = client.post(f"/staff/schedule/hours/{block.pk}/delete/")
    assert first.status_code == 200 and consult.submission.reference in first.content.decode()
    assert WorkingHours.objects.filter(pk=block.pk).exists()
    response = client.post(f"/staff/schedule/hours/{block.pk}/delete/", {"confirm": "1"})
    assert response.status_code == 302 and not WorkingHours.objects.filter(pk=block.pk).exists()
    run_tasks()
    assert len([m for m in mail.outbox if m.to == [settings_inbox()]]) == 1


def test_overlapping_weekly_hours_are_refused_with_a_clear_message(client: Client) -> None:
    chiro = make_profile(hours=((clock(9), clock(12)),))
    sign_in(client, make_clinic_admin())
    response = client.post(
        f"/staff/schedule/{chiro.pk}/",
        {"form": "hours", "hours-weekday": "0", "hours-starts": "11:00", "hours-ends": "14:00"},
    )
    assert response.status_code == 400
    assert "These hours overlap" in response.content.decode()
    assert WorkingHours.objects.filter(chiropractor=chiro, weekday=0).count() == 1


def test_a_chiropractor_manages_their_own_time_off_and_nobody_elses(client: Client) -> None:
    mine = make_profile("casey")
    other = make_profile("robin")
    client.force_login(mine.user)
    sign_in(client, mine.user)
    assert client.get("/staff/schedule/")["Location"] == f"/staff/schedule/{mine.pk}/"
    page = client.get(f"/staff/schedule/{mine.pk}/").content.decode()
    assert "Add time off" in page and "Add hours" not in page
    day = next_monday(2)
    assert client.post(f"/staff/schedule/{mine.pk}/", _off(mine.pk, day)).status_code == 302
    absence = TimeOff.objects.get(chiropractor=mine)
    assert client.get(f"/staff/schedule/{other.pk}/").status_code == 403
    assert client.post(f"/staff/schedule/{other.pk}/", _off(other.pk, day)).status_code == 403
    hours = {"form": "hours", "hours-weekday": "5", "hours-starts": "09:00", "hours-ends": "10:00"}
    assert client.post(f"/staff/schedule/{mine.pk}/", hours).status_code == 403
    assert client.post(f"/staff/schedule/time-off/{absence.pk}/delete/").status_code == 302
    assert not TimeOff.objects.exists()


# Navigation, account, lockouts, sign-in --------------------------------------------------


def test_the_header_shows_each_role_what_it_can_use(client: Client) -> None:
    sign_in(client, make_front_desk())
    desk = client.get("/staff/account/").content.decode()
    assert all(x in desk for x in ("Queue", "Agenda", "My account"))
    assert "Locked accounts" not in desk and ">Admin<" not in desk and "Schedule<" not in desk
    admin = Client()
    sign_in(admin, make_clinic_admin())
    page = admin.get("/staff/account/").content.decode()
    assert all(x in page for x in ("Schedule", "Locked accounts", ">Admin<", "My account"))
    chiro = make_profile("casey")
    own = Client()
    sign_in(own, chiro.user)
    assert (
        f'href="/staff/schedule/{chiro.pk}/">My schedule'
        in own.get("/staff/account/").content.decode()
    )


def test_my_account_changes_the_password_and_records_it(client: Client) -> None:
    user = make_front_desk()
    sign_in(client, user)
    page = client.get("/staff/account/").content.decode()
    assert "Change my password" in page and "backup codes" in page
    bad = client.post(
        "/staff/account/password/",
        {"old_password": "wrong", "new_password1": "x", "new_password2": "y"},
    )
    assert bad.status_code == 400
    response = client.post(
        "/staff/account/password/",
        {
            "old_password": "correct-horse-battery",
            "new_password1": "a-new-long-passphrase-42",
            "new_password2": "a-new-long-passphrase-42",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/staff/account/"
    user.refresh_from_db()
    assert user.check_password("a-new-long-passphrase-42")
    assert AuditEvent.objects.filter(action=audit.STAFF_PASSWORD_CHANGED, actor=user).exists()
    assert client.get("/staff/account/").status_code == 200  # still signed in


def test_a_clinic_admin_unlocks_a_locked_colleague_with_one_button(
    client: Client, settings
) -> None:
    AccessAttempt.objects.create(
        username="desk2",
        ip_address="192.0.2.9",
        user_agent="x",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/staff/login/",
    )
    sign_in(client, make_clinic_admin())
    page = client.get("/staff/locked-accounts/").content.decode()
    assert "desk2" in page and "Unlock" in page
    response = client.post("/staff/locked-accounts/unlock/", {"username": "desk2"})
    assert response.status_code == 302 and not AccessAttempt.objects.exists()
    entry = AuditEvent.objects.get(action=audit.STAFF_UNLOCKED)
    assert entry.detail["username"] == "desk2" and entry.detail["attempts"] == 1
    empty = client.post("/staff/locked-accounts/unlock/", {"username": " "}, follow=True)
    assert "Please type the username" in empty.content.decode()


def test_one_wrong_password_shows_one_error(client: Client) -> None:
    make_front_desk()
    response = client.post("/staff/login/", {"username": "desk", "password": "wrong-password"})
    assert response.content.decode().count("did not match") == 1


def test_a_chiropractor_without_a_profile_has_no_schedule() -> None:
    client = Client()
    sign_in(client, make_chiropractor())
    assert client.get("/staff/schedule/").status_code == 403


def test_a_cross_site_post_to_a_signed_out_session_is_refused_and_not_kept() -> None:
    submission = make_case()
    desk = Client(enforce_csrf_checks=True)
    sign_in(desk, make_front_desk())
    _go_idle(desk)
    page = f"/staff/submissions/{submission.reference}/"
    response = desk.post(
        f"{page}note/", {"text": "Planted"}, HTTP_REFERER=f"http://testserver{page}"
    )
    assert response["Location"] == f"/staff/login/?next={page}"
    assert "clinic_stashed_post" not in desk.session
    anonymous = Client(enforce_csrf_checks=True)
    assert anonymous.post(f"{page}note/", {"text": "Planted"}).status_code == 403
    assert "clinic_stashed_post" not in anonymous.session
