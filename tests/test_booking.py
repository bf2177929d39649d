"""Booking consults: the gate, the workflow, staff and patient pages, links, emails and races."""

from __future__ import annotations

import re
import threading
from datetime import time, timedelta

import pytest
from django.core import mail, signing
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client
from icalendar import Calendar

from consults.booking import (
    Booked,
    BookingNotAllowed,
    SlotTaken,
    book_consult,
    booking_block_reason,
    booking_path,
    booking_token,
    cancel_consult,
    consult_from_manage_token,
    consult_kind,
    manage_path,
    reschedule_consult,
    send_booking_invite,
    submission_from_booking_token,
)
from consults.models import Consult, TimeOff
from consults.slots import free_slots
from intake import audit, workflow
from intake.models import AuditEvent, Outcome, Status
from outbox.models import Message
from tests.helpers import make_clinic_admin, make_front_desk, make_staff, run_tasks, sign_in
from tests.scheduling import at, make_case, make_profile, next_monday

pytestmark = pytest.mark.django_db

CLEARED = {"cleared_for_consult": True, "clearance_reason": "Seen the scan; fine to assess."}


def slot_value(chiro, starts_at) -> str:
    return f"{chiro.pk}|{starts_at.isoformat()}"


def token_in(body: object, kind: str) -> str:
    """The signed token of the first /consult/<kind>/<token>/ link in an email body."""
    match = re.search(rf"/consult/{kind}/([^/\s]+)/", str(body))
    assert match, body
    return match.group(1)


def ics_of(message) -> Calendar:
    (_name, content, _mimetype) = message.attachments[0]
    return Calendar.from_ical(content)


def event_of(message):
    return ics_of(message).walk("VEVENT")[0]


# The gate ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "fields", "bookable", "kind"),
    [
        (Outcome.ELIGIBLE, {}, True, Consult.Kind.DRY_NEEDLING),
        (Outcome.REVIEW, {}, False, None),
        (Outcome.REVIEW, {"cleared_for_consult": True}, True, Consult.Kind.DRY_NEEDLING),
        (Outcome.NO_NEEDLING, {}, False, None),
        (Outcome.NO_NEEDLING, CLEARED, True, Consult.Kind.NO_NEEDLING),
        (Outcome.URGENT, {}, False, None),
        (Outcome.URGENT, {"cleared_for_consult": True}, False, None),
        (Outcome.URGENT, CLEARED, True, Consult.Kind.NO_NEEDLING),
        (Outcome.REFER, {}, False, None),
        (Outcome.REFER, {"cleared_for_consult": True}, False, None),
        (Outcome.REFER, CLEARED, True, Consult.Kind.NO_NEEDLING),
    ],
)
def test_the_booking_gate_for_every_outcome(outcome, fields, bookable, kind) -> None:
    submission = make_case(outcome, **fields)
    assert (booking_block_reason(submission) is None) is bookable
    if bookable:
        assert consult_kind(submission) == kind


@pytest.mark.parametrize("status", [Status.CLOSED, Status.REFERRED_OUT, Status.NOT_PROCEEDING])
def test_a_closed_case_cannot_be_booked(status) -> None:
    assert booking_block_reason(make_case(status=status)) is not None


def test_booking_an_unclear_case_is_refused_with_the_reason() -> None:
    chiro = make_profile()
    with pytest.raises(BookingNotAllowed, match="review"):
        book_consult(
            submission=make_case(Outcome.REVIEW),
            chiropractor=chiro,
            starts_at=at(next_monday(), 9),
            by=None,
        )
    assert not Consult.objects.exists()


def test_the_staff_booking_page_says_why_a_case_cannot_be_booked_yet(client) -> None:
    make_profile()
    submission = make_case(Outcome.URGENT)
    sign_in(client, make_front_desk())
    response = client.get(f"/staff/submissions/{submission.reference}/consult/")
    assert response.status_code == 200
    assert "only after a chiropractor has cleared them" in response.content.decode()
    assert 'name="slot"' not in response.content.decode()


# The workflow ------------------------------------------------------------------------------


