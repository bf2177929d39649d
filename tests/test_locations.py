"""Locations: booking where the patient chooses, one chiropractor never in two places, staff
limited to their locations, and the migration that gives everything the default location."""

from __future__ import annotations

import io
from datetime import time, timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from icalendar import Calendar

from consults.booking import (
    SlotTaken,
    book_consult,
    booking_path,
    cancel_consult,
    reschedule_consult,
)
from consults.forms import WorkingHoursForm
from consults.locations import forget_places
from consults.models import Chiropractor, Consult, Location, StaffLocation, WorkingHours
from consults.slots import free_slots, is_free_slot
from intake import audit
from intake.models import AuditEvent, Submission
from tests.helpers import make_clinic_admin, make_front_desk, make_submission, run_tasks, sign_in
from tests.scheduling import at, make_case, make_profile, next_monday

pytestmark = pytest.mark.django_db


def default_location() -> Location:
    return Location.objects.order_by("pk").first() or Location.objects.get()


def second_location(name: str = "Riverside") -> Location:
    location = Location.objects.create(
        name=name,
        address="12 Elm Road\nRiverside, CA 92501",
        directions="Ground floor, next to the bakery.",
        phone="(555) 010-9999",
        opening_hours="Mon–Fri 9:00–17:00",
        time_zone="America/Chicago",
    )
    forget_places()
    return location


def hours_at(chiropractor: Chiropractor, location: Location, starts: int, ends: int) -> None:
    WorkingHours.objects.create(
        chiropractor=chiropractor,
        location=location,
        weekday=0,
        starts=time(starts),
        ends=time(ends),
    )


def book(submission: Submission, chiropractor: Chiropractor, hour: int) -> Any:
    return book_consult(
        submission=submission, chiropractor=chiropractor, starts_at=at(next_monday(), hour), by=None
    )


# Patients ----------------------------------------------------------------------------------


def test_a_single_location_clinic_shows_no_location_step_when_booking() -> None:
    make_profile()
    page = Client().get(booking_path(make_case()))
    text = page.content.decode()
    assert page.status_code == 200
    assert "First choose where you would like to come." not in text
    assert "Choose another location" not in text


def test_with_two_locations_the_patient_chooses_a_place_then_a_time_and_gets_its_address() -> None:
    riverside = second_location()
    chiro = make_profile(days=())
    hours_at(chiro, default_location(), 9, 12)
    hours_at(chiro, riverside, 13, 16)
    submission = make_case()
    client = Client()
    url = booking_path(submission)

    first = client.get(url)
    assert "First choose where you would like to come." in first.content.decode()
    assert f"?location={riverside.pk}" in first.content.decode()

    times = client.get(f"{url}?location={riverside.pk}&day={next_monday().isoformat()}")
    text = times.content.decode()
    assert "12 Elm Road<br>Riverside, CA 92501" in text
    assert f"{chiro.pk}|" in text and "09:00" not in text  # only Riverside's afternoon

    slot = free_slots(chiro, next_monday(), next_monday(), location=riverside)[0]
    response = client.post(
        f"{url}?location={riverside.pk}",
        {"slot": f"{chiro.pk}|{slot.starts_at.isoformat()}"},
    )
    assert response.status_code == 302
    consult = Consult.objects.get(submission=submission)
    assert consult.location == riverside
    manage = client.get(response["Location"]).content.decode()
    assert "Riverside" in manage and "(555) 010-9999" in manage

    run_tasks()
    body = str(mail.outbox[-1].body)
    assert "12 Elm Road\nRiverside, CA 92501" in body and "(555) 010-9999" in body
    event = Calendar.from_ical(mail.outbox[-1].attachments[0][1]).walk("VEVENT")[0]
    assert "12 Elm Road, Riverside, CA 92501" in str(event["location"])


def test_an_unknown_location_in_the_link_shows_the_choice_again() -> None:
    second_location()
    make_profile()
    page = Client().get(booking_path(make_case()) + "?location=999999")
    assert page.status_code == 200
    assert "First choose where you would like to come." in page.content.decode()


# One chiropractor, two places ----------------------------------------------------------------


