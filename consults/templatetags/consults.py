"""Panels the consults app puts on other apps' pages: today's consults, booking, self-booking."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import prefetch_related_objects

from clinic import dates
from intake.models import Submission

from ..agenda import coming_today
from ..booking import booking_block_reason, booking_path, manage_path
from ..locations import places_for
from ..models import Consult

register = template.Library()

# Dates as people write them in each language: the formats live in clinic/dates.py.


@register.filter(expects_localtime=True)
def long_day(value: Any) -> str:
    return dates.long_day(value or None)


@register.filter(expects_localtime=True)
def long_date(value: Any) -> str:
    return dates.long_date(value or None)


@register.filter(expects_localtime=True)
def when(value: Any) -> str:
    return dates.when(value or None)


@register.filter(expects_localtime=True)
def short_day(value: Any) -> str:
    return dates.short_day(value or None)


@register.filter(expects_localtime=True)
def clock(value: Any) -> str:
    return dates.clock(value or None)


def _limited_locations(user: Any) -> list[int] | None:
    """The locations a limited staff member sees today's consults at; None: everywhere."""
    return places_for(user).limited


@register.inclusion_tag("consults/_today_list.html", takes_context=True)
def todays_consults(context: dict[str, Any]) -> dict[str, Any]:
    user = context.get("user")
    if user is None or not user.has_perm("consults.view_consult"):
        return {"show": False}
    consults, more = coming_today(_limited_locations(user))
    return {
        "show": True,
        "consults": consults,
        "more": more,
        "can_manage": user.has_perm("consults.manage_availability"),
    }


@register.inclusion_tag("consults/_submission_panel_inner.html", takes_context=True)
def consult_panel(context: dict[str, Any], submission: Submission) -> dict[str, Any]:
    user = context.get("user")
    if user is None or not user.has_perm("consults.book_consult"):
        return {"show": False}
    return {
        "show": True,
        "submission": submission,
        "consult": Consult.objects.still_to_come().filter(submission=submission).first(),
        "block_reason": booking_block_reason(submission),
    }


@register.simple_tag
def booked_consult(submission: Submission | None) -> Consult | None:
    """The consult a submission has booked and still has, for the patient's own pages.

    The case's consults are read once and kept on it: the booking link counts them too."""
    if submission is None:
        return None
    prefetch_related_objects([submission], "consults")
    active = (c for c in submission.consults.all() if c.status == Consult.Status.ACTIVE)
    return next(active, None)


@register.inclusion_tag("consults/_book_offer_inner.html", takes_context=True)
def booking_offer(context: template.Context, submission: Submission | None) -> dict[str, Any]:
    """On the confirmation page: the booked consult with its manage link (after a reload too),
    or 'Book your consult' for a patient who may book straight away (eligible, no consult)."""
    shared = {key: context.get(key) for key in ("clinic_name", "clinic_address", "clinic_phone")}
    shared["clinic_directions"] = context.get("clinic_directions")
    # The confirmation page has looked it up already ({% booked_consult ... as booked %}):
    # one query fewer on a page every patient sees.
    consult = context["booked"] if "booked" in context else booked_consult(submission)
    if consult is not None:
        return {
            **shared,
            **consult.location.contact(),
            "consult": consult,
            "manage_url": manage_path(consult),
            "url": None,
        }
    if (
        submission is None
        or booking_block_reason(submission) is not None
        or submission.outcome != "eligible"
    ):
        return {"url": None}
    return {"url": booking_path(submission)}