def test_booking_stores_the_consult_moves_the_status_audits_and_emails_an_invitation() -> None:
    chiro = make_profile()
    desk = make_front_desk()
    submission = make_case()
    start = at(next_monday(), 9, 30)
    result = book_consult(submission=submission, chiropractor=chiro, starts_at=start, by=desk)
    assert isinstance(result, Booked) and result.created
    consult = result.consult
    assert (consult.starts_at, consult.ends_at) == (start, start + timedelta(minutes=30))
    assert consult.kind == Consult.Kind.DRY_NEEDLING
    submission.refresh_from_db()
    assert submission.status == Status.CONSULT_BOOKED
    event = AuditEvent.objects.get(action=audit.BOOKED_CONSULT)
    assert (event.actor, event.submission, event.detail["consult"]) == (
        desk,
        submission,
        consult.pk,
    )
    assert AuditEvent.objects.filter(action=audit.CHANGED_STATUS, submission=submission).exists()
    run_tasks()
    (message,) = mail.outbox
    assert message.subject == "Your appointment"
    assert message.to == [submission.email]
    assert consult_from_manage_token(token_in(message.body, "appointment")) == consult


def test_no_email_mentions_health_data() -> None:
    chiro = make_profile()
    submission = make_case(Outcome.NO_NEEDLING, **CLEARED)
    result = book_consult(
        submission=submission, chiropractor=chiro, starts_at=at(next_monday(), 9), by=None
    )
    assert isinstance(result, Booked)
    reschedule_consult(consult=result.consult, starts_at=at(next_monday(), 10), by=None)
    cancel_consult(consult=result.consult, by=None, reason="Patient asked")
    run_tasks()
    # Three to the patient, and for the move and the cancellation a notice to the clinic.
    assert len(mail.outbox) == 5
    for message in mail.outbox:
        attachment = message.attachments[0][1] if message.attachments else ""
        text = f"{message.subject}\n{message.body}\n{attachment}".lower()
        for word in ("needling", "eligible", "urgent", "refer", "finding", "outcome", "heel pain:"):
            assert word not in text.replace("heel pain clinic", ""), (word, message.subject)
        assert submission.first_name.lower() not in message.subject.lower()


def test_the_invitation_is_in_the_clinic_time_zone_with_a_stable_uid() -> None:
    chiro = make_profile()
    result = book_consult(
        submission=make_case(), chiropractor=chiro, starts_at=at(next_monday(), 9), by=None
    )
    assert isinstance(result, Booked)
    consult = result.consult
    run_tasks()
    first = ics_of(mail.outbox[0])
    assert first["METHOD"] == "REQUEST"
    assert first.walk("VTIMEZONE")[0]["TZID"] == "America/Chicago"
    event = first.walk("VEVENT")[0]
    assert event.decoded("DTSTART") == at(next_monday(), 9)
    assert str(event["DTSTART"].params["TZID"]) == "America/Chicago"
    assert event.decoded("SEQUENCE") == 0

    reschedule_consult(consult=consult, starts_at=at(next_monday(), 11), by=None)
    run_tasks()
    moved = event_of(mail.outbox[1])
    assert mail.outbox[2].to == ["frontdesk@example.com"]  # the clinic's notice of the move
    assert (str(moved["UID"]), moved.decoded("SEQUENCE")) == (str(event["UID"]), 1)
    assert moved.decoded("DTSTART") == at(next_monday(), 11)

    cancel_consult(consult=consult, by=None, reason="Cannot come")
    run_tasks()
    cancelled = ics_of(mail.outbox[3])
    assert cancelled["METHOD"] == "CANCEL"
    gone = cancelled.walk("VEVENT")[0]
    assert (str(gone["UID"]), gone.decoded("SEQUENCE")) == (str(event["UID"]), 2)
    assert gone["STATUS"] == "CANCELLED"
    assert "method=CANCEL" in mail.outbox[3].attachments[0][2]


def test_a_second_booking_of_the_same_slot_is_refused_as_taken() -> None:
    chiro = make_profile()
    start = at(next_monday(), 9)
    book_consult(submission=make_case(), chiropractor=chiro, starts_at=start, by=None)
    result = book_consult(submission=make_case(), chiropractor=chiro, starts_at=start, by=None)
    assert isinstance(result, SlotTaken)
    assert Consult.objects.count() == 1