def test_a_chiropractor_booked_at_one_location_is_not_free_at_another_at_that_time() -> None:
    riverside = second_location()
    chiro = make_profile(days=())
    # Overlapping hours at two places (the form refuses this; the data could still hold it).
    hours_at(chiro, default_location(), 9, 12)
    hours_at(chiro, riverside, 10, 13)
    first = book(make_case(), chiro, 10)
    assert not isinstance(first, SlotTaken)
    assert first.consult.location == default_location()
    assert not is_free_slot(chiro, at(next_monday(), 10))
    assert at(next_monday(), 10) not in [
        slot.starts_at
        for slot in free_slots(chiro, next_monday(), next_monday(), location=riverside)
    ]
    assert isinstance(book(make_case(), chiro, 10), SlotTaken)
    # And the database refuses it outright.
    with pytest.raises(IntegrityError), transaction.atomic():
        Consult.objects.create(
            chiropractor=chiro,
            location=riverside,
            submission=make_case(),
            starts_at=at(next_monday(), 10),
            ends_at=at(next_monday(), 10) + timedelta(minutes=30),
            kind=Consult.Kind.DRY_NEEDLING,
        )


def test_two_chiropractors_at_two_locations_are_booked_at_the_same_time() -> None:
    riverside = second_location()
    one = make_profile("one", days=())
    two = make_profile("two", days=())
    hours_at(one, default_location(), 9, 12)
    hours_at(two, riverside, 9, 12)
    first, second = book(make_case(), one, 10), book(make_case(), two, 10)
    assert not isinstance(first, SlotTaken) and not isinstance(second, SlotTaken)
    assert {first.consult.location, second.consult.location} == {default_location(), riverside}


def test_hours_at_another_location_may_not_overlap_the_same_days_hours() -> None:
    riverside = second_location()
    chiro = make_profile(days=())
    hours_at(chiro, default_location(), 9, 12)
    form = WorkingHoursForm(
        {"location": riverside.pk, "weekday": 0, "starts": "11:00", "ends": "14:00"},
        chiropractor=chiro,
    )
    assert not form.is_valid()
    assert "overlap" in str(form.errors)
    fine = WorkingHoursForm(
        {"location": riverside.pk, "weekday": 0, "starts": "13:00", "ends": "16:00"},
        chiropractor=chiro,
    )
    assert fine.is_valid()


# Staff limited to a location -----------------------------------------------------------------


def booked_at(location: Location, chiropractor: Chiropractor, hour: int) -> Submission:
    submission = make_case()
    result = book(submission, chiropractor, hour)
    assert not isinstance(result, SlotTaken)
    assert result.consult.location == location
    return submission


@pytest.fixture
def two_places() -> dict[str, Any]:
    riverside = second_location()
    here = default_location()
    chiro = make_profile(days=())
    hours_at(chiro, here, 9, 12)
    hours_at(chiro, riverside, 13, 16)
    desk = make_front_desk("riverdesk")
    StaffLocation.objects.create(user=desk, location=riverside)
    forget_places()
    client = Client()
    sign_in(client, desk)
    return {
        "client": client,
        "here_case": booked_at(here, chiro, 9),
        "river_case": booked_at(riverside, chiro, 14),
        "new_case": make_submission(),
        "chiro": chiro,
        "riverside": riverside,
    }


def test_a_front_desk_limited_to_one_location_sees_its_cases_and_unbooked_ones_in_the_queue(
    two_places: dict[str, Any],
) -> None:
    text = two_places["client"].get("/staff/?status=all").content.decode()
    assert two_places["river_case"].reference in text
    assert two_places["new_case"].reference in text
    assert two_places["here_case"].reference not in text
    csv = b"".join(two_places["client"].get("/staff/export.csv").streaming_content).decode()
    assert two_places["river_case"].reference in csv
    assert two_places["here_case"].reference not in csv


