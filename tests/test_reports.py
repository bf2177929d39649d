"""The clinic dashboard: each figure against a small hand-counted set of cases, the charts, the CSV
downloads, the filters (bad input included) and who may see it."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from typing import Any
from xml.etree import ElementTree

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from care.models import AdverseEvent, NeedlingSession, OutcomeCheckIn, TreatmentPlan
from consults.models import Chiropractor, Consult
from intake import workflow
from intake.models import ContactAttempt, Outcome, Submission
from reports.dashboard import cache_key
from reports.figures import (
    TARGET_HOURS,
    Filters,
    adverse_events,
    contact_times,
    conversion,
    intakes_per_week,
    minimal_change,
    no_shows,
    overdue_rates,
    percentile,
)
from tests.helpers import make_chiropractor, make_clinic_admin, make_front_desk, make_submission
from tests.helpers import sign_in as sign_in_client
from tests.scheduling import make_profile

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
URGENT = {"calf_swelling": True}
REFER = {"night_pain": True}


def weeks_ago(weeks: int) -> date:
    today = timezone.localdate()
    return today - timedelta(days=today.weekday() + 7 * weeks)


BASE = weeks_ago(4)  # a Monday four weeks back: every deadline in the set has passed


def at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def case(answers: dict[str, Any], submitted: datetime, reached_after: float | None) -> Submission:
    """A case submitted at `submitted`, reached by phone `reached_after` hours later (or never)."""
    submission = make_submission(submitted_at=submitted, **answers)
    if reached_after is not None:
        desk = make_front_desk(f"desk{submission.pk}")
        workflow.record_contact(
            submission=submission, result=ContactAttempt.Result.REACHED, by=desk
        )
        # The call happened in the past: move the recorded time to when it happened.
        Submission.objects.filter(pk=submission.pk).update(
            first_contact_at=submitted + timedelta(hours=reached_after)
        )
    submission.refresh_from_db()
    return submission


def consult(
    submission: Submission, chiropractor: Chiropractor, starts: datetime, **state: Any
) -> Consult:
    return Consult.objects.create(
        submission=submission,
        chiropractor=chiropractor,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=30),
        kind=Consult.Kind.DRY_NEEDLING,
        **state,
    )


@pytest.fixture
def cases() -> dict[str, Any]:
    """Six cases over two weeks, four consults with two chiropractors (counted by hand below)."""
    tue, wed = BASE + timedelta(days=1), BASE + timedelta(days=9)
    s1 = case(URGENT, at(BASE, 10), 1)  # urgent, on time
    s2 = case(URGENT, at(BASE, 11), 3)  # urgent, an hour late
    s3 = case({}, at(tue, 10), 30)  # eligible, on time
    s4 = case({}, at(tue, 11), None)  # eligible, never reached: still overdue
    s5 = case(REFER, at(wed, 9), 20)  # refer, on time
    s6 = case({}, at(wed, 10), 60)  # eligible, late
    casey, drew = make_profile("casey"), make_profile("drew")
    past = at(BASE + timedelta(days=14), 9)
    consult(s3, casey, past, attendance="completed", completed_at=past)
    consult(s5, casey, past + timedelta(hours=1), status="missed", attendance="no_show",
            no_show_at=past)  # fmt: skip
    consult(s6, drew, past, status="cancelled", cancelled_at=past)
    consult(s1, drew, past + timedelta(hours=1))  # reached its time, not marked
    consult(s2, drew, timezone.now() + timedelta(days=3))  # still to come
    return {"casey": casey, "drew": drew, "all": [s1, s2, s3, s4, s5, s6]}


def plan_for(submission: Submission) -> TreatmentPlan:
    return TreatmentPlan.objects.create(
        submission=submission, psfs_activities=["Walking", "Stairs", "Running"]
    )


def checkin(
    plan: TreatmentPlan,
    occasion: str,
    *,
    due: datetime | None = None,
    pain: int | None = None,
    psfs: list[int | None] | None = None,
    baseline: bool = False,
    answered_days_ago: int = 1,
) -> OutcomeCheckIn:
    """A check-in, answered (with first-step pain and PSFS scores) when `pain` is given."""
    answered = pain is not None
    return OutcomeCheckIn.objects.create(
        submission=plan.submission,
        plan=plan,
        occasion=occasion,
        due_at=due or timezone.now() - timedelta(days=2),
        answered_at=timezone.now() - timedelta(days=answered_days_ago) if answered else None,
        nprs_first_step=pain,
        nprs_average=pain,
        psfs_scores=psfs or [],
        psfs_baseline=baseline,
    )


def session(submission: Submission, number: int, *, needled: bool = True) -> NeedlingSession:
    chiro = make_chiropractor(f"needler{submission.pk}-{number}")
    return NeedlingSession.objects.create(
        submission=submission,
        number=number,
        date=BASE + timedelta(days=20 + number),
        minutes=30 if needled else None,
        practitioner=chiro,
        recorded_by=chiro,
        new_blood_thinners=False,
        pregnancy=False,
        fever_or_unwell=False,
        skin_broken_or_infected=False,
        new_implants=False,
        safety_decision="passed" if needled else "not_today",
    )


def adverse(submission: Submission, severity: str, on: NeedlingSession | None) -> None:
    AdverseEvent.objects.create(
        submission=submission,
        session=on,
        kind="bruising",
        severity=severity,
        action_taken="Ice.",
        occurred_on=BASE + timedelta(days=22),
        recorded_by=make_clinic_admin(f"recorder{submission.pk}-{severity}-{on is None}"),
    )


@pytest.fixture
def care(cases: dict[str, Any]) -> dict[str, Any]:
    """Plans for s1 (urgent, Drew), s3 (eligible, Casey) and s6 (eligible, Drew); intake
    first-step pain is 7 for all. Counted by hand:

    - s1: its 6-week check-in is its first, so it is its own PSFS baseline: pain 5 (down 2)
      reaches the change; its 12-week check-in is due and unanswered.
    - s3: PSFS baseline [3, 4, skipped]; 6 weeks: pain 6 (down 1), PSFS [5, 5, 9] (pairs +2,
      +1: mean +1.5, the skipped activity left out) does not; 12 weeks: pain 4 (down 3) does.
    - s6: PSFS baseline [2, skipped, 5]; 6 weeks: pain 7, PSFS [3, 9, 6] (pairs +1, +1: the
      naive means 3.5 → 6 would wrongly count) does not; 12 weeks: PSFS [5, skipped, 7] (pairs
      +3, +2) does.

    Sessions: s3 three needled and one stopped by the safety check, s6 one needled; adverse
    events: s3 two mild (one reported later, without a session), s6 one significant.
    """
    s1, s3, s6 = cases["all"][0], cases["all"][2], cases["all"][5]
    p1, p3, p6 = plan_for(s1), plan_for(s3), plan_for(s6)
    checkin(p1, "week_6", pain=5, psfs=[4, 4, 4], baseline=True)
    checkin(p1, "week_12", due=timezone.now() - timedelta(hours=1))
    checkin(p3, "session", pain=7, psfs=[3, 4, None], baseline=True, answered_days_ago=60)
    checkin(p3, "week_6", pain=6, psfs=[5, 5, 9], answered_days_ago=30)
    checkin(p3, "week_12", pain=4, psfs=[3, 4, None])
    checkin(p6, "session", pain=7, psfs=[2, None, 5], baseline=True, answered_days_ago=60)
    checkin(p6, "week_6", pain=7, psfs=[3, 9, 6], answered_days_ago=30)
    checkin(p6, "week_12", pain=7, psfs=[5, None, 7])
    sessions = [session(s3, n) for n in (1, 2, 3)]
    session(s3, 4, needled=False)
    needled_s6 = session(s6, 1)
    adverse(s3, "mild", sessions[0])
    adverse(s3, "mild", None)
    adverse(s6, "significant", needled_s6)
    return cases


def everything(**extra: Any) -> Filters:
    return Filters(start=BASE, end=BASE + timedelta(days=13), **extra)


def viewer(client: Client) -> Client:
    sign_in_client(client, make_clinic_admin())
    return client


def period(**extra: str) -> dict[str, str]:
    end = BASE + timedelta(days=13)
    return {"start": BASE.isoformat(), "end": end.isoformat(), **extra}


# The figures -----------------------------------------------------------------------------------


def test_the_fixture_cases_have_the_outcomes_the_counts_assume(cases: dict[str, Any]) -> None:
    assert [s.outcome for s in cases["all"]] == [
        Outcome.URGENT, Outcome.URGENT, Outcome.ELIGIBLE, Outcome.ELIGIBLE, Outcome.REFER,
        Outcome.ELIGIBLE,
    ]  # fmt: skip


def test_intakes_are_counted_per_week_and_outcome(cases: dict[str, Any]) -> None:
    table = intakes_per_week(everything())
    labels = [str(o.label) for o in Outcome]
    assert table.columns[1:-1] == labels
    week1 = dict(zip(labels, table.rows[0][1:-1], strict=True))
    week2 = dict(zip(labels, table.rows[1][1:-1], strict=True))
    assert table.rows[0][0] == BASE and table.rows[1][0] == BASE + timedelta(days=7)
    assert week1[str(Outcome.URGENT.label)] == 2 and week1[str(Outcome.ELIGIBLE.label)] == 2
    assert week2[str(Outcome.REFER.label)] == 1 and week2[str(Outcome.ELIGIBLE.label)] == 1
    assert [row[-1] for row in table.rows] == [4, 2]


def test_time_to_first_contact_gives_median_and_90th_percentile_per_outcome(
    cases: dict[str, Any],
) -> None:
    rows = {row[0]: row[1:] for row in contact_times(everything()).rows}
    # target, reached, median, p90 (hours); p90 of 1 h and 3 h is 1 + 0.9 × 2 = 2.8.
    assert rows[str(Outcome.URGENT.label)] == [2, 2, 2.0, 2.8]
    assert rows[str(Outcome.REFER.label)] == [24, 1, 20.0, 20.0]
    assert rows[str(Outcome.ELIGIBLE.label)] == [48, 2, 45.0, 57.0]
    assert rows[str(Outcome.REVIEW.label)] == [48, 0, None, None]


def test_the_overdue_rate_counts_late_calls_and_cases_still_overdue(
    cases: dict[str, Any],
) -> None:
    rows = {row[0]: row[1:] for row in overdue_rates(everything()).rows}
    # target, past target, reached late, still overdue, rate
    assert rows[str(Outcome.URGENT.label)] == [2, 2, 1, 0, 50.0]
    assert rows[str(Outcome.REFER.label)] == [24, 1, 0, 0, 0.0]
    assert rows[str(Outcome.ELIGIBLE.label)] == [48, 3, 1, 1, 66.7]
    assert rows[str(Outcome.REVIEW.label)] == [48, 0, 0, 0, None]


def test_conversion_counts_cases_booked_completed_and_with_a_treatment_plan(
    care: dict[str, Any],
) -> None:
    assert [row[1:] for row in conversion(everything()).rows] == [
        [6, 100.0],
        [5, 83.3],
        [1, 16.7],
        [3, 50.0],
    ]
    only_casey = conversion(everything(chiropractor=care["casey"]))
    assert [row[1] for row in only_casey.rows] == [2, 2, 1, 1]


def test_the_minimal_important_change_is_counted_on_answered_6_and_12_week_check_ins(
    care: dict[str, Any],
) -> None:
    table = minimal_change(everything())
    # due, answered, reached, share of answered
    assert [row[1:] for row in table.rows] == [[3, 3, 1, 33.3], [3, 2, 2, 100.0]]
    assert [row[0] for row in table.rows] == ["6 weeks", "12 weeks"]


def test_the_minimal_change_figure_follows_the_chiropractor_and_outcome_filters(
    care: dict[str, Any],
) -> None:
    casey = minimal_change(everything(chiropractor=care["casey"]))
    assert [row[1:] for row in casey.rows] == [[1, 1, 0, 0.0], [1, 1, 1, 100.0]]
    urgent = minimal_change(everything(outcome=Outcome.URGENT))
    assert [row[1:] for row in urgent.rows] == [[1, 1, 1, 100.0], [1, 0, 0, None]]
    later = Filters(start=BASE + timedelta(days=20), end=BASE + timedelta(days=27))
    assert [row[1:] for row in minimal_change(later).rows] == [[0, 0, 0, None]] * 2


def test_the_psfs_mean_counts_only_activities_scored_both_times_and_needs_one(
    cases: dict[str, Any],
) -> None:
    """Edge cases of the PSFS half of the rule (intake first-step pain is 7 throughout):

    - s2: baseline [4, 4, 4]; 6 weeks [6, 6, 6]: a mean gain of exactly 2 reaches it; 12 weeks
      [9, 3, skipped]: +5 and -1, mean 2, reaches it too.
    - s4: baseline [4, skipped, 4]; 6 weeks [skipped, 9, skipped]: no activity scored both
      times, so no PSFS change at all (not "a mean of nothing, which is not below 2").
    - s5: no baseline check-in answered; 6 weeks [9, 9, 9] has nothing to compare with; 12
      weeks: first-step pain 5 (down 2) reaches it on pain alone.
    """
    s2, s4, s5 = cases["all"][1], cases["all"][3], cases["all"][4]
    p2, p4, p5 = plan_for(s2), plan_for(s4), plan_for(s5)
    checkin(p2, "session", pain=7, psfs=[4, 4, 4], baseline=True, answered_days_ago=60)
    checkin(p2, "week_6", pain=7, psfs=[6, 6, 6], answered_days_ago=30)
    checkin(p2, "week_12", pain=7, psfs=[9, 3, None])
    checkin(p4, "session", pain=7, psfs=[4, None, 4], baseline=True, answered_days_ago=60)
    checkin(p4, "week_6", pain=7, psfs=[None, 9, None], answered_days_ago=30)
    checkin(p5, "session", due=timezone.now() - timedelta(days=61))  # never answered
    checkin(p5, "week_6", pain=7, psfs=[9, 9, 9], answered_days_ago=30)
    checkin(p5, "week_12", pain=5, psfs=[9, 9, 9])
    table = minimal_change(everything())
    # due, answered, reached, share of answered
    assert [row[1:] for row in table.rows] == [[3, 3, 1, 33.3], [2, 2, 2, 100.0]]


def test_conversion_counts_a_case_once_whatever_its_number_of_consults(
    cases: dict[str, Any],
) -> None:
    """s3 (a completed consult with Casey) also had one with Drew, cancelled; s4 has two with
    Casey, one completed and one missed, and a treatment plan. Each case counts once per step,
    and with a chiropractor chosen only that chiropractor's consults count."""
    s3, s4 = cases["all"][2], cases["all"][3]
    casey, drew = cases["casey"], cases["drew"]
    later = at(BASE + timedelta(days=15), 9)
    consult(s3, drew, later + timedelta(hours=2), status="cancelled", cancelled_at=later)
    consult(s4, casey, later, attendance="completed", completed_at=later)
    consult(s4, casey, later + timedelta(hours=1), status="missed", attendance="no_show",
            no_show_at=later)  # fmt: skip
    plan_for(s4)
    # intakes, booked, completed, plan
    assert [row[1] for row in conversion(everything()).rows] == [6, 6, 2, 1]
    assert [row[1] for row in conversion(everything(chiropractor=casey)).rows] == [3, 3, 2, 1]
    assert [row[1] for row in conversion(everything(chiropractor=drew)).rows] == [4, 4, 0, 0]