def test_the_database_itself_refuses_two_active_consults_in_one_slot() -> None:
    chiro = make_profile()
    start = at(next_monday(), 9)
    fields = {"chiropractor": chiro, "starts_at": start, "ends_at": start + timedelta(minutes=30)}
    Consult.objects.create(submission=make_case(), kind="dry_needling", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Consult.objects.create(submission=make_case(), kind="dry_needling", **fields)


def test_the_database_refuses_a_second_active_consult_for_one_submission() -> None:
    chiro = make_profile()
    submission = make_case()
    for hour in (9, 10):
        start = at(next_monday(), hour)
        if hour == 10:
            with pytest.raises(IntegrityError), transaction.atomic():
                Consult.objects.create(
                    chiropractor=chiro,
                    submission=submission,
                    kind="dry_needling",
                    starts_at=start,
                    ends_at=start + timedelta(minutes=30),
                )
        else:
            Consult.objects.create(
                chiropractor=chiro,
                submission=submission,
                kind="dry_needling",
                starts_at=start,
                ends_at=start + timedelta(minutes=30),
            )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="exclusion constraints: PostgreSQL")
def test_postgresql_refuses_overlapping_consults_off_the_grid() -> None:
    chiro = make_profile()
    start = at(next_monday(), 9)
    Consult.objects.create(
        chiropractor=chiro,
        submission=make_case(),
        kind="dry_needling",
        starts_at=start,
        ends_at=start + timedelta(minutes=30),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Consult.objects.create(
            chiropractor=chiro,
            submission=make_case(),
            kind="dry_needling",
            starts_at=start + timedelta(minutes=10),
            ends_at=start + timedelta(minutes=40),
        )


def test_a_time_off_the_grid_or_outside_hours_is_not_bookable() -> None:
    chiro = make_profile()
    for start in (at(next_monday(), 9, 10), at(next_monday(), 18)):
        result = book_consult(submission=make_case(), chiropractor=chiro, starts_at=start, by=None)
        assert isinstance(result, SlotTaken)
    assert not Consult.objects.exists()


def test_cancelling_frees_the_slot_and_sends_the_case_back_to_contacted() -> None:
    chiro = make_profile()
    desk = make_front_desk()
    submission = make_case()
    workflow.record_contact(submission=submission, result="reached", by=desk)
    start = at(next_monday(), 9)
    result = book_consult(submission=submission, chiropractor=chiro, starts_at=start, by=desk)
    assert isinstance(result, Booked)
    assert cancel_consult(consult=result.consult, by=desk, reason="Patient is unwell")
    assert not cancel_consult(consult=result.consult, by=desk, reason="again")
    submission.refresh_from_db()
    assert submission.status == Status.CONTACTED
    consult = Consult.objects.get()
    assert (consult.status, consult.cancel_reason) == ("cancelled", "Patient is unwell")
    assert AuditEvent.objects.filter(action=audit.CANCELLED_CONSULT, actor=desk).count() == 1
    again = book_consult(submission=make_case(), chiropractor=chiro, starts_at=start, by=desk)
    assert isinstance(again, Booked) and again.created


def test_a_staff_cancellation_of_a_case_nobody_reached_puts_it_back_to_new_with_the_clock() -> None:
    chiro, desk, submission = make_profile(), make_front_desk(), make_case()
    result = book_consult(
        submission=submission, chiropractor=chiro, starts_at=at(next_monday(), 9), by=None
    )
    assert isinstance(result, Booked)
    submission.refresh_from_db()
    assert (submission.status, submission.contact_due_at) == (Status.CONSULT_BOOKED, None)
    cancel_consult(consult=result.consult, by=desk, reason="Chiropractor ill")
    submission.refresh_from_db()
    assert submission.status == Status.NEW
    assert submission.contact_due_at is not None and submission.patient_cancelled_at is None


def test_a_patient_cancellation_is_shown_to_staff_and_the_clinic_is_told_by_reference() -> None:
    chiro, desk, submission = make_profile(), make_front_desk(), make_case()
    workflow.record_contact(submission=submission, result="reached", by=desk)
    result = book_consult(
        submission=submission, chiropractor=chiro, starts_at=at(next_monday(), 9), by=desk
    )
    assert isinstance(result, Booked)
    mail.outbox.clear()
    cancel_consult(consult=result.consult, by=None, reason="Work trip, sorry")
    run_tasks()
    submission.refresh_from_db()
    assert submission.status == Status.CONTACTED  # back to contacted, not "booked"
    assert submission.patient_cancelled_at is not None
    assert submission.contact_due_at is not None  # the front desk must call them back
    notice = next(m for m in mail.outbox if m.to == ["frontdesk@example.com"])
    assert submission.reference in notice.body
    assert submission.first_name not in f"{notice.subject} {notice.body}"
    assert "Work trip" not in f"{notice.subject} {notice.body}"
    event = AuditEvent.objects.get(action=audit.CANCELLED_CONSULT)
    assert event.actor is None and event.detail["by_patient"] is True
    client = Client()
    sign_in(client, desk)
    page = client.get(f"/staff/submissions/{submission.reference}/")
    text = page.content.decode()
    assert "Patient cancelled" in text
    assert ("cancelled the consult", "Work trip, sorry") in [
        (e.sentence, e.said) for e in page.context["timeline"] if e.actor == "Patient"
    ]
    queue = client.get("/staff/").content.decode()
    assert "Patient cancelled" in queue


# Staff pages -------------------------------------------------------------------------------


def test_front_desk_books_from_the_submission_page(client) -> None:
    chiro = make_profile()
    submission = make_case()
    sign_in(client, make_front_desk())
    monday = next_monday()
    page = client.get(
        f"/staff/submissions/{submission.reference}/consult/",
        {"chiropractor": chiro.pk, "day": monday.isoformat()},
    )
    value = slot_value(chiro, at(monday, 9))
    assert value in page.content.decode()
    response = client.post(
        f"/staff/submissions/{submission.reference}/consult/book/", {"slot": value}
    )
    assert response.status_code == 302
    assert Consult.objects.get().submission == submission


def test_a_double_click_on_book_makes_one_consult_and_shows_it(client) -> None:
    chiro = make_profile()
    submission = make_case()
    sign_in(client, make_front_desk())
    url = f"/staff/submissions/{submission.reference}/consult/book/"
    value = slot_value(chiro, at(next_monday(), 9))
    first = client.post(url, {"slot": value})
    second = client.post(url, {"slot": value}, follow=True)
    assert first.status_code == 302 and second.status_code == 200
    assert Consult.objects.count() == 1
    assert "Booked consult" in second.content.decode()
    run_tasks()
    assert len(mail.outbox) == 1


def test_a_slot_taken_meanwhile_shows_fresh_times_to_staff(client) -> None:
    chiro = make_profile()
    start = at(next_monday(), 9)
    book_consult(submission=make_case(), chiropractor=chiro, starts_at=start, by=None)
    submission = make_case()
    sign_in(client, make_front_desk())
    response = client.post(
        f"/staff/submissions/{submission.reference}/consult/book/",
        {"slot": slot_value(chiro, start)},
    )
    assert response.status_code == 409
    text = response.content.decode()
    assert "That time was just taken" in text
    assert slot_value(chiro, at(next_monday(), 9, 30)) in text


def test_staff_cancel_needs_a_reason(client) -> None:
    chiro = make_profile()
    result = book_consult(
        submission=make_case(), chiropractor=chiro, starts_at=at(next_monday(), 9), by=None
    )
    assert isinstance(result, Booked)
    sign_in(client, make_front_desk())
    url = f"/staff/consults/{result.consult.pk}/cancel/"
    assert client.post(url, {"reason": ""}).status_code == 400
    assert Consult.objects.get().status == "active"
    assert client.post(url, {"reason": "Clinic closed"}).status_code == 302
    assert Consult.objects.get().status == "cancelled"


def test_staff_move_a_consult_to_another_free_time(client) -> None:
    chiro = make_profile()
    result = book_consult(
        submission=make_case(), chiropractor=chiro, starts_at=at(next_monday(), 9), by=None
    )
    assert isinstance(result, Booked)
    sign_in(client, make_front_desk())
    response = client.post(
        f"/staff/consults/{result.consult.pk}/move/",
        {"slot": slot_value(chiro, at(next_monday(), 11))},
    )
    assert response.status_code == 302
    consult = Consult.objects.get()
    assert (consult.starts_at, consult.sequence) == (at(next_monday(), 11), 1)
    assert AuditEvent.objects.filter(action=audit.RESCHEDULED_CONSULT).count() == 1


@pytest.mark.parametrize(
    "url",
    [
        "/staff/submissions/{ref}/consult/",
        "/staff/agenda/",
        "/staff/agenda/week/",
    ],
)
def test_outsiders_cannot_see_booking_pages(client, url) -> None:
    submission = make_case()
    sign_in(client, make_staff("outsider", None))
    assert client.get(url.format(ref=submission.reference)).status_code == 403


def test_outsiders_cannot_book(client) -> None:
    chiro = make_profile()
    submission = make_case()
    sign_in(client, make_staff("outsider", None))
    response = client.post(
        f"/staff/submissions/{submission.reference}/consult/book/",
        {"slot": slot_value(chiro, at(next_monday(), 9))},
    )
    assert response.status_code == 403
    assert not Consult.objects.exists()


def test_only_the_clinic_admin_manages_hours(client) -> None:
    chiro = make_profile()
    sign_in(client, make_front_desk())
    assert client.get("/staff/schedule/").status_code == 403
    client.logout()
    admin = make_clinic_admin()
    sign_in(client, admin)
    assert client.get(f"/staff/schedule/{chiro.pk}/").status_code == 200
    response = client.post(
        f"/staff/schedule/{chiro.pk}/",
        {"form": "hours", "hours-weekday": "5", "hours-starts": "10:00", "hours-ends": "09:00"},
    )
    assert response.status_code == 400
    assert "later than the start" in response.content.decode()
    response = client.post(
        f"/staff/schedule/{chiro.pk}/",
        {"form": "hours", "hours-weekday": "5", "hours-starts": "09:00", "hours-ends": "12:00"},
    )
    assert response.status_code == 302
    assert chiro.hours.filter(weekday=5).count() == 1
    response = client.post(
        f"/staff/schedule/{chiro.pk}/",
        {"form": "off", "off-starts_at": "2027-01-04T08:00", "off-ends_at": "2027-01-04T18:00"},
    )
    assert response.status_code == 302
    off = chiro.time_off.get()
    assert off.starts_at == at(next_monday().replace(year=2027, month=1, day=4), 8)


def test_the_agenda_lists_time_patient_outcome_and_a_link(client) -> None:
    chiro = make_profile()
    submission = make_case()
    book_consult(submission=submission, chiropractor=chiro, starts_at=at(next_monday(), 9), by=None)
    sign_in(client, chiro.user)
    text = client.get(f"/staff/agenda/{next_monday().isoformat()}/").content.decode()
    assert "09:00" in text and submission.full_name in text and "Eligible" in text
    assert f"/staff/submissions/{submission.reference}/consult/" in text
    week = client.get(f"/staff/agenda/week/{next_monday().isoformat()}/").content.decode()
    assert submission.full_name in week


# Patient links -----------------------------------------------------------------------------


def test_an_eligible_patient_books_through_the_link(client) -> None:
    chiro = make_profile()
    submission = make_case()
    url = booking_path(submission)
    page = client.get(url, {"day": next_monday().isoformat()})
    assert page.status_code == 200
    response = client.post(url, {"slot": slot_value(chiro, at(next_monday(), 10))})
    assert response.status_code == 302 and "booked=1" in response["Location"]
    consult = Consult.objects.get()
    assert consult.booked_by is None and consult.submission == submission
    assert client.get(response["Location"]).status_code == 200
    # The link has been used: opened again it shows the booking and where to manage it.
    used = client.get(url)
    assert used.status_code == 200 and "You have booked:" in used.content.decode()
    # (a manage link made now may differ from the page's by its timestamp: compare what it opens)
    assert consult_from_manage_token(token_in(used.content.decode(), "appointment")) == consult
    # Once that consult is cancelled, the spent link says only that it does not work.
    Client().post(f"{manage_path(consult)}cancel/")
    spent = client.get(url)
    assert spent.status_code == 404 and "This link does not work" in spent.content.decode()


@pytest.mark.usefixtures("unreachable_mail_server")
def test_a_booking_whose_email_cannot_be_sent_is_kept_and_shown(client) -> None:
    chiro = make_profile()
    url = booking_path(make_case())
    response = client.post(url, {"slot": slot_value(chiro, at(next_monday(), 10))})
    assert response.status_code == 302 and "booked=1" in response["Location"]
    assert client.get(response["Location"]).status_code == 200
    consult = Consult.objects.get()
    assert cancel_consult(consult=consult, by=None, reason="")
    assert Consult.objects.get().status == Consult.Status.CANCELLED
    run_tasks()
    assert list(Message.objects.values_list("kind", "status").order_by("pk")) == [
        ("booking_confirmation", "retrying"),
        ("booking_cancelled", "retrying"),
        ("clinic_notice", "retrying"),
    ]


@pytest.mark.usefixtures("unreachable_mail_server")
def test_a_booking_link_sent_while_the_mail_server_is_down_is_queued_and_retried(client) -> None:
    submission = make_case()
    sign_in(client, make_front_desk())
    url = f"/staff/submissions/{submission.reference}/consult/invite/"
    response = client.post(url, follow=True)
    assert "Booking link emailed to the patient" in response.content.decode()
    assert AuditEvent.objects.filter(action=audit.SENT_BOOKING_LINK).exists()
    run_tasks()
    (message,) = Message.objects.filter(submission=submission)
    assert (message.kind, message.status) == ("booking_link", "retrying")


def test_a_patient_double_click_makes_one_consult() -> None:
    chiro = make_profile()
    submission = make_case()
    url = booking_path(submission)
    value = slot_value(chiro, at(next_monday(), 10))
    first, second = Client().post(url, {"slot": value}), Client().post(url, {"slot": value})
    assert first.status_code == second.status_code == 302
    assert Consult.objects.count() == 1


def test_a_patient_whose_slot_went_meanwhile_sees_other_times() -> None:
    chiro = make_profile()
    book_consult(
        submission=make_case(), chiropractor=chiro, starts_at=at(next_monday(), 10), by=None
    )
    response = Client().post(
        booking_path(make_case()),
        {"slot": slot_value(chiro, at(next_monday(), 10))},
    )
    assert response.status_code == 409
    assert "just taken" in response.content.decode()
    assert slot_value(chiro, at(next_monday(), 9)) in response.content.decode()


def test_booking_links_that_are_tampered_expired_or_for_another_purpose_reveal_nothing(
    client, settings
) -> None:
    submission = make_case()
    token = booking_token(submission)
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    wrong_purpose = signing.dumps({"r": submission.reference}, salt="something-else")
    for bad in (tampered, wrong_purpose, "nonsense"):
        response = client.get(f"/consult/book/{bad}/")
        assert response.status_code == 404
        assert submission.reference not in response.content.decode()
    settings.CLINIC_BOOKING_LINK_DAYS = 0
    assert client.get(f"/consult/book/{token}/").status_code == 404


def test_a_booking_link_stops_working_when_the_case_is_closed(client) -> None:
    submission = make_case()
    url = booking_path(submission)
    submission.status = Status.NOT_PROCEEDING
    submission.save()
    assert client.get(url).status_code == 404


def test_clearing_a_case_emails_a_booking_link() -> None:
    submission = make_case(Outcome.REVIEW)
    assert not send_booking_invite(submission=submission, by=None)
    submission.cleared_for_consult = True
    submission.save()
    assert send_booking_invite(submission=submission, by=None)
    run_tasks()
    (message,) = mail.outbox
    assert message.subject == "Book your appointment"
    assert submission_from_booking_token(token_in(message.body, "book")) == submission


def test_the_chiropractors_clearance_sends_the_booking_link(client) -> None:
    from tests.helpers import make_chiropractor

    submission = make_case(Outcome.REVIEW)
    sign_in(client, make_chiropractor("clearer"))
    response = client.post(
        f"/staff/submissions/{submission.reference}/clear/", {"reason": "Looks routine"}
    )
    assert response.status_code == 302
    run_tasks()
    assert [m.subject for m in mail.outbox][-1] == "Book your appointment"


@pytest.mark.usefixtures("unreachable_mail_server")
def test_a_clearance_stands_when_the_booking_link_cannot_be_sent(client) -> None:
    from tests.helpers import make_chiropractor

    submission = make_case(Outcome.REVIEW)
    sign_in(client, make_chiropractor("clearer"))
    response = client.post(
        f"/staff/submissions/{submission.reference}/clear/",
        {"reason": "Looks routine"},
        follow=True,
    )
    assert response.status_code == 200
    submission.refresh_from_db()
    assert submission.cleared_for_consult
    run_tasks()
    (message,) = Message.objects.filter(submission=submission)
    assert (message.kind, message.status) == ("booking_link", "retrying")


def test_the_confirmation_page_offers_booking_only_to_eligible_patients() -> None:
    from django.template.loader import render_to_string

    eligible, review = make_case(), make_case(Outcome.REVIEW)
    offer = render_to_string("consults/_book_offer.html", {"submission": eligible})
    assert "Book your consult" in offer
    assert submission_from_booking_token(token_in(offer, "book")) == eligible
    assert "Book your consult" not in render_to_string(
        "consults/_book_offer.html", {"submission": review}
    )


def test_the_patient_cancels_from_the_email_link_until_the_cutoff(client) -> None:
    chiro = make_profile()
    result = book_consult(
        submission=make_case(), chiropractor=chiro, starts_at=at(next_monday(), 9), by=None
    )
    assert isinstance(result, Booked)
    url = manage_path(result.consult)
    assert "Cancel my appointment" in client.get(url).content.decode()
    response = client.post(url + "cancel/", {"reason": ""})
    assert response.status_code == 200
    assert Consult.objects.get().status == "cancelled"
    assert client.get(url).status_code == 404  # used


def test_the_patient_cannot_change_within_the_cutoff(client, settings) -> None:
    chiro = make_profile()
    result = book_consult(
        submission=make_case(), chiropractor=chiro, starts_at=at(next_monday(), 9), by=None
    )
    assert isinstance(result, Booked)
    settings.CLINIC_CANCEL_CUTOFF_HOURS = 24 * 30
    url = manage_path(result.consult)
    assert "please call us" in client.get(url).content.decode()
    assert client.post(url + "cancel/").status_code == 302
    assert Consult.objects.get().status == "active"


def test_the_patient_moves_the_appointment_and_the_old_link_stops_working(client) -> None:
    chiro = make_profile()
    result = book_consult(
        submission=make_case(), chiropractor=chiro, starts_at=at(next_monday(), 9), by=None
    )
    assert isinstance(result, Booked)
    old = manage_path(result.consult)
    response = client.post(old + "move/", {"slot": slot_value(chiro, at(next_monday(), 11))})
    assert response.status_code == 302
    assert Consult.objects.get().starts_at == at(next_monday(), 11)
    assert client.get(old).status_code == 404
    assert client.get(response["Location"]).status_code == 200


# The race ----------------------------------------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs real concurrent connections; SQLite serialises writers (run with DATABASE_URL)",
)
@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_bookings_of_one_slot_make_exactly_one_consult() -> None:
    # Transactional tests run on a database earlier ones flushed: no role groups needed here.
    chiro = make_profile(role=None)
    start = at(next_monday(), 9)
    submissions = [make_case() for _ in range(24)]
    barrier = threading.Barrier(len(submissions))
    results: list[object] = []
    errors: list[BaseException] = []

    def attempt(submission) -> None:
        try:
            barrier.wait()
            results.append(
                book_consult(submission=submission, chiropractor=chiro, starts_at=start, by=None)
            )
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(s,)) for s in submissions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sum(isinstance(r, Booked) and r.created for r in results) == 1
    assert sum(isinstance(r, SlotTaken) for r in results) == len(submissions) - 1
    assert Consult.objects.filter(chiropractor=chiro, starts_at=start).count() == 1


