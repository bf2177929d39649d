"""Staff pages: booking from a submission, moving and cancelling, agenda, and availability."""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from intake import audit
from intake.models import Submission, User

from . import attendance, emails
from .agenda import agenda_consults
from .booking import (
    BookingNotAllowed,
    SlotTaken,
    book_consult,
    booking_block_reason,
    cancel_consult,
    consult_kind,
    reschedule_consult,
    send_booking_invite,
    staff_link,
)
from .forms import (
    CancelForm,
    ChiropractorForm,
    DayForm,
    TimeOffForm,
    WorkingHoursForm,
    is_sane_date,
    parse_slot,
)
from .locations import limited_to, locations_for, visible_submissions
from .models import Chiropractor, Consult, Location, TimeOff, WorkingHours
from .slots import find_free_slot, next_free_slot, week_of_slots

logger = logging.getLogger(__name__)

BOOK = "consults.book_consult"
VIEW_SUBMISSION = "intake.view_submission"
VIEW_CONSULT = "consults.view_consult"
MANAGE = "consults.manage_availability"


def _require(request: HttpRequest, *perms: str) -> None:
    if not request.user.has_perms(perms):
        raise PermissionDenied


def get_submission_for_booking(request: HttpRequest, reference: str) -> Submission:
    """The one way these views fetch a submission: 403 without booking rights, else 404."""
    _require(request, BOOK, VIEW_SUBMISSION)
    return get_object_or_404(
        visible_submissions(Submission.objects.all(), request.user),
        reference=reference.upper(),
        anonymised_at__isnull=True,
    )


def get_consult_for_staff(request: HttpRequest, pk: int) -> Consult:
    """A consult at one of the user's locations: 403 without booking rights, else 404."""
    _require(request, BOOK, VIEW_SUBMISSION)
    consults = Consult.objects.select_related("submission", "chiropractor", "location")
    allowed = limited_to(request.user)
    if allowed is not None:
        consults = consults.filter(location_id__in=allowed)
    return get_object_or_404(consults, pk=pk, submission__anonymised_at__isnull=True)


def _slot_allowed(request: HttpRequest, chiropractor: Chiropractor, starts_at: datetime) -> bool:
    """Whether a slot is at one of the user's locations (True when it is not free: the booking
    itself then says the time was taken)."""
    allowed = limited_to(request.user)
    if allowed is None:
        return True
    slot = find_free_slot(chiropractor, starts_at)
    return slot is None or (slot.location is not None and slot.location.pk in allowed)


def _staff_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _day_form(
    request: HttpRequest,
    chiropractor: Chiropractor | None = None,
    *,
    taken: tuple[int, datetime] | None = None,
    locations: list[Location],
) -> DayForm:
    """The chiropractor-and-day chooser: from the query, the day of a slot just taken, or else
    the chiropractor's next day with free times (never an empty Sunday). With several
    locations, a location too (docs/locations.md)."""
    chosen = chiropractor or Chiropractor.objects.filter(is_active=True).first()
    initial = {"day": timezone.localdate(), "chiropractor": chosen}
    if taken is not None:
        data = {"chiropractor": taken[0], "day": timezone.localdate(taken[1]).isoformat()}
        if "location" in request.GET:
            data["location"] = request.GET["location"]
        return DayForm(data, initial=initial, locations=locations)
    if "day" in request.GET:
        return DayForm(request.GET, initial=initial, locations=locations)
    only = locations[0] if len(locations) == 1 else None
    first = next_free_slot([chosen], location=only) if chosen is not None else None
    day = timezone.localdate(first.starts_at) if first else timezone.localdate()
    return DayForm(initial={"day": day, "chiropractor": chosen}, locations=locations)


