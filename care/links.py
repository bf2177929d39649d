"""The patient's signed links: the treatment plan, the check after a session, and the outcome
check-in (docs/care.md#outcomes).

Each kind of link has its own salt (one can never be used as the other) and carries a random
key, never an id. clinic/logs.py masks their tokens in log lines.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from clinic.links import absolute_url

from .models import NeedlingSession, OutcomeCheckIn, TreatmentPlan

PLAN_SALT = "care.plan-link"
CHECK_SALT = "care.check-link"
CHECKIN_SALT = "care.checkin-link"
# The latest a check-in is due after its link is signed (the 12-week one, signed at the start).
CHECKIN_LONGEST_WAIT = timedelta(weeks=13)


def plan_token(plan: TreatmentPlan) -> str:
    return signing.dumps({"k": plan.link_key}, salt=PLAN_SALT, compress=True)


def plan_from_token(token: str) -> TreatmentPlan | None:
    try:
        data = signing.loads(
            token,
            salt=PLAN_SALT,
            max_age=timedelta(days=settings.CLINIC_CARE_PLAN_LINK_DAYS),
        )
        return TreatmentPlan.objects.select_related("submission").get(
            link_key=data["k"], submission__anonymised_at__isnull=True
        )
    except (signing.BadSignature, KeyError, TypeError, TreatmentPlan.DoesNotExist):
        return None


def check_token(session: NeedlingSession) -> str:
    return signing.dumps({"k": session.check_key}, salt=CHECK_SALT, compress=True)


def session_from_check_token(token: str) -> NeedlingSession | None:
    # Valid from the session on: the email goes two days later, the link lasts some days more.
    max_age = timedelta(
        hours=settings.CLINIC_AFTERCARE_CHECK_HOURS,
        days=settings.CLINIC_AFTERCARE_CHECK_LINK_DAYS,
    )
    try:
        data = signing.loads(token, salt=CHECK_SALT, max_age=max_age)
        return NeedlingSession.objects.select_related("submission").get(
            check_key=data["k"], submission__anonymised_at__isnull=True
        )
    except (signing.BadSignature, KeyError, TypeError, NeedlingSession.DoesNotExist):
        return None


def plan_url(plan: TreatmentPlan) -> str:
    return absolute_url(reverse("care:plan", args=[plan_token(plan)]))


def check_url(session: NeedlingSession) -> str:
    return absolute_url(reverse("care:check", args=[check_token(session)]))


def checkin_token(checkin: OutcomeCheckIn) -> str:
    return signing.dumps({"k": checkin.link_key}, salt=CHECKIN_SALT, compress=True)


def checkin_from_token(token: str) -> OutcomeCheckIn | None:
    """The check-in of a valid link: signed by us, and no more than CLINIC_CHECKIN_LINK_DAYS
    past the check-in's own due time (a 12-week link is signed weeks before it is sent)."""
    days = timedelta(days=settings.CLINIC_CHECKIN_LINK_DAYS)
    try:
        data = signing.loads(token, salt=CHECKIN_SALT, max_age=CHECKIN_LONGEST_WAIT + days)
        checkin = OutcomeCheckIn.objects.select_related("submission", "plan").get(
            link_key=data["k"], submission__anonymised_at__isnull=True
        )
    except (signing.BadSignature, KeyError, TypeError, OutcomeCheckIn.DoesNotExist):
        return None
    if timezone.now() > checkin.due_at + days:
        return None
    return checkin


def checkin_url(checkin: OutcomeCheckIn) -> str:
    return absolute_url(reverse("care:checkin", args=[checkin_token(checkin)]))