def test_the_submission_page_and_the_staff_home_show_consults(client) -> None:
    from django.utils import timezone

    chiro = make_profile(days=tuple(range(7)), hours=((time(0), time(23, 30)),))
    booked, waiting = make_case(), make_case()
    sign_in(client, make_front_desk())
    page = client.get(f"/staff/submissions/{waiting.reference}/").content.decode()
    assert f"/staff/submissions/{waiting.reference}/consult/" in page
    assert "Book a consult" in page
    later_today = free_slots(chiro, timezone.localdate(), timezone.localdate())
    if later_today:  # not in the last half hour of the day
        book_consult(
            submission=booked, chiropractor=chiro, starts_at=later_today[-1].starts_at, by=None
        )
        home = client.get("/staff/").content.decode()
        assert "Today's consults" in home and booked.full_name in home


def test_the_queue_lists_only_the_next_consults_of_a_busy_day(client) -> None:
    from django.utils import timezone

    from consults.agenda import TODAY_LIST_SIZE

    now = timezone.localtime()
    if now.hour == 23 and now.minute > 20:
        pytest.skip("too close to midnight for a busy rest of the day")
    chiro = make_profile()
    cases = [make_case() for _ in range(TODAY_LIST_SIZE + 1)]
    for n, case in enumerate(cases):
        starts = now + timedelta(minutes=1 + 2 * n)
        Consult.objects.create(
            chiropractor=chiro,
            submission=case,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=1),
            kind=Consult.Kind.DRY_NEEDLING,
        )
    sign_in(client, make_front_desk())
    home = client.get("/staff/").content.decode()
    # Today's list links each consult to the case's consult page.
    listed = [case for case in cases if f"/staff/submissions/{case.reference}/consult/" in home]
    assert listed == cases[:TODAY_LIST_SIZE]
    assert "More consults later today" in home