def test_a_check_in_not_yet_due_is_not_counted_as_due(care: dict[str, Any]) -> None:
    OutcomeCheckIn.objects.filter(occasion="week_12", answered_at__isnull=True).update(
        due_at=timezone.now() + timedelta(days=3)
    )
    assert minimal_change(everything()).rows[1][1:] == [2, 2, 2, 100.0]


def test_adverse_events_are_counted_per_100_needling_sessions_beside_the_published_rate(
    care: dict[str, Any],
) -> None:
    rows = adverse_events(everything()).rows
    # events, needled sessions (the one stopped by the safety check left out), per 100,
    # published per 100 (docs/clinical.md gives a number only for significant events)
    assert [row[:5] for row in rows] == [
        ["Mild", 2, 4, 50.0, None],
        ["Significant", 1, 4, 25.0, 0.0],
    ]
    assert "see docs" in rows[0][5] and "Brady 2014" in rows[1][5]
    casey = adverse_events(everything(chiropractor=care["casey"])).rows
    assert [row[1:4] for row in casey] == [[2, 3, 66.67], [0, 3, 0.0]]
    nothing = adverse_events(everything(outcome=Outcome.REFER)).rows
    assert [row[1:4] for row in nothing] == [[0, 0, None], [0, 0, None]]


def test_no_show_rate_counts_consults_that_reached_their_time(cases: dict[str, Any]) -> None:
    rows = {row[0]: row[1:] for row in no_shows(everything()).rows}
    assert rows == {"Dr. Casey": [2, 1, 50.0], "Dr. Drew": [1, 0, 0.0], "All": [3, 1, 33.3]}


