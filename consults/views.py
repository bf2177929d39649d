"""Patient pages: booking through a signed link, and cancelling or moving from the email."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic import ratelimit
from intake.models import Submission

from .booking import (
    BookingNotAllowed,
    SlotTaken,
    book_consult,
    cancel_consult,
    consult_from_manage_token,
    manage_path,
    read_booking_token,
    reschedule_consult,
)
from .forms import PatientCancelForm, parse_slot
from .locations import active_locations
from .models import Chiropractor, Consult, Location
from .slots import Slot, booking_days, free_slots

REPEATED_CLICK_WINDOW = timedelta(minutes=10)


def link_invalid(request: HttpRequest) -> HttpResponse:
    # One page for forged, expired and spent links: it says nothing about which.
    return render(request, "consults/link_invalid.html", status=404)


def link_used(request: HttpRequest, consult: Consult, *, status: int = 200) -> HttpResponse:
    """A booking link opened again after it booked a consult that still stands: the booking."""
    return render(
        request,
        "consults/link_used.html",
        {
            "consult": consult,
            "manage_url": manage_path(consult) if consult.ends_at > timezone.now() else None,
            **consult.location.contact(),
        },
        status=status,
    )


def _days_with_slots(
    chiropractors: list[Chiropractor],
    *,
    exclude: Consult | None = None,
    location: Location | None = None,
) -> dict[date, list[Slot]]:
    days = booking_days()
    by_day: dict[date, list[Slot]] = {}
    for chiropractor in chiropractors:
        for slot in free_slots(chiropractor, days[0], days[-1], exclude=exclude, location=location):
            by_day.setdefault(timezone.localdate(slot.starts_at), []).append(slot)
    return {day: sorted(slots, key=lambda s: s.starts_at) for day, slots in sorted(by_day.items())}


def _chosen_day(
    request: HttpRequest, by_day: dict[date, list[Slot]], prefer: date | None = None
) -> date | None:
    try:
        wanted: date | None = date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        wanted = prefer
    if wanted in by_day:
        return wanted
    return next(iter(by_day), None)


def _slot_page(
    request: HttpRequest,
    *,
    template: str,
    chiropractors: list[Chiropractor],
    exclude: Consult | None = None,
    location: Location | None = None,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    by_day = _days_with_slots(chiropractors, exclude=exclude, location=location)
    taken = parse_slot(request.POST.get("slot", "")) if request.method == "POST" else None
    # After "just taken", stay on the day the patient was looking at.
    day = _chosen_day(request, by_day, timezone.localdate(taken[1]) if taken else None)
    return render(
        request,
        template,
        {
            "by_day": by_day,
            "day": day,
            "slots": by_day.get(day, []) if day else [],
            "show_names": len(chiropractors) > 1,
            # The day links and the form keep the chosen location (several locations only).
            "location_query": (
                f"location={location.pk}&" if location and extra.get("several_locations") else ""
            ),
            **(location.contact() if location else {}),
            **extra,
        },
        status=status,
    )


def _bookable_chiropractors() -> list[Chiropractor]:
    return list(Chiropractor.objects.filter(is_active=True))


def _chosen_location(request: HttpRequest) -> tuple[Location | None, list[Location]]:
    """The location the patient chose (`?location=`), or None while there is a choice to make;
    with one location it is that one, with no step to choose it."""
    locations = active_locations()
    if len(locations) <= 1:
        return (locations[0] if locations else None), locations
    wanted = request.GET.get("location", "")
    return next((place for place in locations if str(place.pk) == wanted), None), locations


def _book_page(request: HttpRequest, token: str, **extra: Any) -> HttpResponse:
    """The booking page: first the location (when there are several), then the times."""
    location, locations = _chosen_location(request)
    if location is None and len(locations) > 1:
        status = extra.get("status", 200)
        return render(
            request,
            "consults/choose_location.html",
            {"locations": [(place, place.contact()) for place in locations], "token": token},
            status=status,
        )
    return _slot_page(
        request,
        template="consults/book.html",
        chiropractors=_bookable_chiropractors(),
        location=location,
        token=token,
        several_locations=len(locations) > 1,
        **extra,
    )


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, token: str) -> HttpResponse:
    state = read_booking_token(token)
    if state is None:
        return link_invalid(request)
    existing = state.booked or Consult.objects.active().filter(submission=state.submission).first()
    if existing is not None:
        if request.method == "POST" and _repeated_click(request, existing):
            # A second click on the same time: show the booking the first click made.
            return redirect(manage_path(existing))
        # The link has been used (or staff booked meanwhile): say what is booked.
        return link_used(request, existing, status=409 if request.method == "POST" else 200)
    if request.method == "POST":
        return _book_post(request, token, state.submission)
    return _book_page(request, token)


def _repeated_click(request: HttpRequest, consult: Consult) -> bool:
    """A post of the very slot this link booked, moments ago: a double click, not a reuse.

    Anything else on a used link shows what was booked, with the manage link: the booking link
    went to the same inbox as the manage link, so it reveals nothing the inbox does not hold.
    """
    parsed = parse_slot(request.POST.get("slot", ""))
    return (
        parsed is not None
        and parsed == (consult.chiropractor_id, consult.starts_at)
        and timezone.now() - consult.booked_at < REPEATED_CLICK_WINDOW
    )


def _book_post(request: HttpRequest, token: str, submission: Submission) -> HttpResponse:
    ratelimit.check(request, "booking")
    parsed = parse_slot(request.POST.get("slot", ""))
    chiropractor = (
        Chiropractor.objects.filter(pk=parsed[0], is_active=True).first() if parsed else None
    )
    if parsed is None or chiropractor is None:
        return _book_page(request, token, status=400, choose_again=True)
    try:
        result = book_consult(
            submission=submission, chiropractor=chiropractor, starts_at=parsed[1], by=None
        )
    except BookingNotAllowed:
        return link_invalid(request)
    if isinstance(result, SlotTaken):
        return _book_page(request, token, status=409, slot_taken=True)
    return redirect(
        f"{_manage_url(result.consult)}?booked=1" if result.created else _manage_url(result.consult)
    )


def _manage_url(consult: Consult) -> str:
    return manage_path(consult)


@login_not_required
@never_cache
@require_GET
def manage(request: HttpRequest, token: str) -> HttpResponse:
    consult = consult_from_manage_token(token)
    if consult is None:
        return link_invalid(request)
    return render(
        request,
        "consults/manage.html",
        {
            "consult": consult,
            "token": token,
            "can_change": consult.patient_can_change(),
            "just_booked": request.GET.get("booked") == "1",
            "cancel_form": PatientCancelForm(),
            **consult.location.contact(),
        },
    )


@login_not_required
@never_cache
@require_POST
def manage_cancel(request: HttpRequest, token: str) -> HttpResponse:
    consult = consult_from_manage_token(token)
    if consult is None:
        return link_invalid(request)
    if not consult.patient_can_change():
        return redirect("consults:manage", token=token)
    form = PatientCancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    cancel_consult(consult=consult, by=None, reason=reason or "Cancelled by the patient")
    return render(request, "consults/cancelled.html")


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def manage_reschedule(request: HttpRequest, token: str) -> HttpResponse:
    consult = consult_from_manage_token(token)
    if consult is None:
        return link_invalid(request)
    if not consult.patient_can_change():
        return redirect("consults:manage", token=token)

    def page(status: int = 200, **extra: Any) -> HttpResponse:
        return _slot_page(
            request,
            template="consults/reschedule.html",
            chiropractors=[consult.chiropractor],
            exclude=consult,
            location=consult.location,
            status=status,
            consult=consult,
            token=token,
            **extra,
        )

    if request.method != "POST":
        return page()
    parsed = parse_slot(request.POST.get("slot", ""))
    if parsed is None or parsed[0] != consult.chiropractor_id:
        return page(400, choose_again=True)
    result = reschedule_consult(consult=consult, starts_at=parsed[1], by=None)
    if isinstance(result, SlotTaken):
        return page(409, slot_taken=True)
    return redirect(f"{_manage_url(result.consult)}?booked=1")