def _slots_for(
    form: DayForm, locations: list[Location], *, exclude: Consult | None = None
) -> tuple[Any, Chiropractor | None, Location | None, list[Any]]:
    """The chosen day, chiropractor, location (when there is one to choose or only one) and
    the week of free times from that day."""
    location = locations[0] if len(locations) == 1 else None
    if form.is_bound and form.is_valid():
        chiropractor = form.cleaned_data["chiropractor"]
        day = form.cleaned_data["day"]
        location = form.cleaned_data.get("location") or location
    else:
        chiropractor = form.initial.get("chiropractor")
        day = form.initial["day"]
    if chiropractor is None or not is_sane_date(day + timedelta(days=7)):
        return day, chiropractor, location, []
    if location is None and len(locations) > 1:
        # Any location, but only the user's: each location's week, merged by day.
        by_day: dict[Any, list[Any]] = {}
        for place in locations:
            for d, slots in week_of_slots(chiropractor, day, exclude=exclude, location=place):
                by_day.setdefault(d, []).extend(slots)
        week = [(d, sorted(found, key=_start)) for d, found in sorted(by_day.items())]
        return day, chiropractor, None, week
    return (
        day,
        chiropractor,
        location,
        week_of_slots(chiropractor, day, exclude=exclude, location=location),
    )


def _booking_page(
    request: HttpRequest,
    submission: Submission,
    *,
    status: int = 200,
    taken: tuple[int, datetime] | None = None,
    **extra: Any,
) -> HttpResponse:
    consult = Consult.objects.active().filter(submission=submission).first()
    locations = locations_for(request.user)
    form = _day_form(
        request, consult.chiropractor if consult else None, taken=taken, locations=locations
    )
    day, chiropractor, location, week = _slots_for(form, locations, exclude=consult)
    active_chiropractors = Chiropractor.objects.filter(is_active=True)
    context = {
        "submission": submission,
        "block_reason": booking_block_reason(submission),
        "kind": Consult.Kind(consult_kind(submission)).label,
        "consult": consult,
        "past_consults": Consult.objects.filter(submission=submission).exclude(
            status=Consult.Status.ACTIVE
        )[:10],
        "day_form": form,
        "day": day,
        "chosen": chiropractor,
        "chosen_location": location,
        "show_locations": len(locations) > 1,
        "week": week,
        "previous_week": day - timedelta(days=7),
        "next_week": day + timedelta(days=7),
        "today": timezone.localdate(),
        "next_slot": _next_slot(active_chiropractors, location or None, locations),
        "cancel_form": CancelForm(),
        "has_chiropractors": Chiropractor.objects.filter(is_active=True).exists(),
        **extra,
    }
    return render(request, "consults/staff_booking.html", context, status=status)


def _start(slot: Any) -> datetime:
    return slot.starts_at


def _next_slot(chiropractors: Any, location: Location | None, locations: list[Location]) -> Any:
    """The next free time at the chosen location, else at any of the user's locations."""
    if location is not None or len(locations) <= 1:
        only = location or (locations[0] if locations else None)
        return next_free_slot(chiropractors, location=only)
    found = [next_free_slot(chiropractors, location=place) for place in locations]
    return min((slot for slot in found if slot), key=lambda slot: slot.starts_at, default=None)


@require_GET
def submission_consult(request: HttpRequest, reference: str) -> HttpResponse:
    submission = get_submission_for_booking(request, reference)
    return _booking_page(request, submission)


@require_POST
def book(request: HttpRequest, reference: str) -> HttpResponse:
    submission = get_submission_for_booking(request, reference)
    parsed = parse_slot(request.POST.get("slot", ""))
    chiropractor = (
        Chiropractor.objects.filter(pk=parsed[0], is_active=True).first() if parsed else None
    )
    if parsed is None or chiropractor is None:
        messages.error(request, _("Please choose one of the free times."))
        return redirect("consults_staff:submission", reference=submission.reference)
    if not _slot_allowed(request, chiropractor, parsed[1]):
        messages.error(request, _("You can book only at your own locations."))
        return redirect("consults_staff:submission", reference=submission.reference)
    try:
        result = book_consult(
            submission=submission,
            chiropractor=chiropractor,
            starts_at=parsed[1],
            by=_staff_user(request),
        )
    except BookingNotAllowed as refusal:
        messages.error(request, str(refusal))
        return redirect("consults_staff:submission", reference=submission.reference)
    if isinstance(result, SlotTaken):
        return _booking_page(request, submission, status=409, taken=parsed, slot_taken=True)
    if result.created:
        messages.success(request, _("Consult booked. The patient has been emailed."))
    return redirect("consults_staff:submission", reference=submission.reference)