def test_the_outcome_filter_keeps_only_that_outcome(cases: dict[str, Any]) -> None:
    urgent = everything(outcome=Outcome.URGENT)
    assert intakes_per_week(urgent).columns[1:-1] == [str(Outcome.URGENT.label)]
    assert conversion(urgent).rows[0][1] == 2


def test_target_hours_match_the_contact_deadlines_on_a_monday_morning() -> None:
    monday = at(weeks_ago(-1), 10)
    for outcome in Outcome:
        deadline = workflow.contact_deadline(outcome.value, monday)
        assert deadline - monday == timedelta(hours=TARGET_HOURS[outcome.value]), outcome


def test_the_sqlite_percentile_interpolates_like_postgresql() -> None:
    assert percentile([1.0], 0.9) == 1.0
    assert percentile([1.0, 3.0], 0.5) == 2.0
    assert percentile([10.0, 20.0, 30.0, 40.0], 0.9) == pytest.approx(37.0)


# The page, charts and downloads ---------------------------------------------------------------


SLUGS = (
    "intakes",
    "contact-times",
    "overdue",
    "conversion",
    "no-shows",
    "minimal-change",
    "adverse-events",
)


def test_the_dashboard_shows_every_figure_with_its_table_and_no_placeholder_left(
    client: Client, care: dict[str, Any]
) -> None:
    response = viewer(client).get("/staff/reports/", period())
    assert response.status_code == 200
    page = response.content.decode()
    for slug in SLUGS:
        assert f'src="/staff/reports/{slug}.svg?start=' in page
        assert f'href="/staff/reports/{slug}.csv?start=' in page
    assert "<caption>Overdue rate</caption>" in page
    assert "<caption>Adverse events per 100 sessions</caption>" in page
    assert "<caption>Minimal important change at 6 and 12 weeks</caption>" in page
    assert "66.7" in page and "33.3" in page and "Brady 2014" in page
    assert "Available once treatment plans are recorded." not in page
    assert "<script" not in page.replace('<script src="/static/js/staff.js"></script>', "")