@pytest.mark.parametrize(
    "url",
    [
        "/staff/submissions/{ref}/",
        "/staff/submissions/{ref}/consult/",
    ],
)
def test_a_case_at_another_location_is_not_found_for_a_limited_front_desk(
    two_places: dict[str, Any], url: str
) -> None:
    client = two_places["client"]
    assert client.get(url.format(ref=two_places["here_case"].reference)).status_code == 404
    mine = client.get(url.format(ref=two_places["river_case"].reference)).status_code
    assert mine != 404


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("post", "/staff/submissions/{ref}/contact/", {"result": "voicemail", "note": ""}),
        ("post", "/staff/submissions/{ref}/status/", {"to": "not_proceeding", "reason": "x"}),
        ("post", "/staff/submissions/{ref}/consult/invite/", {}),
        ("post", "/staff/consults/{consult}/cancel/", {"reason": "Ill"}),
        ("post", "/staff/consults/{consult}/move/", {"slot": "1|2030-01-07T10:00:00+00:00"}),
        ("post", "/staff/consults/{consult}/attendance/", {"mark": "arrived"}),
    ],
)
def test_every_action_on_a_case_at_another_location_is_not_found(
    two_places: dict[str, Any], method: str, url: str, data: dict[str, str]
) -> None:
    case = two_places["here_case"]
    consult = Consult.objects.get(submission=case)
    before = AuditEvent.objects.count()
    response = getattr(two_places["client"], method)(
        url.format(ref=case.reference, consult=consult.pk), data
    )
    assert response.status_code == 404
    assert AuditEvent.objects.count() == before
    consult.refresh_from_db()
    assert consult.status == Consult.Status.ACTIVE and consult.attendance == ""


def test_the_agenda_of_a_limited_front_desk_shows_only_its_location(
    two_places: dict[str, Any],
) -> None:
    day = next_monday().isoformat()
    text = two_places["client"].get(f"/staff/agenda/{day}/?chiropractor=all").content.decode()
    assert two_places["river_case"].reference in text
    assert two_places["here_case"].reference not in text


def test_a_limited_front_desk_cannot_book_a_time_at_another_location(
    two_places: dict[str, Any],
) -> None:
    case, chiro = two_places["new_case"], two_places["chiro"]
    case.set_outcome("eligible")
    case.save()
    slot = at(next_monday(), 10)  # the default location's morning
    response = two_places["client"].post(
        f"/staff/submissions/{case.reference}/consult/book/",
        {"slot": f"{chiro.pk}|{slot.isoformat()}"},
        follow=True,
    )
    assert "You can book only at your own locations." in response.content.decode()
    assert not Consult.objects.filter(submission=case).exists()
    afternoon = at(next_monday(), 13)
    two_places["client"].post(
        f"/staff/submissions/{case.reference}/consult/book/",
        {"slot": f"{chiro.pk}|{afternoon.isoformat()}"},
    )
    assert Consult.objects.get(submission=case).location == two_places["riverside"]


def test_an_unlimited_clinic_admin_sees_every_location_and_a_location_filter(
    two_places: dict[str, Any],
) -> None:
    client = Client()
    sign_in(client, make_clinic_admin())
    text = client.get("/staff/?status=all").content.decode()
    assert two_places["here_case"].reference in text
    assert two_places["river_case"].reference in text
    assert 'name="location"' in text
    riverside = two_places["riverside"]
    only = client.get(f"/staff/?status=all&location={riverside.pk}").content.decode()
    assert two_places["river_case"].reference in only
    assert two_places["here_case"].reference not in only


def queue_of(client: Client) -> str:
    return str(client.get("/staff/?status=all").content.decode())


def test_a_case_is_at_the_location_it_was_booked_and_moves_with_its_consult(
    two_places: dict[str, Any],
) -> None:
    here, riverside = default_location(), two_places["riverside"]
    case, desk = two_places["here_case"], two_places["client"]
    assert case.location == here
    assert two_places["river_case"].location == riverside
    assert two_places["new_case"].location is None
    assert case.reference not in queue_of(desk)
    consult = Consult.objects.get(submission=case)

    # Moved to a time at Riverside (the chiropractor works there in the afternoon).
    moved = reschedule_consult(consult=consult, starts_at=at(next_monday(), 15), by=None)
    assert not isinstance(moved, SlotTaken)
    case.refresh_from_db()
    assert case.location == riverside
    assert case.reference in queue_of(desk)

    # Cancelling keeps the case where it was booked: the Riverside desk calls the patient.
    assert cancel_consult(consult=moved.consult, by=None, reason="Feeling better")
    case.refresh_from_db()
    assert case.location == riverside
    assert case.reference in queue_of(desk)
    assert desk.get(f"/staff/submissions/{case.reference}/").status_code == 200

    # Booked again, here: the case goes with its latest consult.
    rebooked = book(case, two_places["chiro"], 10)
    assert not isinstance(rebooked, SlotTaken)
    case.refresh_from_db()
    assert case.location == here
    assert case.reference not in queue_of(desk)
    assert desk.get(f"/staff/submissions/{case.reference}/").status_code == 404