@require_POST
def reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    consult = get_consult_for_staff(request, pk)
    parsed = parse_slot(request.POST.get("slot", ""))
    reference = consult.submission.reference
    chiropractor = (
        Chiropractor.objects.filter(pk=parsed[0], is_active=True).first() if parsed else None
    )
    if not consult.is_active or parsed is None or chiropractor is None:
        messages.error(request, _("Please choose one of the free times."))
        return redirect("consults_staff:submission", reference=reference)
    if not _slot_allowed(request, chiropractor, parsed[1]):
        messages.error(request, _("You can book only at your own locations."))
        return redirect("consults_staff:submission", reference=reference)
    result = reschedule_consult(
        consult=consult, starts_at=parsed[1], by=_staff_user(request), chiropractor=chiropractor
    )
    if isinstance(result, SlotTaken):
        return _booking_page(request, consult.submission, status=409, taken=parsed, slot_taken=True)
    messages.success(request, _("Consult moved. The patient has been emailed."))
    return redirect("consults_staff:submission", reference=reference)


@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    consult = get_consult_for_staff(request, pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _booking_page(request, consult.submission, status=400, cancel_form=form)
    if cancel_consult(consult=consult, by=_staff_user(request), reason=form.cleaned_data["reason"]):
        messages.success(request, _("Consult cancelled. The patient has been emailed."))
    else:
        messages.info(request, _("This consult was already cancelled."))
    return redirect("consults_staff:submission", reference=consult.submission.reference)


@require_POST
def invite(request: HttpRequest, reference: str) -> HttpResponse:
    submission = get_submission_for_booking(request, reference)
    try:
        sent = send_booking_invite(submission=submission, by=_staff_user(request))
    except Exception as exc:  # whatever the mail server raised: ids and the class only
        logger.warning(
            "booking link for submission %s not sent: %s", submission.pk, type(exc).__name__
        )
        messages.error(
            request, _("We could not send the email just now. Please try again in a minute.")
        )
    else:
        if sent:
            messages.success(request, _("Booking link emailed to the patient."))
        else:
            messages.error(request, _("No booking link was sent: this case cannot be booked now."))
    return redirect("consults_staff:submission", reference=submission.reference)


# Agenda ------------------------------------------------------------------------------------


def open_weekdays(chiropractor: Chiropractor | None) -> set[int]:
    """Weekdays with working hours (for everyone, or one chiropractor); the clinic's working
    days when nobody has hours yet."""
    hours = WorkingHours.objects.filter(chiropractor__is_active=True)
    if chiropractor is not None:
        hours = WorkingHours.objects.filter(chiropractor=chiropractor)
    weekdays = set(hours.values_list("weekday", flat=True))
    return weekdays or set(settings.CLINIC_WORKING_DAYS)


def _local_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def _agenda_chiropractor(request: HttpRequest) -> Chiropractor | None:
    chosen = request.GET.get("chiropractor", "")
    if chosen.isdigit():
        return Chiropractor.objects.filter(pk=int(chosen)).first()
    if chosen == "all":
        return None
    return Chiropractor.objects.filter(user__pk=request.user.pk or 0).first()


def _agenda_locations(request: HttpRequest) -> tuple[Location | None, list[int] | None]:
    """The location chosen on the agenda (several locations only) and the ids of the locations
    shown: None means every location (staff not limited to some)."""
    mine = locations_for(request.user)
    chosen = request.GET.get("location", "")
    picked = next((place for place in mine if str(place.pk) == chosen), None)
    if picked is not None:
        return picked, [picked.pk]
    return None, limited_to(request.user)


def _parse_day(value: str | None) -> date:
    try:
        day = date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        return timezone.localdate()
    if not is_sane_date(day):
        raise BadRequest("agenda day out of range")  # the 400 page, not an overflow further on
    return day


@require_GET
def agenda_day(request: HttpRequest, day: str | None = None) -> HttpResponse:
    _require(request, VIEW_CONSULT, VIEW_SUBMISSION)
    the_day = _parse_day(day)
    chiropractor = _agenda_chiropractor(request)
    location, shown = _agenda_locations(request)
    consults = agenda_consults(
        _local_start(the_day), _local_start(the_day + timedelta(days=1)), chiropractor, shown
    )
    return render(
        request,
        "consults/agenda_day.html",
        {
            "day": the_day,
            "previous": the_day - timedelta(days=1),
            "next": the_day + timedelta(days=1),
            "consults": consults,
            "chiropractor": chiropractor,
            "chiropractors": Chiropractor.objects.all(),
            "query": _agenda_query(chiropractor, location),
            **_agenda_location_context(request, location),
        },
    )


@require_GET
def agenda_week(request: HttpRequest, day: str | None = None) -> HttpResponse:
    _require(request, VIEW_CONSULT, VIEW_SUBMISSION)
    monday = _parse_day(day)
    monday -= timedelta(days=monday.weekday())
    chiropractor = _agenda_chiropractor(request)
    location, shown = _agenda_locations(request)
    consults = agenda_consults(
        _local_start(monday), _local_start(monday + timedelta(days=7)), chiropractor, shown
    )
    open_days = open_weekdays(chiropractor)
    days = [
        (
            monday + timedelta(days=n),
            [c for c in consults if timezone.localdate(c.starts_at) == monday + timedelta(days=n)],
        )
        for n in range(7)
    ]
    # A day the clinic is closed is left out, unless a consult was booked on it anyway.
    days = [(d, booked) for d, booked in days if booked or d.weekday() in open_days]
    return render(
        request,
        "consults/agenda_week.html",
        {
            "monday": monday,
            "days": days,
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "chiropractor": chiropractor,
            "chiropractors": Chiropractor.objects.all(),
            "query": _agenda_query(chiropractor, location),
            **_agenda_location_context(request, location),
        },
    )


ATTENDANCE_MESSAGES = {
    Consult.Attendance.ARRIVED: gettext_lazy("Marked as arrived."),
    Consult.Attendance.NO_SHOW: gettext_lazy(
        "Marked as a no-show. The case is back with the front desk to call the patient."
    ),
    Consult.Attendance.COMPLETED: gettext_lazy(
        "Marked as completed. Record the consult's result on the patient's page."
    ),
}


@require_POST
def mark_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    consult = get_consult_for_staff(request, pk)
    mark = request.POST.get("mark", "")
    try:
        attendance.mark_attendance(
            consult=consult, mark=mark, by=_staff_user(request), request=request
        )
    except attendance.CannotMark as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, str(ATTENDANCE_MESSAGES[Consult.Attendance(mark)]))
    day = timezone.localdate(consult.starts_at).isoformat()
    back = reverse("consults_staff:agenda_day", kwargs={"day": day})
    query = request.POST.get("query", "")
    return redirect(f"{back}?{query}" if _SAFE_QUERY.fullmatch(query) else back)


