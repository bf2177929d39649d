"""Patient emails about consults, with calendar invitations. No health data in any of them."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from intake.models import Submission

from .models import Consult

PRODID = "-//Heel Pain Clinic//Consults//EN"


def calendar_invitation(consult: Consult, *, method: str) -> bytes:
    """An iCalendar REQUEST (new or moved) or CANCEL for one consult, in the clinic's zone."""
    zone = ZoneInfo(settings.TIME_ZONE)
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
    event.add("location", vText(clinic_location()))
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


def clinic_location() -> str:
    """The clinic's name and address on one line, as calendars show a LOCATION."""
    lines = [settings.CLINIC_NAME, *settings.CLINIC_ADDRESS.splitlines()]
    return ", ".join(line.strip() for line in lines if line.strip())


def _subject(plain: str, with_name: str) -> str:
    """A subject (or calendar summary) naming the clinic only when it chooses so: on a shared
    screen or lock screen, a clinic's name can itself say something about a patient's health."""
    if settings.CLINIC_NAME_IN_SUBJECTS:
        return with_name % {"clinic": settings.CLINIC_NAME}
    return plain


def _context(submission: Submission, **extra: Any) -> dict[str, Any]:
    return {
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "clinic_email": settings.CLINIC_EMAIL,
        "clinic_address": settings.CLINIC_ADDRESS,
        "clinic_directions": settings.CLINIC_DIRECTIONS,
        "cutoff_hours": settings.CLINIC_CANCEL_CUTOFF_HOURS,
        **extra,
    }


def _send(
    submission: Submission,
    *,
    subject: str,
    template: str,
    context: dict[str, Any],
    ics: bytes | None = None,
    method: str = "REQUEST",
) -> None:
    body = render_to_string(f"consults/email/{template}.txt", context)
    message = EmailMultiAlternatives(
        subject=subject, body=body, to=[submission.email], from_email=settings.DEFAULT_FROM_EMAIL
    )
    if ics is not None:
        message.attach("invite.ics", ics, f"text/calendar; charset=utf-8; method={method}")
    message.send()


def _when(moment: datetime) -> datetime:
    return timezone.localtime(moment)


def send_confirmation(consult: Consult, *, manage_url: str) -> None:
    submission = consult.submission
    with translation.override(submission.language):
        _send(
            submission,
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


def send_rescheduled(consult: Consult, *, previous: datetime, manage_url: str) -> None:
    submission = consult.submission
    with translation.override(submission.language):
        _send(
            submission,
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


def send_cancelled(consult: Consult) -> None:
    submission = consult.submission
    with translation.override(submission.language):
        _send(
            submission,
            subject=_subject(
                _("Your appointment is cancelled"),
                _("Your appointment at %(clinic)s is cancelled"),
            ),
            template="cancelled",
            context=_context(submission, consult=consult, starts=_when(consult.starts_at)),
            ics=calendar_invitation(consult, method="CANCEL"),
            method="CANCEL",
        )


def send_reminder(consult: Consult, *, manage_url: str) -> None:
    submission = consult.submission
    with translation.override(submission.language):
        _send(
            submission,
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


def send_booking_link(submission: Submission, *, url: str) -> None:
    with translation.override(submission.language):
        _send(
            submission,
            subject=_subject(_("Book your appointment"), _("Book your appointment at %(clinic)s")),
            template="booking_link",
            context=_context(submission, url=url, link_days=settings.CLINIC_BOOKING_LINK_DAYS),
        )


def send_clinic_notice(consult: Consult, *, cancelled: bool, staff_url: str) -> None:
    """Tell the front desk that a patient cancelled or moved their consult: the reference and a
    link to the case only, never the patient's name or reasons."""
    body = render_to_string(
        "consults/email/clinic_notice.txt",
        {"reference": consult.submission.reference, "cancelled": cancelled, "url": staff_url},
    )
    subject = _("A patient cancelled a consult") if cancelled else _("A patient moved a consult")
    EmailMultiAlternatives(
        subject=subject,
        body=body,
        to=[settings.CLINIC_INBOX_EMAIL],
        from_email=settings.DEFAULT_FROM_EMAIL,
    ).send()