def test_a_move_within_the_same_location_leaves_the_case_there(
    two_places: dict[str, Any],
) -> None:
    case = two_places["river_case"]
    consult = Consult.objects.get(submission=case)
    moved = reschedule_consult(consult=consult, starts_at=at(next_monday(), 13), by=None)
    assert not isinstance(moved, SlotTaken)
    case.refresh_from_db()
    assert case.location == two_places["riverside"]
    assert case.reference in queue_of(two_places["client"])


def test_a_single_location_queue_and_agenda_have_no_location_filter() -> None:
    make_profile()
    client = Client()
    sign_in(client, make_clinic_admin())
    assert 'name="location"' not in client.get("/staff/").content.decode()
    assert 'name="location"' not in client.get("/staff/agenda/").content.decode()


def test_a_clinic_admin_assigns_a_front_desk_to_a_location_in_the_admin_and_it_is_audited() -> None:
    riverside = second_location()
    desk = make_front_desk("newdesk")
    client = Client()
    sign_in(client, make_clinic_admin())
    page = client.get(f"/admin/intake/user/{desk.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if isinstance(v, str | bool | int)}
    data.update(
        {
            "username": desk.username,
            "email": desk.email or "desk@example.com",
            "role": "Front desk",
            "is_active": "on",
            "reason": "Works at Riverside now.",
            "staff_locations-TOTAL_FORMS": "1",
            "staff_locations-INITIAL_FORMS": "0",
            "staff_locations-0-location": str(riverside.pk),
        }
    )
    response = client.post(f"/admin/intake/user/{desk.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(StaffLocation.objects.filter(user=desk).values_list("location", flat=True)) == [
        riverside.pk
    ]
    assert AuditEvent.objects.filter(action=audit.STAFF_LOCATIONS_CHANGED).exists()


def test_the_location_admin_lists_and_adds_locations_for_a_clinic_admin() -> None:
    client = Client()
    sign_in(client, make_clinic_admin())
    assert client.get("/admin/consults/location/").status_code == 200
    response = client.post(
        "/admin/consults/location/add/",
        {"name": "Northside", "address": "1 North St", "time_zone": "Not/AZone", "is_active": "on"},
    )
    assert response.status_code == 200 and "time zone name" in response.content.decode()
    response = client.post(
        "/admin/consults/location/add/",
        {"name": "Northside", "address": "1 North St", "time_zone": "America/Chicago"},
    )
    assert response.status_code == 302
    assert Location.objects.filter(name="Northside").exists()


# The migration -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_every_seed_demo_consult_and_hours_the_default_location_from_settings(
    settings: Any,
) -> None:
    call_command("seed_demo", stdout=io.StringIO())
    consults, hours = Consult.objects.count(), WorkingHours.objects.count()
    assert consults and hours
    settings.CLINIC_NAME = "Springfield Heel Clinic"
    settings.CLINIC_PHONE = "(555) 010-1234"
    executor = MigrationExecutor(connection)
    executor.migrate([("consults", "0005_needling_sessions")])
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    location = Location.objects.get()
    assert location.name == "Springfield Heel Clinic"
    assert location.phone == "(555) 010-1234"
    assert location.address == settings.CLINIC_ADDRESS
    assert location.directions == settings.CLINIC_DIRECTIONS
    assert location.time_zone == settings.TIME_ZONE
    assert Consult.objects.filter(location=location).count() == consults
    assert WorkingHours.objects.filter(location=location).count() == hours


@pytest.mark.django_db(transaction=True)
def test_the_migration_puts_each_booked_case_at_the_location_of_its_latest_consult() -> None:
    riverside = second_location()
    chiro = make_profile(days=())
    hours_at(chiro, default_location(), 9, 12)
    hours_at(chiro, riverside, 13, 16)
    first = booked_at(default_location(), chiro, 9)
    cancel_consult(consult=Consult.objects.get(submission=first), by=None, reason="Busy")
    assert not isinstance(book(first, chiro, 14), SlotTaken)
    second = booked_at(default_location(), chiro, 10)
    unbooked = make_case()
    executor = MigrationExecutor(connection)
    executor.migrate([("intake", "0014_fill_patients")])
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    places = dict(Submission.objects.values_list("pk", "location"))
    assert places[first.pk] == riverside.pk
    assert places[second.pk] == default_location().pk
    assert places[unbooked.pk] is None
