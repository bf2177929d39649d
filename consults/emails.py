"""Patient emails about consults, with calendar invitations. No health data in any of them.

Each is rendered now and queued in the outbox (outbox.sending.enqueue) within the caller's
transaction; the worker sends it. The key names the consult and its invitation sequence, so
each booking, move or cancellation is one email however often a task runs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from intake.models import Submission
from outbox.models import Message
from outbox.sending import enqueue, key_digest

from .models import Consult, Location

PRODID = "-//Heel Pain Clinic//Consults//EN"


def calendar_invitation(consult: Consult, *, method: str) -> bytes:
    """An iCalendar REQUEST (new or moved) or CANCEL for one consult, in its location's zone."""
    zone = ZoneInfo(consult.location.time_zone or settings.TIME_ZONE)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", consult.ics_uid)
    event.add("sequence", consult.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", consult.starts_at.astimezone(zone))
    event.add("dtend", consult.ends_at.astimezone(zone))
    event.add("summary", _subject(_("Appointment"), _("Appointment at %(clinic)s")))
    event.add("location", vText(clinic_location(consult.location)))
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{settings.DEFAULT_FROM_EMAIL}")
    organizer.params["cn"] = vText(settings.CLINIC_NAME)
    event["organizer"] = organizer
    attendee = vCalAddress(f"mailto:{consult.submission.email}")
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    event.add("attendee", attendee)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def clinic_location(location: Location | None = None) -> str:
    """The clinic's name and the location's address on one line, as calendars show a LOCATION
    (the settings' address when the location has none)."""
    address = (location.address if location else "") or settings.CLINIC_ADDRESS
    name = settings.CLINIC_NAME
    if location is not None and location.name != name:
        name = f"{name} {location.name}"
    lines = [name, *address.splitlines()]
    return ", ".join(line.strip() for line in lines if line.strip())


def _subject(plain: str, with_name: str) -> str:
    """A subject (or calendar summary) naming the clinic only when it chooses so: on a shared
    screen or lock screen, a clinic's name can itself say something about a patient's health."""
    if settings.CLINIC_NAME_IN_SUBJECTS:
        return with_name % {"clinic": settings.CLINIC_NAME}
    return plain


def _context(submission: Submission, **extra: Any) -> dict[str, Any]:
    consult = extra.get("consult")
    return {
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "clinic_email": settings.CLINIC_EMAIL,
        "clinic_address": settings.CLINIC_ADDRESS,
        "clinic_directions": settings.CLINIC_DIRECTIONS,
        "cutoff_hours": settings.CLINIC_CANCEL_CUTOFF_HOURS,
        # A consult's email gives its location's address and phone.
        **(consult.location.contact() if isinstance(consult, Consult) else {}),
        **extra,
    }


def _send(
    submission: Submission,
    *,
    kind: str,
    key: str,
    subject: str,
    template: str,
    context: dict[str, Any],
    ics: bytes | None = None,
    method: str = "REQUEST",
) -> Message:
    body = render_to_string(f"consults/email/{template}.txt", context)
    attachments = []
    if ics is not None:
        content_type = f"text/calendar; charset=utf-8; method={method}"
        attachments.append(("invite.ics", ics.decode(), content_type))
    return enqueue(
        kind=kind,
        key=key,
        to=submission.email,
        subject=subject,
        body=body,
        submission_id=submission.pk,
        attachments=attachments,
    )


def _consult_key(consult: Consult, what: str) -> str:
    return f"consult:{consult.pk}:{consult.sequence}:{what}"


def _when(moment: datetime) -> datetime:
    return timezone.localtime(moment)


def send_confirmation(consult: Consult, *, manage_url: str) -> Message:
    submission = consult.submission
    with translation.override(submission.language):
        return _send(
            submission,
            kind=Message.Kind.BOOKING_CONFIRMATION,
            key=_consult_key(consult, "confirmation"),
            subject=_subject(_("Your appointment"), _("Your appointment at %(clinic)s")),
            template="confirmation",
            context=_context(
                submission,
                consult=consult,
                starts=_when(consult.starts_at),
                manage_url=manage_url,
            ),
            ics=calendar_invitation(consult, method="REQUEST"),
        )


def send_rescheduled(consult: Consult, *, previous: datetime, manage_url: str) -> Message:
    submission = consult.submission
    with translation.override(submission.language):
        return _send(
            submission,
            kind=Message.Kind.BOOKING_MOVED,
            key=_consult_key(consult, "moved"),
            subject=_subject(
                _("Your appointment has moved"), _("Your appointment at %(clinic)s has moved")
            ),
            template="rescheduled",
            context=_context(
                submission,
                consult=consult,
                starts=_when(consult.starts_at),
                previous=_when(previous),
                manage_url=manage_url,
            ),
            ics=calendar_invitation(consult, method="REQUEST"),
        )


def send_cancelled(consult: Consult) -> Message:
    submission = consult.submission
    with translation.override(submission.language):
        return _send(
            submission,
            kind=Message.Kind.BOOKING_CANCELLED,
            key=_consult_key(consult, "cancelled"),
            subject=_subject(
                _("Your appointment is cancelled"),
                _("Your appointment at %(clinic)s is cancelled"),
            ),
            template="cancelled",
            context=_context(submission, consult=consult, starts=_when(consult.starts_at)),
            ics=calendar_invitation(consult, method="CANCEL"),
            method="CANCEL",
        )


def send_reminder(consult: Consult, *, manage_url: str) -> Message:
    submission = consult.submission
    with translation.override(submission.language):
        return _send(
            submission,
            kind=Message.Kind.REMINDER,
            key=_consult_key(consult, "reminder"),
            subject=_subject(
                _("Reminder: your appointment"), _("Reminder: your appointment at %(clinic)s")
            ),
            template="reminder",
            context=_context(
                submission,
                consult=consult,
                starts=_when(consult.starts_at),
                manage_url=manage_url,
                can_change=consult.patient_can_change(),
            ),
        )


def send_booking_link(submission: Submission, *, url: str) -> Message:
    with translation.override(submission.language):
        return _send(
            submission,
            kind=Message.Kind.BOOKING_LINK,
            # Each link sent is its own message; the same link twice (a double click) is one.
            key=f"submission:{submission.pk}:booking-link:{key_digest(url)}",
            subject=_subject(_("Book your appointment"), _("Book your appointment at %(clinic)s")),
            template="booking_link",
            context=_context(submission, url=url, link_days=settings.CLINIC_BOOKING_LINK_DAYS),
        )


def send_clinic_notice(consult: Consult, *, cancelled: bool, staff_url: str) -> Message:
    """Tell the front desk that a patient cancelled or moved their consult: the reference and a
    link to the case only, never the patient's name or reasons."""
    body = render_to_string(
        "consults/email/clinic_notice.txt",
        {"reference": consult.submission.reference, "cancelled": cancelled, "url": staff_url},
    )
    subject = _("A patient cancelled a consult") if cancelled else _("A patient moved a consult")
    return enqueue(
        kind=Message.Kind.CLINIC_NOTICE,
        key=_consult_key(
            consult, "clinic-notice-cancelled" if cancelled else "clinic-notice-moved"
        ),
        to=settings.CLINIC_INBOX_EMAIL,
        subject=subject,
        body=body,
        submission_id=consult.submission_id,
    )


def send_patients_to_call(
    consults: list[Consult], *, staff_url: Callable[[Consult], str]
) -> Message:
    """After a schedule change over booked consults: the references, times and links to call
    each patient; never a name."""
    items = [
        {
            "reference": c.submission.reference,
            "when": date_format(_when(c.starts_at), "SHORT_DATETIME_FORMAT"),
            "url": staff_url(c),
        }
        for c in consults
    ]
    body = render_to_string("consults/email/patients_to_call.txt", {"items": items})
    return enqueue(
        kind=Message.Kind.CLINIC_NOTICE,
        # One list per confirmed change.
        key="patients-to-call:" + key_digest(timezone.now().isoformat(), *[c.pk for c in consults]),
        to=settings.CLINIC_INBOX_EMAIL,
        subject=_("Patients to call after a schedule change"),
        body=body,
    )