# Only the agenda's own filter goes back into the redirect.
_SAFE_QUERY = re.compile(r"chiropractor=(all|\d{1,9})(&location=\d{1,9})?")


def _agenda_query(chiropractor: Chiropractor | None, location: Location | None = None) -> str:
    query = f"chiropractor={chiropractor.pk}" if chiropractor else "chiropractor=all"
    return f"{query}&location={location.pk}" if location else query


def _agenda_location_context(request: HttpRequest, location: Location | None) -> dict[str, Any]:
    places = locations_for(request.user)
    # No location menu (nor column) for a single-location clinic or a one-location user.
    return {"location": location, "locations": places if len(places) > 1 else []}


# Availability ------------------------------------------------------------------------------
# A clinic admin manages everyone's hours and time off; a chiropractor their own time off.

TO_CALL = "clinic_consults_to_call"


def get_chiropractor_for_schedule(request: HttpRequest, pk: int) -> tuple[Chiropractor, bool]:
    """The chiropractor, and whether this user manages everything (else only own time off)."""
    chiropractor = get_object_or_404(Chiropractor, pk=pk)
    manages = request.user.has_perm(MANAGE)
    if not manages and chiropractor.user_id != request.user.pk:
        raise PermissionDenied
    return chiropractor, manages


@require_http_methods(["GET", "POST"])
def schedule(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(MANAGE):
        own = Chiropractor.objects.filter(user__pk=request.user.pk or 0).first()
        if own is None:
            raise PermissionDenied
        return redirect("consults_staff:chiropractor", pk=own.pk)
    form = ChiropractorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        chiropractor = form.save()
        audit.record(audit.CHANGED_AVAILABILITY, request=request, chiropractor=chiropractor.pk)
        messages.success(request, _("Chiropractor added. Now set their weekly hours."))
        return redirect("consults_staff:chiropractor", pk=chiropractor.pk)
    return render(
        request,
        "consults/schedule.html",
        {"chiropractors": Chiropractor.objects.prefetch_related("hours"), "form": form},
    )


def consults_in_time_off(
    chiropractor: Chiropractor, starts: datetime, ends: datetime
) -> list[Consult]:
    return list(
        Consult.objects.upcoming()
        .filter(chiropractor=chiropractor)
        .between(starts, ends)
        .select_related("submission")
    )


def consults_outside_hours(chiropractor: Chiropractor, removed: WorkingHours) -> list[Consult]:
    """Upcoming consults in the block being removed that no other block of that day covers."""
    others = list(chiropractor.hours.filter(weekday=removed.weekday).exclude(pk=removed.pk))
    affected = []
    for consult in (
        Consult.objects.upcoming().filter(chiropractor=chiropractor).select_related("submission")
    ):
        start, end = timezone.localtime(consult.starts_at), timezone.localtime(consult.ends_at)
        if start.weekday() != removed.weekday:
            continue
        inside = removed.starts <= start.time() < removed.ends
        covered = any(o.starts <= start.time() and end.time() <= o.ends for o in others)
        if inside and not covered:
            affected.append(consult)
    return affected


def _patients_to_call(
    request: HttpRequest, chiropractor: Chiropractor, consults: list[Consult]
) -> None:
    """After a confirmed change over booked consults: audit, email the front desk (references
    only) and keep the list to show on the next page."""
    if not consults:
        return
    audit.record(
        audit.CONSULTS_TO_CALL,
        request=request,
        chiropractor=chiropractor.pk,
        count=len(consults),
        consults=[c.pk for c in consults],
    )
    emails.send_patients_to_call(consults, staff_url=staff_link)
    request.session[TO_CALL] = [c.pk for c in consults]


@require_http_methods(["GET", "POST"])
def chiropractor_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    chiropractor, manages = get_chiropractor_for_schedule(request, pk)
    which = request.POST.get("form") if request.method == "POST" else None
    if which in ("profile", "hours") and not manages:
        raise PermissionDenied
    profile_form = ChiropractorForm(
        request.POST if which == "profile" else None, instance=chiropractor, prefix="profile"
    )
    hours_form = WorkingHoursForm(
        request.POST if which == "hours" else None, prefix="hours", chiropractor=chiropractor
    )
    off_form = TimeOffForm(request.POST if which == "off" else None, prefix="off")
    bound = {"profile": profile_form, "hours": hours_form, "off": off_form}.get(which or "")
    clashes: list[Consult] = []
    if bound is not None:
        if bound.is_valid():
            if which == "off":
                clashes = consults_in_time_off(
                    chiropractor,
                    off_form.cleaned_data["starts_at"],
                    off_form.cleaned_data["ends_at"],
                )
            confirmed = request.POST.get("confirm") == _off_token(off_form)
            if not clashes or confirmed:
                with transaction.atomic():
                    saved = bound.save(commit=False)
                    if which != "profile":
                        saved.chiropractor = chiropractor
                    saved.save()
                    audit.record(
                        audit.CHANGED_AVAILABILITY,
                        request=request,
                        chiropractor=chiropractor.pk,
                        part=which,
                    )
                    _patients_to_call(request, chiropractor, clashes)
                messages.success(request, _("Saved."))
                return redirect("consults_staff:chiropractor", pk=chiropractor.pk)
        else:
            messages.error(request, _("Please correct the errors below."))
    return _schedule_page(
        request,
        chiropractor,
        manages=manages,
        status=(200 if clashes else 400) if bound is not None else 200,
        profile_form=profile_form,
        hours_form=hours_form,
        off_form=off_form,
        off_clashes=clashes,
        off_confirm=_off_token(off_form) if clashes else "",
    )


def _off_token(form: TimeOffForm) -> str:
    """What "save anyway" confirms: exactly the dates that were shown with their consults."""
    if not form.is_bound or not form.is_valid():
        return ""
    return f"{form.cleaned_data['starts_at']:%Y%m%d%H%M}-{form.cleaned_data['ends_at']:%Y%m%d%H%M}"


def _schedule_page(
    request: HttpRequest,
    chiropractor: Chiropractor,
    *,
    manages: bool,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    to_call_ids = request.session.pop(TO_CALL, []) if request.method == "GET" else []
    context = {
        "chiropractor": chiropractor,
        "manages": manages,
        "profile_form": ChiropractorForm(instance=chiropractor, prefix="profile"),
        "hours_form": WorkingHoursForm(prefix="hours"),
        "off_form": TimeOffForm(prefix="off"),
        "hours": chiropractor.hours.select_related("location"),
        "time_off": chiropractor.time_off.filter(ends_at__gte=timezone.now()),
        "to_call": Consult.objects.filter(pk__in=to_call_ids).select_related("submission"),
        **extra,
    }
    return render(request, "consults/chiropractor_schedule.html", context, status=status)


@require_POST
def delete_hours(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, MANAGE)
    block = get_object_or_404(WorkingHours, pk=pk)
    chiropractor = block.chiropractor
    clashes = consults_outside_hours(chiropractor, block)
    if clashes and request.POST.get("confirm") != "1":
        return _schedule_page(
            request, chiropractor, manages=True, hours_clashes=clashes, removing=block
        )
    with transaction.atomic():
        block.delete()
        audit.record(audit.CHANGED_AVAILABILITY, request=request, chiropractor=chiropractor.pk)
        _patients_to_call(request, chiropractor, clashes)
    messages.success(request, _("Hours removed."))
    return redirect("consults_staff:chiropractor", pk=chiropractor.pk)


@require_POST
def delete_time_off(request: HttpRequest, pk: int) -> HttpResponse:
    absence = get_object_or_404(TimeOff, pk=pk)
    get_chiropractor_for_schedule(request, absence.chiropractor_id)
    absence.delete()
    audit.record(audit.CHANGED_AVAILABILITY, request=request, chiropractor=absence.chiropractor_id)
    messages.success(request, _("Time off removed."))
    return redirect("consults_staff:chiropractor", pk=absence.chiropractor_id)


def staff_url(reference: str) -> str:
    return reverse("consults_staff:submission", kwargs={"reference": reference})
