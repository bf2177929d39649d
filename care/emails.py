"""Patient emails about care: the plan, aftercare after each session, and the check two days
later. Each is rendered now in the patient's language and queued in the outbox within the
caller's transaction; its key names the plan version or session, so each goes once.
Subjects say nothing about health."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clinic import dates
from consults.models import Consult
from outbox.models import Message
from outbox.sending import enqueue

from . import exercises
from .links import check_url, checkin_url, plan_url
from .models import NeedlingSession, OutcomeCheckIn, PlanVersion


def _subject(plain: str, with_name: str) -> str:
    # As consults/emails.py: the clinic's name only when the clinic chooses so.
    if settings.CLINIC_NAME_IN_SUBJECTS:
        return with_name % {"clinic": settings.CLINIC_NAME}
    return plain


def _context(**extra: Any) -> dict[str, Any]:
    return {
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "emergency_number": settings.CLINIC_EMERGENCY_NUMBER,
        **extra,
    }


def send_plan(version: PlanVersion) -> Message:
    plan = version.plan
    submission = plan.submission
    with translation.override(submission.language):
        body = render_to_string(
            "care/email/plan.txt",
            _context(
                version=version,
                url=plan_url(plan),
                exercises=exercises.chosen(version.exercises),
                review_on=dates.long_date(version.review_on),
            ),
        )
        return enqueue(
            kind=Message.Kind.CARE_PLAN,
            key=f"care-plan:{plan.pk}:v{version.number}",
            to=submission.email,
            subject=_subject(_("Your plan"), _("Your plan from %(clinic)s")),
            body=body,
            submission_id=submission.pk,
        )


def send_aftercare(session: NeedlingSession, *, next_consult: Consult | None) -> Message:
    submission = session.submission
    with translation.override(submission.language):
        body = render_to_string(
            "care/email/aftercare.txt",
            _context(
                next_at=dates.when(timezone.localtime(next_consult.starts_at))
                if next_consult
                else None,
            ),
        )
        return enqueue(
            kind=Message.Kind.AFTERCARE,
            key=f"care-session:{session.pk}:aftercare",
            to=submission.email,
            subject=_subject(
                _("After your appointment"), _("After your appointment at %(clinic)s")
            ),
            body=body,
            submission_id=submission.pk,
        )


def send_check(session: NeedlingSession) -> Message:
    """Queued now, sent CLINIC_AFTERCARE_CHECK_HOURS later by the worker."""
    submission = session.submission
    with translation.override(submission.language):
        body = render_to_string("care/email/check.txt", _context(url=check_url(session)))
        return enqueue(
            kind=Message.Kind.AFTERCARE_CHECK,
            key=f"care-session:{session.pk}:check",
            to=submission.email,
            subject=_subject(_("How are you?"), _("How are you? A question from %(clinic)s")),
            body=body,
            submission_id=submission.pk,
            send_after=timezone.now() + timedelta(hours=settings.CLINIC_AFTERCARE_CHECK_HOURS),
        )


def send_checkin(checkin: OutcomeCheckIn, *, reminder: bool = False) -> Message:
    """The outcome check-in, sent when it is due (send_after), or its one reminder (queued by
    care.outcomes.remind at send time, only if still unanswered)."""
    submission = checkin.submission
    with translation.override(submission.language):
        body = render_to_string(
            "care/email/checkin.txt", _context(url=checkin_url(checkin), reminder=reminder)
        )
        return enqueue(
            kind=Message.Kind.OUTCOME_REMINDER if reminder else Message.Kind.OUTCOME_CHECKIN,
            key=f"care-checkin:{checkin.pk}:{'reminder' if reminder else 'invite'}",
            to=submission.email,
            subject=_subject(
                _("A few questions about your progress"),
                _("A few questions about your progress from %(clinic)s"),
            ),
            body=body,
            submission_id=submission.pk,
            send_after=None if reminder else checkin.due_at,
        )