def test_the_dashboard_uses_a_bounded_number_of_queries(
    client: Client, care: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    viewer(client)
    with django_assert_max_num_queries(15):
        assert client.get("/staff/reports/", period()).status_code == 200


@pytest.mark.parametrize("slug", SLUGS)
def test_each_chart_is_a_small_self_contained_svg_with_title_and_description(
    client: Client, care: dict[str, Any], slug: str
) -> None:
    response = viewer(client).get(f"/staff/reports/{slug}.svg", period())
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    body = response.content
    assert len(body) <= 30 * 1024
    root = ElementTree.fromstring(body)
    assert root.tag == f"{SVG}svg"
    assert root.findtext(f"{SVG}title")  # the report's title
    assert root.findtext(f"{SVG}desc")  # what it counts, exactly
    text = body.decode()
    assert "<script" not in text and "http://" not in text.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in text


def test_the_weekly_chart_stays_under_30_kb_over_two_years(client: Client) -> None:
    end = timezone.localdate()
    response = viewer(client).get(
        "/staff/reports/intakes.svg", {"start": (end - timedelta(days=730)).isoformat()}
    )
    assert response.status_code == 200 and len(response.content) <= 30 * 1024


def test_a_csv_download_has_the_same_figures_as_the_table(
    client: Client, care: dict[str, Any]
) -> None:
    response = viewer(client).get("/staff/reports/no-shows.csv", period())
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Chiropractor", "Consults that reached their time", "No-shows",
                       "No-show rate (%)"]  # fmt: skip
    assert rows[1:] == [
        ["Dr. Casey", "2", "1", "50.0"],
        ["Dr. Drew", "1", "0", "0.0"],
        ["All", "3", "1", "33.3"],
    ]
    steps = list(csv.reader(io.StringIO(
        client.get("/staff/reports/conversion.csv", period()).content.decode()
    )))  # fmt: skip
    assert steps[-1] == ["Treatment plan started", "3", "50.0"]
    change = list(csv.reader(io.StringIO(
        client.get("/staff/reports/minimal-change.csv", period()).content.decode()
    )))  # fmt: skip
    assert change[0][0] == "Check-in" and change[1:] == [
        ["6 weeks", "3", "3", "1", "33.3"],
        ["12 weeks", "3", "2", "2", "100.0"],
    ]
    events = list(csv.reader(io.StringIO(
        client.get("/staff/reports/adverse-events.csv", period()).content.decode()
    )))  # fmt: skip
    assert [row[:5] for row in events[1:]] == [
        ["Mild", "2", "4", "50.0", "—"],
        ["Significant", "1", "4", "25.0", "0.0"],
    ]


