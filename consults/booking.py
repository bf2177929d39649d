"""Who may be booked, and booking, moving and cancelling consults (each audited, each emailed:
the email is queued in the same transaction and sent by the worker, docs/tasks.md)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic.links import absolute_url
from intake import audit, workflow
from intake.models import FINAL_STATUSES, Outcome, Submission, User

from . import emails
from .models import Chiropractor, Consult, new_manage_key
from .slots import find_free_slot

logger = logging.getLogger(__name__)

# Each kind of link has its own salt, so one can never be used as the other.
BOOKING_SALT = "consults.booking-link"
MANAGE_SALT = "consults.manage-link"


class BookingNotAllowed(Exception):
    """The booking gate said no; the message says why, for staff and patients alike."""


@dataclass(frozen=True)
class Booked:
    consult: Consult
    created: bool  # False when the submission already had this consult (a double click)


@dataclass(frozen=True)
class SlotTaken:
    """Someone else booked the slot between viewing and booking."""


def consult_kind(submission: Submission) -> str:
    """The kind of consult a submission may have, once the gate lets it through."""
    if submission.outcome in (Outcome.NO_NEEDLING, Outcome.URGENT, Outcome.REFER):
        return Consult.Kind.NO_NEEDLING
    return Consult.Kind.DRY_NEEDLING


def booking_block_reason(submission: Submission) -> str | None:
    """Why this submission cannot be booked yet, or None when it can."""
    if submission.anonymised_at is not None or submission.status in FINAL_STATUSES:
        return _("This case is closed, so no consult can be booked.")
    outcome = submission.outcome
    if outcome == Outcome.ELIGIBLE:
        return None
    if outcome == Outcome.REVIEW and not submission.cleared_for_consult:
        return _("A chiropractor must review and clear this case before a consult is booked.")
    if outcome == Outcome.NO_NEEDLING and not submission.cleared_for_consult:
        return _(
            "Dry needling is not suitable for this patient. A chiropractor must clear the case "
            "for a consult without needling first."
        )
    if outcome in (Outcome.URGENT, Outcome.REFER) and not (
        submission.cleared_for_consult and submission.clearance_reason.strip()
    ):
        return _(
            "Urgent and referral cases can be booked only after a chiropractor has cleared them "
            "with a reason."
        )
    return None


# Links -------------------------------------------------------------------------------------


def booking_token(submission: Submission) -> str:
    # "n": consults the case had when the link was made; one booking through it uses it up.
    payload = {"r": submission.reference, "n": submission.consults.count()}
    return signing.dumps(payload, salt=BOOKING_SALT, compress=True)


@dataclass(frozen=True)
class BookingLink:
    """What a booking link leads to: the case, and the consult it booked once it has been used."""

    submission: Submission
    booked: Consult | None = None


def read_booking_token(token: str) -> BookingLink | None:
    """The case a booking link is for, or None when it is forged, expired or spent.

    A link used for a consult that is still booked comes back with that consult: the patient
    who opens it again sees the booking, not an error. Once that consult is cancelled or moved
    to another, the link is spent: staff send a new one.
    """
    try:
        data = signing.loads(
            token, salt=BOOKING_SALT, max_age=timedelta(days=settings.CLINIC_BOOKING_LINK_DAYS)
        )
        submission = Submission.objects.get(reference=data["r"])
        issued_with = int(data["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, Submission.DoesNotExist):
        return None
    if booking_block_reason(submission) is not None:
        return None
    made = submission.consults.count()
    if made == issued_with:
        return BookingLink(submission)
    active = list(Consult.objects.active().filter(submission=submission)[:2])
    if made == issued_with + 1 and len(active) == 1:
        return BookingLink(submission, booked=active[0])
    return None


def submission_from_booking_token(token: str) -> Submission | None:
    """The submission a booking link is for (unused, or used for the consult still booked)."""
    state = read_booking_token(token)
    return state.submission if state is not None else None


def manage_token(consult: Consult) -> str:
    return signing.dumps({"k": consult.manage_key}, salt=MANAGE_SALT, compress=True)


def consult_from_manage_token(token: str) -> Consult | None:
    """The consult a cancel/reschedule link is for, while it is active, not yet over, and the
    link current (moving the consult replaces the key, so older links stop working)."""
    try:
        data = signing.loads(token, salt=MANAGE_SALT)
        consult = Consult.objects.select_related("chiropractor", "submission", "location").get(
            manage_key=data["k"], status=Consult.Status.ACTIVE, ends_at__gt=timezone.now()
        )
    except (signing.BadSignature, KeyError, TypeError, Consult.DoesNotExist):
        return None
    return consult


# Workflows ---------------------------------------------------------------------------------


def book_consult(
    *,
    submission: Submission,
    chiropractor: Chiropractor,
    starts_at: datetime,
    by: User | None,
    kind: str | None = None,
    minutes: int | None = None,
    session: tuple[int, int] | None = None,
) -> Booked | SlotTaken:
    """Book a consult in a free slot. `by` is None when the patient books through a link.

    `minutes` overrides the chiropractor's consult length (a needling session's length comes
    from the plan); `session` is (number, planned) for a needling session of a course.

    Raises BookingNotAllowed when the gate refuses the case. The database has the last word
    on the slot: a booking that loses a race comes back as SlotTaken.
    """
    starts_at = starts_at.astimezone(UTC)
    reason = booking_block_reason(submission)
    if reason is not None:
        raise BookingNotAllowed(reason)
    kind = kind or consult_kind(submission)
    if kind == Consult.Kind.DRY_NEEDLING and consult_kind(submission) != kind:
        raise BookingNotAllowed(_("This case may have a consult without needling only."))
    existing = Consult.objects.still_to_come().filter(submission=submission).first()
    if existing is not None:
        return Booked(existing, created=False)
    slot = find_free_slot(chiropractor, starts_at)
    if slot is None or slot.location is None:
        return SlotTaken()
    try:
        with transaction.atomic():
            consult = Consult.objects.create(
                chiropractor=chiropractor,
                location=slot.location,
                submission=submission,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=minutes or chiropractor.consult_minutes),
                kind=kind,
                booked_by=by,
                session_number=session[0] if session else None,
                sessions_planned=session[1] if session else None,
            )
            workflow.consult_booked(
                submission=submission,
                consult_id=consult.pk,
                location_id=slot.location.pk,
                by=by,
                chiropractor=chiropractor.pk,
                kind=kind,
            )
            emails.send_confirmation(consult, manage_url=absolute_url(manage_path(consult)))
    except IntegrityError:
        # Either the slot went to someone else, or this submission was booked a moment ago
        # (two clicks racing): show that booking rather than an error.
        existing = Consult.objects.still_to_come().filter(submission=submission).first()
        if existing is not None:
            return Booked(existing, created=False)
        return SlotTaken()
    return Booked(consult, created=True)


def reschedule_consult(
    *,
    consult: Consult,
    starts_at: datetime,
    by: User | None,
    chiropractor: Chiropractor | None = None,
    reason: str = "",
) -> Booked | SlotTaken:
    """Move a consult to another free slot (staff may change the chiropractor); same UID."""
    starts_at = starts_at.astimezone(UTC)
    chiropractor = chiropractor or consult.chiropractor
    slot = find_free_slot(chiropractor, starts_at, exclude=consult)
    if slot is None or slot.location is None:
        return SlotTaken()
    previous = consult.starts_at
    # A needling session keeps the length its plan gave it.
    length = (
        consult.ends_at - consult.starts_at
        if consult.kind == Consult.Kind.NEEDLING_SESSION
        else timedelta(minutes=chiropractor.consult_minutes)
    )
    try:
        with transaction.atomic():
            updated = Consult.objects.filter(pk=consult.pk, status=Consult.Status.ACTIVE).update(
                chiropractor=chiropractor,
                location=slot.location,
                starts_at=starts_at,
                ends_at=starts_at + length,
                sequence=F("sequence") + 1,
                manage_key=new_manage_key(),
                reminder_sent_at=None,
            )
            if not updated:
                return SlotTaken()
            workflow.consult_moved(
                submission=consult.submission,
                consult_id=consult.pk,
                location_id=slot.location.pk,
                by=by,
                reason=reason,
            )
            consult.refresh_from_db()
            emails.send_rescheduled(
                consult, previous=previous, manage_url=absolute_url(manage_path(consult))
            )
            if by is None:
                emails.send_clinic_notice(consult, cancelled=False, staff_url=staff_link(consult))
    except IntegrityError:
        return SlotTaken()
    return Booked(consult, created=False)


def cancel_consult(*, consult: Consult, by: User | None, reason: str) -> bool:
    """Cancel an active consult with a reason; False when it was already cancelled."""
    with transaction.atomic():
        now = timezone.now()
        updated = Consult.objects.filter(pk=consult.pk, status=Consult.Status.ACTIVE).update(
            status=Consult.Status.CANCELLED,
            cancelled_at=now,
            cancel_reason=reason.strip(),
            sequence=F("sequence") + 1,
        )
        if not updated:
            return False
        consult.refresh_from_db()
        workflow.consult_cancelled(
            submission=consult.submission, consult_id=consult.pk, by=by, reason=reason
        )
        emails.send_cancelled(consult)
        if by is None:
            emails.send_clinic_notice(consult, cancelled=True, staff_url=staff_link(consult))
    return True


def send_booking_invite(
    *, submission: Submission, by: User | None, audit_entry: bool = True
) -> bool:
    """Email a cleared patient a link to book; False (nothing sent) when the gate says no.

    `audit_entry=False` when the caller's own entry covers it (the chiropractor's clearance).
    """
    if booking_block_reason(submission) is not None:
        return False
    if Consult.objects.active().filter(submission=submission).exists():
        return False
    # Queued with its audit entry in one transaction; the worker sends it (docs/tasks.md).
    with transaction.atomic():
        emails.send_booking_link(submission, url=absolute_url(booking_path(submission)))
        if audit_entry:
            audit.record(audit.SENT_BOOKING_LINK, actor=by, submission=submission)
    return True


def staff_link(consult: Consult) -> str:
    return absolute_url(reverse("staff:submission", args=[consult.submission.reference]))


def booking_path(submission: Submission) -> str:
    return reverse("consults:book", args=[booking_token(submission)])


def manage_path(consult: Consult) -> str:
    return reverse("consults:manage", args=[manage_token(consult)])
