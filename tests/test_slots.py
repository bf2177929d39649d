"""Free slots: local weekly hours across clock changes, time off, buffers and bookings."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from consults.models import Consult, TimeOff
from consults.slots import free_slots
from tests.scheduling import at, make_case, make_profile

pytestmark = pytest.mark.django_db

LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)
SUNDAY_NIGHT = ((time(0), time(4)),)


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def starts(slots: list) -> list[datetime]:
    return [slot.starts_at for slot in slots]


def test_nine_oclock_stays_nine_oclock_local_across_the_autumn_clock_change() -> None:
    chiro = make_profile(hours=((time(9), time(10)),))
    slots = free_slots(chiro, date(2026, 10, 30), date(2026, 11, 2), now=LONG_AGO)
    # Friday 30 Oct is CDT (UTC-5); Monday 2 Nov is CST (UTC-6).
    assert starts(slots) == [
        utc(2026, 10, 30, 14, 0),
        utc(2026, 10, 30, 14, 30),
        utc(2026, 11, 2, 15, 0),
        utc(2026, 11, 2, 15, 30),
    ]


def test_nine_oclock_stays_nine_oclock_local_across_the_spring_clock_change() -> None:
    chiro = make_profile(hours=((time(9), time(10)),))
    slots = free_slots(chiro, date(2027, 3, 12), date(2027, 3, 15), now=LONG_AGO)
    assert starts(slots) == [
        utc(2027, 3, 12, 15, 0),
        utc(2027, 3, 12, 15, 30),
        utc(2027, 3, 15, 14, 0),
        utc(2027, 3, 15, 14, 30),
    ]


def test_hours_spanning_the_extra_autumn_hour_give_real_half_hours_without_duplicates() -> None:
    # Sunday 1 Nov 2026 00:00–04:00 local lasts five real hours (01:00–02:00 happens twice).
    chiro = make_profile(days=(6,), hours=SUNDAY_NIGHT)
    slots = free_slots(chiro, date(2026, 11, 1), date(2026, 11, 1), now=LONG_AGO)
    assert len(slots) == 10
    assert len(set(starts(slots))) == 10
    assert all(
        b - a == timedelta(minutes=30)
        for a, b in zip(starts(slots), starts(slots)[1:], strict=False)
    )


def test_hours_spanning_the_lost_spring_hour_give_only_real_slots() -> None:
    # Sunday 14 Mar 2027 00:00–04:00 local lasts three real hours (02:00–03:00 does not exist).
    chiro = make_profile(days=(6,), hours=SUNDAY_NIGHT)
    slots = free_slots(chiro, date(2027, 3, 14), date(2027, 3, 14), now=LONG_AGO)
    assert len(slots) == 6
    assert [slot.local_start.strftime("%H:%M") for slot in slots] == [
        "00:00",
        "00:30",
        "01:00",
        "01:30",
        "03:00",
        "03:30",
    ]


def test_several_blocks_in_one_day_are_all_offered() -> None:
    chiro = make_profile(hours=((time(9), time(10)), (time(14), time(15))))
    slots = free_slots(chiro, date(2027, 1, 4), date(2027, 1, 4), now=LONG_AGO)
    assert [slot.local_start.strftime("%H:%M") for slot in slots] == [
        "09:00",
        "09:30",
        "14:00",
        "14:30",
    ]


def test_a_slot_that_would_run_past_the_end_of_hours_is_not_offered() -> None:
    chiro = make_profile(minutes=45, hours=((time(9), time(10)),))
    slots = free_slots(chiro, date(2027, 1, 4), date(2027, 1, 4), now=LONG_AGO)
    assert [slot.local_start.strftime("%H:%M") for slot in slots] == ["09:00"]


def test_time_off_removes_every_slot_it_touches() -> None:
    chiro = make_profile(hours=((time(9), time(12)),))
    day = date(2027, 1, 4)
    TimeOff.objects.create(chiropractor=chiro, starts_at=at(day, 9, 45), ends_at=at(day, 11))
    slots = free_slots(chiro, day, day, now=LONG_AGO)
    assert [slot.local_start.strftime("%H:%M") for slot in slots] == ["09:00", "11:00", "11:30"]


def test_time_off_over_whole_days_leaves_them_empty() -> None:
    chiro = make_profile()
    TimeOff.objects.create(
        chiropractor=chiro, starts_at=at(date(2027, 1, 4), 0), ends_at=at(date(2027, 1, 6), 0)
    )
    slots = free_slots(chiro, date(2027, 1, 4), date(2027, 1, 6), now=LONG_AGO)
    assert {slot.local_start.date() for slot in slots} == {date(2027, 1, 6)}


def test_the_buffer_follows_every_consult_on_the_grid() -> None:
    chiro = make_profile(minutes=30, buffer=15, hours=((time(9), time(11)),))
    slots = free_slots(chiro, date(2027, 1, 4), date(2027, 1, 4), now=LONG_AGO)
    assert [slot.local_start.strftime("%H:%M") for slot in slots] == ["09:00", "09:45", "10:30"]


def test_a_booked_consult_and_its_buffer_block_the_neighbouring_slots() -> None:
    chiro = make_profile(minutes=30, buffer=15, hours=((time(9), time(11)),))
    day = date(2027, 1, 4)
    Consult.objects.create(
        chiropractor=chiro,
        submission=make_case(),
        starts_at=at(day, 9, 45),
        ends_at=at(day, 10, 15),
        kind=Consult.Kind.DRY_NEEDLING,
    )
    slots = free_slots(chiro, day, day, now=LONG_AGO)
    assert [slot.local_start.strftime("%H:%M") for slot in slots] == ["09:00", "10:30"]


def test_a_cancelled_consult_frees_its_slot_again() -> None:
    chiro = make_profile(hours=((time(9), time(10)),))
    day = date(2027, 1, 4)
    Consult.objects.create(
        chiropractor=chiro,
        submission=make_case(),
        starts_at=at(day, 9),
        ends_at=at(day, 9, 30),
        kind=Consult.Kind.DRY_NEEDLING,
        status=Consult.Status.CANCELLED,
        cancelled_at=at(day, 8),
    )
    slots = free_slots(chiro, day, day, now=LONG_AGO)
    assert len(slots) == 2


def test_slots_already_started_or_past_are_not_offered() -> None:
    chiro = make_profile(hours=((time(9), time(11)),))
    day = date(2027, 1, 4)
    slots = free_slots(chiro, day, day, now=at(day, 9, 30))
    assert [slot.local_start.strftime("%H:%M") for slot in slots] == ["10:00", "10:30"]


def test_days_without_hours_have_no_slots() -> None:
    chiro = make_profile()  # Monday to Friday
    slots = free_slots(chiro, date(2027, 1, 2), date(2027, 1, 3), now=LONG_AGO)
    assert slots == []