def test_the_dashboard_defaults_to_the_last_twelve_weeks(client: Client) -> None:
    response = viewer(client).get("/staff/reports/")
    assert response.status_code == 200
    form = response.context["form"]
    assert form.cleaned_data["end"] == timezone.localdate()
    assert form.cleaned_data["end"] - form.cleaned_data["start"] == timedelta(days=83)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-13-45"}, "Enter a valid date."),
        ({"start": "9999-12-31"}, "Please enter a date between"),
        ({"start": "2026-05-01", "end": "2026-04-01"}, "The start date must be on or before"),
        ({"start": "2020-01-01", "end": "2026-01-01"}, "at most two years"),
        ({"outcome": "cured"}, "Select a valid choice"),
        ({"chiropractor": "abc"}, "Select a valid choice"),
        ({"chiropractor": "999999"}, "Select a valid choice"),
    ],
)
def test_bad_filters_get_a_clear_message_never_a_500(
    client: Client, query: dict[str, str], message: str
) -> None:
    viewer(client)
    page = client.get("/staff/reports/", query)
    assert page.status_code == 200
    assert message in page.content.decode()
    assert page.context["sections"] == []
    for url in ("/staff/reports/intakes.svg", "/staff/reports/intakes.csv"):
        response = client.get(url, query)
        assert response.status_code == 400
        assert message in response.content.decode()


