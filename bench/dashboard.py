#!/usr/bin/env python3
"""Clinic dashboard benchmark: server time and queries with 100,000 submissions in PostgreSQL.

Run by hand (never from the test suite), from the repository root:

    .venv/bin/python bench/dashboard.py                 # 100,000 submissions, 30 requests each
    .venv/bin/python bench/dashboard.py --rows 20000 --requests 10
    .venv/bin/python bench/dashboard.py --database clinic_bench_dashboard_mine  # your own copy
    .venv/bin/python bench/dashboard.py --figures 5 --no-pages      # each figure's query alone
    .venv/bin/python bench/dashboard.py --explain "12 weeks" --no-pages  # EXPLAIN ANALYZE each

It uses its own database, clinic_bench_dashboard (or --database NAME), on 127.0.0.1:5432 (user
postgres, trust auth), created and migrated when missing and kept between runs: it is filled
once by bench/queue.py's bulk insert (synthetic rows; old cases reached at submission), then
given a spread of first-contact times and about one consult per three cases (the three
chiropractors in turn), half of them completed and one in ten a no-show; then a treatment plan
for each case with a consult, 9 needling sessions per plan (~300,000; one in 20 stopped by the
safety check), a check-in after each session plus the 6- and 12-week ones (~360,000, most
answered) and an adverse event after about one session in 12 (one in 500 significant). Pages
are requested through Django's test Client by a signed-in clinic admin, in-process, DEBUG off.
Goal: the dashboard's p95 under 300 ms with at most 15 queries; each chart image and CSV is
measured too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench import queue as queue_bench  # noqa: E402

queue_bench.DATABASE = "clinic_bench_dashboard"


def add_contacts_and_consults() -> None:
    """Spread first-contact times and add consults, in SQL (fast, synthetic)."""
    from django.db import connection

    from consults.models import Chiropractor, Consult, default_location_pk
    from tests.helpers import make_chiropractor

    if Consult.objects.exists():
        return
    chiropractors = [
        Chiropractor.objects.filter(display_name=name).first()
        or Chiropractor.objects.create(user=make_chiropractor(f"bench-{n}"), display_name=name)
        for n, name in enumerate(["Dr. Ames", "Dr. Bell", "Dr. Cole"])
    ]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # Reached between 10 minutes and about 3 days after submission.
        cursor.execute(
            "UPDATE intake_submission SET first_contact_at = submitted_at"
            " + (10 + (id * 7919) % 4300) * interval '1 minute'"
            " WHERE first_contact_at IS NOT NULL"
        )
        # One case in three gets a consult, on its own slot (10 minutes apart: never overlapping),
        # with the three chiropractors in turn (s.id is a multiple of 3 here, hence s.id / 3).
        cursor.execute(
            """
            INSERT INTO consults_consult (chiropractor_id, location_id, submission_id, starts_at,
                ends_at,
                kind, status, ics_uid, sequence, manage_key, booked_at, cancel_reason,
                attendance, completed_at, no_show_at)
            SELECT (%s::int[])[1 + (s.id / 3) %% 3], %s, s.id,
                now() - interval '700 days' + s.id * interval '10 minutes',
                now() - interval '700 days' + s.id * interval '10 minutes' + interval '30 minutes',
                'dry_needling',
                CASE WHEN s.id %% 10 = 0 THEN 'missed' ELSE 'active' END,
                'bench-' || s.id || '@consults.clinic', 0, 'bench-' || s.id, s.submitted_at, '',
                CASE WHEN s.id %% 10 = 0 THEN 'no_show'
                     WHEN s.id %% 2 = 0 THEN 'completed' ELSE '' END,
                CASE WHEN s.id %% 2 = 0 AND s.id %% 10 <> 0 THEN s.submitted_at END,
                CASE WHEN s.id %% 10 = 0 THEN s.submitted_at END
            FROM intake_submission s WHERE s.id %% 3 = 0 AND s.status <> 'new'
            """,
            [[c.pk for c in chiropractors], default_location_pk()],
        )
        cursor.execute("VACUUM ANALYZE")
    print(f"  contacts and consults added ({time.perf_counter() - started:.0f} s)")


def add_care(sessions_per_plan: int = 9) -> None:
    """Plans, sessions, check-ins and adverse events for the cases with a consult, in SQL."""
    from django.db import connection

    from care.models import TreatmentPlan
    from consults.models import Chiropractor

    if TreatmentPlan.objects.exists():
        return
    chiro = Chiropractor.objects.order_by("pk").first()
    assert chiro is not None
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO care_treatmentplan (submission_id, with_needling, link_key, created_at,
                psfs_activities, minimal_change_reached)
            SELECT c.submission_id, true, 'bench-plan-' || c.submission_id,
                c.starts_at + interval '1 hour', '["Walking", "Stairs", "Running"]'::jsonb,
                c.submission_id %% 3 = 0
            FROM consults_consult c
            """,
            [],
        )
        cursor.execute(
            """
            INSERT INTO care_needlingsession (submission_id, number, date, minutes,
                minutes_confirmed, areas, other_area, practitioner_id, new_blood_thinners,
                pregnancy, fever_or_unwell, skin_broken_or_infected, new_implants,
                safety_decision, safety_reason, notes, recorded_by_id, recorded_at, check_key)
            SELECT p.submission_id, n, (p.created_at + n * interval '7 days')::date,
                CASE WHEN (p.submission_id + n) %% 20 = 0 THEN NULL ELSE 30 END, false,
                '["gastrocnemius"]'::jsonb, '', %s, false, false, false, false, false,
                CASE WHEN (p.submission_id + n) %% 20 = 0 THEN 'not_today' ELSE 'passed' END,
                '', '', %s, p.created_at + n * interval '7 days',
                'bench-session-' || p.submission_id || '-' || n
            FROM care_treatmentplan p, generate_series(1, %s) n
            """,
            [chiro.user_id, chiro.user_id, sessions_per_plan],
        )
        # After each session; the first is the PSFS baseline. Pain falls by a point a session
        # for two cases in three; nine in ten are answered.
        cursor.execute(
            """
            INSERT INTO care_outcomecheckin (submission_id, plan_id, session_id, occasion,
                due_at, link_key, answered_at, nprs_first_step, nprs_average, psfs_scores,
                psfs_baseline, anything_new_text, red_flags, urgent_rules)
            SELECT s.submission_id, p.id, s.id, 'session', s.recorded_at,
                'bench-checkin-' || s.id,
                CASE WHEN s.id %% 10 <> 0 THEN s.recorded_at + interval '1 day' END,
                greatest(7 - CASE WHEN s.submission_id %% 3 <> 0 THEN s.number ELSE 0 END, 0),
                5, jsonb_build_array(3 + s.number %% 5, 4, NULL), s.number = 1, '', '{}', '[]'
            FROM care_needlingsession s JOIN care_treatmentplan p USING (submission_id)
            """,
            [],
        )
        for occasion, weeks in (("week_6", 6), ("week_12", 12)):
            cursor.execute(
                """
                INSERT INTO care_outcomecheckin (submission_id, plan_id, occasion, due_at,
                    link_key, answered_at, nprs_first_step, nprs_average, psfs_scores,
                    psfs_baseline, anything_new_text, red_flags, urgent_rules)
                SELECT p.submission_id, p.id, %s, p.created_at + %s * interval '1 week',
                    'bench-' || %s || '-' || p.id,
                    CASE WHEN p.id %% 4 <> 0 AND p.created_at + %s * interval '1 week' < now()
                         THEN p.created_at + %s * interval '1 week' END,
                    (p.submission_id + %s) %% 9, 5, jsonb_build_array(p.id %% 10, 6, NULL),
                    false, '', '{}', '[]'
                FROM care_treatmentplan p
                """,
                [occasion, weeks, occasion, weeks, weeks, weeks],
            )
        cursor.execute(
            """
            INSERT INTO care_adverseevent (submission_id, session_id, kind, severity,
                description, action_taken, occurred_on, recorded_by_id, recorded_at,
                clearance_reason)
            SELECT s.submission_id, s.id, 'bruising',
                CASE WHEN s.id %% 500 = 0 THEN 'significant' ELSE 'mild' END, '', 'Ice.',
                s.date, %s, s.recorded_at, ''
            FROM care_needlingsession s
            WHERE s.id %% 12 = 0 AND s.safety_decision <> 'not_today'
            """,
            [chiro.user_id],
        )
        cursor.execute("VACUUM ANALYZE")
    took = time.perf_counter() - started
    print(f"  plans, sessions, check-ins and adverse events added ({took:.0f} s)")


