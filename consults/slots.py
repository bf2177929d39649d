"""Free slots: weekly hours in the clinic's local time, minus time off and booked consults.

Slots start at the beginning of each block of working hours and follow every
consult length + buffer, counted in real (UTC) time so a daylight-saving change never
makes a slot vanish or double. The same grid is what the database's unique
(chiropractor, starts_at) constraint relies on.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.utils import timezone

from .models import Chiropractor, Consult, Location, TimeOff, WorkingHours


@dataclass(frozen=True)
class Slot:
    chiropractor: Chiropractor
    starts_at: datetime
    ends_at: datetime
    # Where the chiropractor works at that time (the location of the hours it came from).
    location: Location | None = None

    @property
    def local_start(self) -> datetime:
        return timezone.localtime(self.starts_at)


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time())).astimezone(UTC)


def grid_for_day(
    chiropractor: Chiropractor, day: date, hours: Iterable[WorkingHours]
) -> list[tuple[datetime, datetime, WorkingHours]]:
    """Every slot of the day's working hours, as (start, end) in UTC with the block it is in,
    before removing bookings. Hours are read in their location's time zone."""
    length = timedelta(minutes=chiropractor.consult_minutes)
    step = length + timedelta(minutes=chiropractor.buffer_minutes)
    grid: list[tuple[datetime, datetime, WorkingHours]] = []
    for block in hours:
        if block.weekday != day.weekday():
            continue
        zone = block.location.zone
        # Python adds timedeltas to zoned datetimes in wall-clock time; step in UTC instead.
        start = datetime.combine(day, block.starts, tzinfo=zone).astimezone(UTC)
        end = datetime.combine(day, block.ends, tzinfo=zone).astimezone(UTC)
        moment = start
        while moment + length <= end:
            grid.append((moment, moment + length, block))
            moment += step
    return sorted(grid, key=lambda item: item[0])


def free_slots(
    chiropractor: Chiropractor,
    first_day: date,
    last_day: date,
    *,
    now: datetime | None = None,
    exclude: Consult | None = None,
    location: Location | None = None,
) -> list[Slot]:
    """Bookable slots from `first_day` to `last_day` (local dates, inclusive), in time order.

    Three queries whatever the range; `exclude` leaves one consult out (when moving it).
    `location` keeps the hours at that location only; consults anywhere still take the
    chiropractor's time (nobody is in two places at once).
    """
    now = now or timezone.now()
    range_start = _local_midnight(first_day)
    range_end = _local_midnight(last_day + timedelta(days=1))
    buffer = timedelta(minutes=chiropractor.buffer_minutes)
    hours_qs = WorkingHours.objects.filter(chiropractor=chiropractor).select_related("location")
    if location is not None:
        hours_qs = hours_qs.filter(location=location)
    hours = list(hours_qs)
    absences = list(
        TimeOff.objects.filter(
            chiropractor=chiropractor, starts_at__lt=range_end, ends_at__gt=range_start
        ).values_list("starts_at", "ends_at")
    )
    booked_qs = Consult.objects.active().filter(
        chiropractor=chiropractor,
        starts_at__lt=range_end + buffer,
        ends_at__gt=range_start - buffer,
    )
    if exclude is not None:
        booked_qs = booked_qs.exclude(pk=exclude.pk)
    # Active consults of one chiropractor never overlap, so sorting by start sorts the ends too.
    booked = sorted(booked_qs.values_list("starts_at", "ends_at"))
    booked_starts = [start for start, _end in booked]

    slots: list[Slot] = []
    day = first_day
    while day <= last_day:
        for start, end, block in grid_for_day(chiropractor, day, hours):
            if start <= now:
                continue
            # The consult starting last before this slot (plus buffer) ends is the only one
            # that can overlap it.
            index = bisect_left(booked_starts, end + buffer)
            if index and booked[index - 1][1] + buffer > start:
                continue
            if any(off_start < end and off_end > start for off_start, off_end in absences):
                continue
            slots.append(Slot(chiropractor, start, end, block.location))
        day += timedelta(days=1)
    return slots


def find_free_slot(
    chiropractor: Chiropractor,
    starts_at: datetime,
    *,
    now: datetime | None = None,
    exclude: Consult | None = None,
) -> Slot | None:
    """The free slot starting at `starts_at` on the chiropractor's grid (it says where), or None.

    The database checks again when booking. A day either side is looked at, for locations in
    another time zone than the clinic's.
    """
    day = timezone.localdate(starts_at)
    slots = free_slots(
        chiropractor, day - timedelta(days=1), day + timedelta(days=1), now=now, exclude=exclude
    )
    return next((slot for slot in slots if slot.starts_at == starts_at), None)


def is_free_slot(
    chiropractor: Chiropractor,
    starts_at: datetime,
    *,
    now: datetime | None = None,
    exclude: Consult | None = None,
) -> bool:
    """Whether `starts_at` is on the chiropractor's grid and free (checked again by the DB)."""
    return find_free_slot(chiropractor, starts_at, now=now, exclude=exclude) is not None


# How far ahead staff booking looks for the next free time.
LOOKAHEAD_DAYS = 60


def next_free_slot(
    chiropractors: Iterable[Chiropractor],
    *,
    from_day: date | None = None,
    location: Location | None = None,
) -> Slot | None:
    """The earliest free slot with any of these chiropractors in the next LOOKAHEAD_DAYS."""
    first = from_day or timezone.localdate()
    last = first + timedelta(days=LOOKAHEAD_DAYS)
    found = [
        slots[0]
        for slots in (free_slots(c, first, last, location=location) for c in chiropractors)
        if slots
    ]
    return min(found, key=lambda slot: slot.starts_at, default=None)


def week_of_slots(
    chiropractor: Chiropractor, first_day: date, **options: Any
) -> list[tuple[date, list[Slot]]]:
    """Seven days from `first_day`, each with its free slots (days without any are left out)."""
    slots = free_slots(chiropractor, first_day, first_day + timedelta(days=6), **options)
    days: dict[date, list[Slot]] = {}
    for slot in slots:
        days.setdefault(timezone.localdate(slot.starts_at), []).append(slot)
    return sorted(days.items())


def booking_days(today: date | None = None) -> list[date]:
    """The days patients may choose from: today and the next few weeks."""
    from django.conf import settings

    today = today or timezone.localdate()
    return [today + timedelta(days=n) for n in range(settings.CLINIC_BOOKING_WEEKS * 7)]