def test_the_roles_have_their_consult_permissions() -> None:
    from tests.helpers import make_chiropractor

    desk, chiro, admin = make_front_desk(), make_chiropractor(), make_clinic_admin()
    for user in (desk, chiro, admin):
        assert user.has_perms(["consults.book_consult", "consults.view_consult"])
    assert admin.has_perm("consults.manage_availability")
    assert not desk.has_perm("consults.manage_availability")
    assert not chiro.has_perm("consults.manage_availability")


def test_the_clinic_admin_edits_hours_in_the_django_admin(client) -> None:
    chiro = make_profile()
    sign_in(client, make_clinic_admin())
    assert client.get("/admin/consults/chiropractor/").status_code == 200
    assert client.get(f"/admin/consults/chiropractor/{chiro.pk}/change/").status_code == 200


def test_the_clinic_admin_adds_a_chiropractor_with_their_consult_length(client) -> None:
    from tests.helpers import make_chiropractor

    user = make_chiropractor("newchiro")
    sign_in(client, make_clinic_admin())
    assert client.get("/staff/schedule/").status_code == 200
    response = client.post(
        "/staff/schedule/",
        {"user": user.pk, "display_name": "Dr. New", "consult_minutes": "2", "buffer_minutes": "0"},
    )
    assert response.status_code == 200 and "between 5 and 240" in response.content.decode()
    response = client.post(
        "/staff/schedule/",
        {
            "user": user.pk,
            "display_name": "Dr. New",
            "consult_minutes": "45",
            "buffer_minutes": "10",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert user.chiropractor_profile.consult_minutes == 45
    assert AuditEvent.objects.filter(action=audit.CHANGED_AVAILABILITY).exists()


def test_staff_can_move_a_consult_to_another_chiropractor(client) -> None:
    first, second = make_profile("first"), make_profile("second")
    result = book_consult(
        submission=make_case(), chiropractor=first, starts_at=at(next_monday(), 9), by=None
    )
    assert isinstance(result, Booked)
    sign_in(client, make_front_desk())
    response = client.post(
        f"/staff/consults/{result.consult.pk}/move/",
        {"slot": slot_value(second, at(next_monday(), 9))},
    )
    assert response.status_code == 302
    consult = Consult.objects.get()
    assert (consult.chiropractor, consult.starts_at, consult.sequence) == (
        second,
        at(next_monday(), 9),
        1,
    )


def test_front_desk_emails_a_booking_link_from_the_booking_page(client) -> None:
    submission = make_case()
    sign_in(client, make_front_desk())
    response = client.post(f"/staff/submissions/{submission.reference}/consult/invite/")
    assert response.status_code == 302
    run_tasks()
    (message,) = mail.outbox
    assert submission_from_booking_token(token_in(message.body, "book")) == submission
    assert AuditEvent.objects.filter(action=audit.SENT_BOOKING_LINK, submission=submission).exists()
    blocked = make_case(Outcome.REFER)
    client.post(f"/staff/submissions/{blocked.reference}/consult/invite/")
    run_tasks()
    assert len(mail.outbox) == 1


def test_the_clinic_admin_removes_hours_and_time_off(client) -> None:
    chiro = make_profile(days=(0,))
    absence = TimeOff.objects.create(
        chiropractor=chiro, starts_at=at(next_monday(), 9), ends_at=at(next_monday(), 10)
    )
    sign_in(client, make_clinic_admin())
    block = chiro.hours.get()
    assert client.get(f"/staff/schedule/hours/{block.pk}/delete/").status_code == 405
    assert client.post(f"/staff/schedule/hours/{block.pk}/delete/").status_code == 302
    assert client.post(f"/staff/schedule/time-off/{absence.pk}/delete/").status_code == 302
    assert not chiro.hours.exists() and not chiro.time_off.exists()


@pytest.mark.parametrize(
    ("role", "booking", "schedule"),
    [
        ("Front desk", 200, 403),
        ("Chiropractor", 200, 403),
        ("Clinic admin", 200, 200),
        (None, 403, 403),
    ],
)
def test_every_role_on_the_booking_and_schedule_pages(client, role, booking, schedule) -> None:
    chiro = make_profile()
    submission = make_case()
    sign_in(client, make_staff("someone", role))
    assert client.get(f"/staff/submissions/{submission.reference}/consult/").status_code == booking
    assert client.get("/staff/agenda/").status_code == booking
    assert client.get("/staff/schedule/").status_code == schedule
    assert client.get(f"/staff/schedule/{chiro.pk}/").status_code == schedule


def test_a_missing_submission_is_404_for_staff_who_may_book(client) -> None:
    sign_in(client, make_front_desk())
    assert client.get("/staff/submissions/NOSUCHREF/consult/").status_code == 404