def measure(requests: int, *, cold: bool = False) -> list[tuple[str, float, float, int]]:
    """Each page's p50, p95 and queries. Warm: figures computed in the last minute are reused
    (reports.dashboard.CACHE_SECONDS), as when a page's charts and CSVs follow it; cold: the
    cache is emptied before every request, so every figure is computed."""
    from django.core.cache import cache
    from django.db import connection, reset_queries
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from consults.models import Chiropractor
    from intake.models import User
    from tests.helpers import make_clinic_admin, sign_in

    admin = User.objects.filter(username="bench-admin").first() or make_clinic_admin("bench-admin")
    client = Client()
    sign_in(client, admin)
    chiro = Chiropractor.objects.order_by("pk").first()
    assert chiro is not None
    today = timezone.localdate()
    year = f"start={today - timedelta(days=364)}&end={today}"
    two_years = f"start={today - timedelta(days=729)}&end={today}"
    pages = {
        "dashboard, last 12 weeks": "/staff/reports/",
        "dashboard, a year": f"/staff/reports/?{year}",
        "dashboard, a year, one chiropractor": f"/staff/reports/?{year}&chiropractor={chiro.pk}",
        "dashboard, two years, outcome=refer": f"/staff/reports/?{two_years}&outcome=refer",
        "chart: intakes, a year": f"/staff/reports/intakes.svg?{year}",
        "chart: contact times, a year": f"/staff/reports/contact-times.svg?{year}",
        "chart: overdue, a year": f"/staff/reports/overdue.svg?{year}",
        "CSV: no-shows, a year": f"/staff/reports/no-shows.csv?{year}",
        "chart: conversion, a year": f"/staff/reports/conversion.svg?{year}",
        "chart: minimal change, a year": f"/staff/reports/minimal-change.svg?{year}",
        "CSV: adverse events, a year": f"/staff/reports/adverse-events.csv?{year}",
    }
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    figures = []
    with override_settings(STORAGES=storages):
        for name, url in pages.items():
            assert client.get(url).status_code == 200, url
            reset_queries()
            if cold:
                cache.clear()
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            count = len(queries)
            times = []
            for _ in range(requests):
                if cold:
                    cache.clear()
                started = time.perf_counter()
                assert client.get(url).status_code == 200
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            p95 = times[max(int(len(times) * 0.95) - 1, 0)]
            figures.append((name, statistics.median(times), p95, count))
    return figures