def test_an_unknown_report_is_not_found(client: Client) -> None:
    viewer(client)
    assert client.get("/staff/reports/outcomes.svg").status_code == 404
    assert client.get("/staff/reports/nothing.csv").status_code == 404


def test_the_dashboard_reads_in_spanish(client: Client) -> None:
    viewer(client)
    client.cookies["django_language"] = "es"
    page = client.get("/staff/reports/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Panel de la clínica" in page
    assert "Cambio mínimo importante a las 6 y 12 semanas" in page
    assert "Efectos adversos por cada 100 sesiones" in page


# Who may see it -------------------------------------------------------------------------------

URLS = ("/staff/reports/", "/staff/reports/intakes.svg", "/staff/reports/overdue.csv")


@pytest.mark.parametrize("url", URLS)
def test_chiropractors_and_clinic_admins_see_the_dashboard_others_do_not(
    client: Client, url: str
) -> None:
    assert client.get(url).status_code == 302  # anonymous: to the sign-in page
    assert client.get(url)["Location"].startswith("/staff/login/")
    for user, status in (
        (make_front_desk(), 403),
        (make_chiropractor(), 200),
        (make_clinic_admin(), 200),
    ):
        other = Client()
        sign_in_client(other, user)
        assert other.get(url).status_code == status, user.username


def test_only_roles_with_the_dashboard_see_it_in_the_menu(client: Client) -> None:
    sign_in_client(client, make_front_desk())
    assert "/staff/reports/" not in client.get("/staff/account/").content.decode()
    admin = Client()
    sign_in_client(admin, make_clinic_admin())
    assert 'href="/staff/reports/"' in admin.get("/staff/account/").content.decode()


def test_a_figure_is_computed_once_a_minute_for_the_same_filters_and_shared_by_chart_and_csv(
    client: Client, care: dict[str, Any]
) -> None:
    viewer(client)
    assert client.get("/staff/reports/", period()).status_code == 200
    # The page computed every figure: its chart and CSV reuse them (only sign-in queries run).
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/staff/reports/minimal-change.svg", period()).status_code == 200
        assert client.get("/staff/reports/adverse-events.csv", period()).status_code == 200
    assert not [q for q in queries if "care_" in q["sql"] or "intake_submission" in q["sql"]]
    # Other filters are other figures.
    other = client.get("/staff/reports/adverse-events.csv", period(outcome="refer"))
    assert list(csv.reader(io.StringIO(other.content.decode())))[1][1] == "0"
    key = cache_key("adverse-events", everything())
    assert cache.get(key) is not None and cache_key("adverse-events", everything(
        outcome="refer"
    )) != key  # fmt: skip