def filter_sets() -> dict[str, Any]:
    """The filter sets the pages above use, as the dashboard's Filters."""
    from django.utils import timezone

    from consults.models import Chiropractor
    from reports.figures import Filters
    from reports.forms import DEFAULT_WEEKS

    today = timezone.localdate()
    chiro = Chiropractor.objects.order_by("pk").first()
    year = today - timedelta(days=364)
    return {
        "12 weeks": Filters(today - timedelta(weeks=DEFAULT_WEEKS) + timedelta(days=1), today),
        "a year": Filters(year, today),
        "a year, one chiro": Filters(year, today, chiropractor=chiro),
        "2 years, refer": Filters(today - timedelta(days=729), today, outcome="refer"),
    }


def measure_figures(repeat: int) -> None:
    """Each figure's query alone (no cache), per filter set: best and median ms, queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.dashboard import REPORTS

    sets = filter_sets()
    print(f"\neach figure alone, best / median of {repeat} (ms)")
    print(f"{'figure':<16}" + "".join(f"{name:>20}" for name in sets))
    for report in REPORTS:
        if report.query is None:
            continue
        cells = []
        for filters in sets.values():
            times = []
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    report.query(filters)
                    times.append((time.perf_counter() - started) * 1000)
            best, median = min(times), statistics.median(times)
            cells.append(f"{best:.0f} / {median:.0f} ({len(queries)}q)")
        print(f"{report.slug:<16}" + "".join(f"{cell:>20}" for cell in cells))


def explain(which: str) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of every figure's SQL for one filter set."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.dashboard import REPORTS

    filters = filter_sets()[which]
    for report in REPORTS:
        if report.query is None:
            continue
        with CaptureQueriesContext(connection) as queries:
            report.query(filters)
        for query in queries.captured_queries:
            print(f"\n==== {report.slug} ({which})\n{query['sql']}\n")
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                print("\n".join(row[0] for row in cursor.fetchall()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument(
        "--database",
        default=queue_bench.DATABASE,
        help="the PostgreSQL database to use (kept and reused between runs; default %(default)s)",
    )
    parser.add_argument(
        "--figures", type=int, metavar="N", help="time each figure's query alone, N times"
    )
    parser.add_argument(
        "--explain",
        metavar="FILTERS",
        help="print EXPLAIN (ANALYZE, BUFFERS) of each figure's SQL for one filter set: "
        "'12 weeks', 'a year', 'a year, one chiro' or '2 years, refer'",
    )
    parser.add_argument("--no-pages", action="store_true", help="skip the page measurements")
    args = parser.parse_args()
    queue_bench.DATABASE = args.database
    queue_bench.ensure_database()
    queue_bench.setup_django()
    queue_bench.fill(args.rows)
    add_contacts_and_consults()
    add_care()
    from care.models import NeedlingSession, OutcomeCheckIn
    from consults.models import Consult
    from intake.models import Submission

    print(
        f"\n{Submission.objects.count()} submissions, {Consult.objects.count()} consults, "
        f"{NeedlingSession.objects.count()} sessions, {OutcomeCheckIn.objects.count()} "
        f"check-ins, {args.requests} requests per page"
    )
    print(f"load average: {' '.join(f'{n:.1f}' for n in os.getloadavg())}")
    if args.explain:
        explain(args.explain)
    if args.figures:
        measure_figures(args.figures)
    if args.no_pages:
        return
    for cold in (False, True):
        print("\ncold: every figure computed" if cold else "\nwarm: figures reused for a minute")
        print(f"{'page':<40} {'p50 ms':>7} {'p95 ms':>7} {'queries':>8}")
        for name, p50, p95, queries in measure(args.requests, cold=cold):
            flag = "" if p95 < 300 and queries <= 15 else "  <-- over goal"
            print(f"{name:<40} {p50:7.1f} {p95:7.1f} {queries:8d}{flag}")


if __name__ == "__main__":
    main()
