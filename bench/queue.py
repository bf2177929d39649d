#!/usr/bin/env python3
"""Staff queue benchmark: server time and queries per page with 100,000 submissions in PostgreSQL.

Run by hand (never from the test suite), from the repository root:

    .venv/bin/python bench/queue.py                 # 100,000 submissions, 50 requests per page
    .venv/bin/python bench/queue.py --rows 20000 --requests 30
    .venv/bin/python bench/queue.py --rows 1000000 --requests 20   # a large clinic
    .venv/bin/python bench/queue.py --locations 20 --chiropractors 50  # docs/locations.md
    # issue 17's large clinic, built once (about 20 minutes) into a named database and reused:
    .venv/bin/python bench/queue.py --rows 1000000 --locations 20 --chiropractors 50 \
        --database clinic_bench_1m --requests 30 --purge 365

It uses its own database, clinic_bench_queue (clinic_bench_queue_<rows> for another --rows, or the
one named by --database), on 127.0.0.1:5432 (user postgres, trust auth): created and migrated when
missing, and filled once with synthetic rows by bulk insert (fast made-up rows, not the intake
path). Rerunning with the same database reuses them: build a million rows once (it takes a while)
and measure as often as needed. Each page is requested through Django's test Client by a signed-in
front-desk user, in-process, DEBUG off: the time measured is the server's (middleware, views,
queries, templates), not the network's. Goal: p95 under 100 ms and at most 10 queries per page, the
last queue page included (keyset paging). The CSV export of every status is then streamed once:
time to the first chunk, total time, and the resident memory before, warm, and at most.

With --locations N --chiropractors M (database clinic_bench_queue_locations[_<rows>]) the
clinic has N locations and M chiropractors, each working at one location, and every case that
is not new has a consult at a random location; the queue is then also measured filtered to one
location, and for a front desk limited to one location.

With --purge DAYS, purge_data then runs with CLINIC_RETENTION_DAYS=DAYS over a copy of the
database (<database>_purge, dropped afterwards): its total time, and how long its transactions
stayed open (row locks last until the end of a transaction), sampled from pg_stat_activity.
--no-pages and --no-export skip the other parts.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# This file is named queue.py: keep its folder off the import path so that it never hides the
# standard library's queue module (which psycopg and logging import).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
DEFAULT_ROWS = 100_000
DATABASE = "clinic_bench_queue"  # clinic_bench_queue_<rows> for another --rows
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
BATCH = 5000
LOCATIONS = 0  # --locations

FIRST_NAMES = [
    "Ada",
    "Ben",
    "Cleo",
    "Dev",
    "Eli",
    "Fay",
    "Gus",
    "Hana",
    "Ivo",
    "Juno",
    "Kit",
    "Lea",
]
LAST_NAMES = [
    "Abbott", "Barlow", "Carver", "Dalton", "Ellery", "Fenwick", "Garland", "Hollis",
    "Ingram", "Jessop", "Kirkby", "Lowther", "Marlow", "Norcott", "Oakes", "Pryce",
]  # fmt: skip
# Answer changes giving each outcome, with their share of the rows.
VARIANTS: list[tuple[dict[str, Any], int]] = [
    ({"calf_swelling": True}, 2),
    ({"night_pain": True}, 8),
    ({"needle_willing": "no"}, 10),
    ({"blood_thinners": True, "pain_side": "both"}, 40),
    ({}, 40),
]


def ensure_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
        if not exists:
            conn.execute(f"CREATE DATABASE {DATABASE}")


def setup_django() -> None:
    os.environ["DATABASE_URL"] = f"{PG_SERVER}/{DATABASE}"
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-queue-secret-key-not-for-production-0123")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    # The test Client's host. No setup_test_environment(): its template instrumentation (context
    # copies for every template rendered) would be measured as if it were server time.
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from django.db import connection

    # Fresh planner statistics: a migration may just have filled new columns.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE intake_submission")


def fill(rows: int) -> None:
    """Bulk-insert synthetic submissions (and a screening record each) up to `rows`."""
    from django.db import transaction
    from django.utils import timezone

    from intake import audit
    from intake.demo import eligible_answers
    from intake.models import (
        OPEN_STATUSES,
        SEVERITY,
        AuditEvent,
        ScreeningRecord,
        Status,
        Submission,
    )
    from intake.search import phone_e164, search_text
    from intake.submissions import current_policy
    from intake.workflow import contact_deadline
    from screening import screen

    have = Submission.objects.count()
    if have >= rows:
        print(f"{have} submissions already in {DATABASE}")
        return
    rng = random.Random(have)
    now = timezone.now()
    policy = current_policy()
    weighted = [answers for answers, weight in VARIANTS for _ in range(weight)]
    closed = [Status.CLOSED, Status.REFERRED_OUT, Status.NOT_PROCEEDING]
    started = time.perf_counter()
    for start in range(have, rows, BATCH):
        batch = []
        results = []
        for n in range(start, min(start + BATCH, rows)):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            answers = eligible_answers(first_name=first, last_name=last, **rng.choice(weighted))
            submitted = now - timedelta(minutes=rng.randint(1, 2 * 365 * 24 * 60))
            result = screen(answers, screening_date=timezone.localdate(submitted), policy=policy)
            # Most old cases are finished; the last few weeks are still open.
            recent = now - submitted < timedelta(days=21)
            status = rng.choice(OPEN_STATUSES) if recent else rng.choice(closed)
            batch.append(
                Submission(
                    reference=f"B{n:07d}",
                    draft_key=uuid.uuid4(),
                    answers=answers,
                    first_name=first,
                    last_name=f"{last}{n}",
                    email=f"{first}.{last}{n}@example.com".lower(),
                    phone=f"555 {n // 10000:03d} {n % 10000:04d}",
                    phone_e164=phone_e164(f"555 {n // 10000:03d} {n % 10000:04d}"),
                    search_text=search_text(
                        first_name=first,
                        last_name=f"{last}{n}",
                        email=f"{first}.{last}{n}@example.com".lower(),
                    ),
                    date_of_birth=answers["date_of_birth"],
                    consent_version="2026-11",
                    signature=f"{first} {last}",
                    signed_at=submitted,
                    submitted_at=submitted,
                    screened_outcome=result.outcome,
                    outcome=result.outcome,
                    priority=SEVERITY[result.outcome],
                    status=status,
                    contact_due_at=(
                        contact_deadline(result.outcome, submitted)
                        if status == Status.NEW
                        else None
                    ),
                    first_contact_at=None if status == Status.NEW else submitted,
                    last_contact_at=None if status == Status.NEW else submitted,
                    last_contact_result="" if status == Status.NEW else "reached",
                )
            )
            results.append(result)
        with transaction.atomic():
            created = Submission.objects.bulk_create(batch)
            ScreeningRecord.objects.bulk_create(
                ScreeningRecord(
                    submission=s,
                    outcome=r.outcome,
                    findings=r.as_dict()["findings"],
                    ruleset=r.ruleset,
                    screening_date=r.screening_date,
                    policy=r.policy.as_dict(),
                    created_at=s.submitted_at,
                )
                for s, r in zip(created, results, strict=True)
            )
            AuditEvent.objects.bulk_create(
                AuditEvent(action=audit.SUBMITTED, submission=s, at=s.submitted_at) for s in created
            )
        print(f"  {start + len(batch)} / {rows} rows ({time.perf_counter() - started:.0f} s)")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def fill_locations(locations: int, chiropractors: int) -> None:
    """N locations, M chiropractors (one location each), a consult for every case not new."""
    from django.db import connection, transaction
    from django.utils import timezone

    from consults.models import Chiropractor, Consult, Location, WorkingHours, default_location_pk
    from intake.models import Status, Submission
    from tests.helpers import make_staff

    if Consult.objects.exists():
        print(f"{Consult.objects.count()} consults already in {DATABASE}")
        return
    default_location_pk()
    for n in range(Location.objects.count(), locations):
        Location.objects.create(name=f"Location {n + 1:02d}", address=f"{n + 1} Bench Street")
    places = list(Location.objects.order_by("pk"))
    staff = []
    for n in range(chiropractors):
        user = make_staff(f"bench-chiro-{n}", "Chiropractor")
        chiro = Chiropractor.objects.create(user=user, display_name=f"Dr. Bench {n}")
        for weekday in range(5):
            WorkingHours.objects.create(
                chiropractor=chiro,
                location=places[n % len(places)],
                weekday=weekday,
                starts=datetime_time(9),
                ends=datetime_time(17),
            )
        staff.append(chiro)
    ids = list(
        Submission.objects.exclude(status=Status.NEW).order_by("pk").values_list("pk", flat=True)
    )
    rng = random.Random(7)
    base = timezone.now() - timedelta(days=365)
    started = time.perf_counter()
    for start in range(0, len(ids), BATCH):
        batch = []
        for i, pk in enumerate(ids[start : start + BATCH], start=start):
            chiro = staff[i % len(staff)]
            moment = base + timedelta(minutes=30 * (i // len(staff)))
            batch.append(
                Consult(
                    chiropractor=chiro,
                    location=places[(i % len(staff)) % len(places)],
                    submission_id=pk,
                    starts_at=moment,
                    ends_at=moment + timedelta(minutes=30),
                    kind=Consult.Kind.DRY_NEEDLING,
                    status=rng.choice([Consult.Status.ACTIVE, Consult.Status.CANCELLED]),
                    cancelled_at=moment,
                )
            )
        with transaction.atomic():
            Consult.objects.bulk_create(batch)
            # Each case is at its consult's location, as the booking workflow would record it.
            for place in places:
                Submission.objects.filter(
                    pk__in=[c.submission_id for c in batch if c.location_id == place.pk]
                ).update(location=place)
        took = time.perf_counter() - started
        print(f"  {start + len(batch)} / {len(ids)} consults ({took:.0f} s)")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def datetime_time(hour: int) -> Any:
    from datetime import time as clock

    return clock(hour)


def location_pages() -> dict[str, list[str]]:
    """The queue filtered to one location (clinic admin view) and a limited front desk's."""
    from consults.locations import forget_places
    from consults.models import Location, StaffLocation
    from intake.models import User
    from tests.helpers import make_front_desk

    place = Location.objects.order_by("pk")[1]
    desk = User.objects.filter(username="bench-desk-one").first() or make_front_desk(
        "bench-desk-one"
    )
    StaffLocation.objects.get_or_create(user=desk, location=place)
    forget_places()
    return {
        "queue, filter one location": [f"/staff/?location={place.pk}"],
        "queue, one location, all statuses": [f"/staff/?location={place.pk}&status=all"],
        # "limited:" pages are requested by a front desk limited to that location.
        "queue, desk limited to a location": ["limited:/staff/"],
        "queue, limited desk, all statuses": ["limited:/staff/?status=all"],
    }


def measure(requests: int, only: str = "") -> list[tuple[str, float, float, float, float, int]]:
    """Per page: wall-clock p50 and p95, p50 of this process's CPU time, the SQL time of one
    request (ms) and its number of queries."""
    from django.db import connection, reset_queries
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from intake.models import Submission, User
    from tests.helpers import make_front_desk, sign_in

    desk = User.objects.filter(username="bench-desk").first() or make_front_desk("bench-desk")
    client = Client()
    sign_in(client, desk)
    limited = Client()
    if LOCATIONS:
        location_pages()  # makes the limited desk
        sign_in(limited, User.objects.get(username="bench-desk-one"))

    def get(url: str) -> Any:
        if url.startswith("limited:"):
            return limited.get(url.removeprefix("limited:"))
        return client.get(url)

    from intake.models import QUEUE_ORDER
    from staff.paging import Cursor

    # The cursor of the queue's last page over every status: as cheap as the first (keyset).
    tail = Submission.objects.order_by(*(f"-{name}" for name in QUEUE_ORDER))[25]
    last_page = f"/staff/?status=all&after={Cursor.of(tail).token()}"
    references = list(
        Submission.objects.filter(status="new").values_list("reference", flat=True)[:requests]
    )
    pages = {
        **(location_pages() if LOCATIONS else {}),
        "queue, first page": ["/staff/"],
        "queue, filter outcome=refer": ["/staff/?outcome=refer"],
        "queue, filter overdue": ["/staff/?overdue=on"],
        "queue, all statuses, last page": [last_page],
        "queue, search a name": ["/staff/?q=Hollis"],
        "queue, search a name, all statuses": ["/staff/?q=Hollis&status=all"],
        "queue, search a reference": ["/staff/?q=B0012345&status=all"],
        "queue, search a phone": ["/staff/?q=555+004+2"],
        "queue, search a phone, E.164": ["/staff/?q=%2B15550042&status=all"],
        "queue, search 'last, first'": ["/staff/?q=Hollis%2C+Ada&status=all"],
        "submission page": [f"/staff/submissions/{ref}/" for ref in references],
        "CSV export, open queue": ["/staff/export.csv?outcome=urgent"],
    }
    figures = []
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        for name, urls in pages.items():
            if only not in name:
                continue
            for url in urls[:3]:
                assert get(url).status_code == 200, url
            reset_queries()  # a request resets the log; start from empty so the count is right
            with CaptureQueriesContext(connection) as queries:
                get(urls[0])
            # Read now: the next request empties the query log.
            query_count = len(queries)
            sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
            times, cpu = [], []
            for i in range(requests):
                started, started_cpu = time.perf_counter(), time.process_time()
                response = get(urls[i % len(urls)])
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
                assert response.status_code == 200
            times.sort()
            p95 = times[max(int(len(times) * 0.95) - 1, 0)]
            figures.append(
                (name, statistics.median(times), p95, statistics.median(cpu), sql_ms, query_count)
            )
    return figures


def rss_mb() -> float:
    """This process's resident memory now (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure_export() -> tuple[float, float, int, int, float, float, float]:
    """Stream the CSV of every status once: seconds to the first chunk and in all, rows, bytes,
    and this process's resident memory (MB): just before, once the first 10,000 rows are out
    (the first rows load the question catalogue, labels and translations), and the most it
    reached while streaming (read every 100 chunks). Flat memory: the last two stay close."""
    from django.test import Client

    from intake.models import User
    from tests.helpers import make_front_desk, sign_in

    client = Client()
    sign_in(
        client, User.objects.filter(username="bench-desk").first() or make_front_desk("bench-desk")
    )
    before = rss_mb()
    warm = highest = 0.0
    started = time.perf_counter()
    response = client.get("/staff/export.csv?status=all")
    assert response.status_code == 200 and response.streaming
    first_chunk, size, lines = 0.0, 0, 0
    for n, chunk in enumerate(response.streaming_content):  # type: ignore[attr-defined]
        if not first_chunk:
            first_chunk = time.perf_counter() - started
        size += len(chunk)
        lines += chunk.count(b"\n")
        if not warm and lines > 10_000:
            warm = rss_mb()
        if n % 100 == 0:
            highest = max(highest, rss_mb())
    total = time.perf_counter() - started
    return first_chunk, total, lines - 1, size, before, warm, max(highest, rss_mb())


def measure_purge(retention_days: int) -> None:
    """Run purge_data over a copy of the database (it anonymises rows, so never the original):
    its total time, and the longest any one of its transactions stayed open (row locks are held
    until the transaction ends), sampled from pg_stat_activity every 20 ms."""
    import threading

    import psycopg
    from django.core.management import call_command
    from django.db import connection
    from django.test import override_settings

    from intake import retention

    copy = f"{DATABASE}_purge"
    connection.close()
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {copy}")
        started = time.perf_counter()
        admin.execute(f"CREATE DATABASE {copy} TEMPLATE {DATABASE}")
        print(f"\npurge_data: copied {DATABASE} to {copy} in {time.perf_counter() - started:.0f} s")
    connection.settings_dict["NAME"] = copy
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    # Each transaction's age, by its start, as last seen; and how long this process was
    # stopped (the watcher's 20 ms naps took over a second: SIGSTOP, or no CPU to be had).
    ages: dict[Any, float] = {}
    stopped, done = [0.0], threading.Event()

    def watch() -> None:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as watcher:
            last = time.perf_counter()
            while not done.is_set():
                row = watcher.execute(
                    "SELECT xact_start, extract(epoch FROM clock_timestamp() - xact_start) "
                    "FROM pg_stat_activity WHERE pid = %s AND xact_start IS NOT NULL",
                    [pid],
                ).fetchone()
                if row:
                    ages[row[0]] = max(ages.get(row[0], 0.0), float(row[1]))
                time.sleep(0.02)
                now = time.perf_counter()
                if now - last > 1:
                    stopped[0] += now - last
                last = now

    watcher = threading.Thread(target=watch)
    watcher.start()
    started = time.perf_counter()
    out = io.StringIO()
    with override_settings(CLINIC_RETENTION_DAYS=retention_days):
        call_command("purge_data", stdout=out)
    took = time.perf_counter() - started
    done.set()
    watcher.join()
    for line in out.getvalue().splitlines():
        print(f"  {line}")
    spans = sorted(ages.values())
    print(
        f"  in {took:.0f} s (batches of {retention.BATCH_SIZE}); {len(spans)} transactions seen: "
        f"p50 {spans[len(spans) // 2] * 1000:.0f} ms, "
        f"p99 {spans[int(len(spans) * 0.99)] * 1000:.0f} ms, longest {spans[-1] * 1000:.0f} ms"
    )
    if stopped[0]:
        print(f"  (this process was stopped or starved for {stopped[0]:.0f} s in all)")
    connection.close()
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE {copy}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="submissions to fill")
    parser.add_argument("--requests", type=int, default=50, help="requests per page")
    parser.add_argument("--no-export", action="store_true", help="skip the full CSV export")
    parser.add_argument("--no-pages", action="store_true", help="skip the queue pages")
    parser.add_argument("--only", default="", help="measure only the pages whose name has this")
    parser.add_argument("--locations", type=int, default=0, help="fill N locations")
    parser.add_argument(
        "--chiropractors", type=int, default=50, help="with --locations: M chiropractors"
    )
    parser.add_argument(
        "--database",
        help="the database to fill once and reuse (default: clinic_bench_queue[_locations][_ROWS])",
    )
    parser.add_argument(
        "--purge",
        type=int,
        metavar="DAYS",
        help="also run purge_data with CLINIC_RETENTION_DAYS=DAYS over a copy of the database",
    )
    args = parser.parse_args()
    global DATABASE, LOCATIONS
    LOCATIONS = args.locations
    if args.rows != DEFAULT_ROWS:
        DATABASE = f"clinic_bench_queue_{args.rows}"
    if LOCATIONS:
        DATABASE = DATABASE.replace("clinic_bench_queue", "clinic_bench_queue_locations")
    DATABASE = args.database or DATABASE
    ensure_database()
    setup_django()
    fill(args.rows)
    if LOCATIONS:
        fill_locations(LOCATIONS, args.chiropractors)
    from intake.models import Submission

    print(f"\n{Submission.objects.count()} submissions, {args.requests} requests per page\n")
    # "cpu" is this process's own CPU time: when other programs load the machine, wall-clock
    # times grow with the wait for a core, while cpu does not.
    print(
        f"load average: {' '.join(f'{n:.1f}' for n in os.getloadavg())} on {os.cpu_count()} cores"
    )
    if not args.no_pages:
        print(
            f"{'page':<36} {'p50 ms':>7} {'p95 ms':>7} {'cpu p50':>8} {'sql ms':>7} {'queries':>8}"
        )
        for name, p50, p95, cpu, sql, queries in measure(args.requests, args.only):
            flag = "" if p95 < 100 and queries <= 10 else "  <-- over goal"
            print(f"{name:<36} {p50:7.1f} {p95:7.1f} {cpu:8.1f} {sql:7.1f} {queries:8d}{flag}")
    if not args.no_export:
        first, total, rows, size, before, warm, highest = measure_export()
        print(
            f"\nCSV export, all statuses: first chunk {first * 1000:.0f} ms, {rows} rows "
            f"({size / 1e6:.0f} MB) in {total:.1f} s; RSS {before:.0f} MB before, {warm:.0f} MB "
            f"after 10,000 rows, at most {highest:.0f} MB while streaming"
        )
    if args.purge:
        measure_purge(args.purge)


if __name__ == "__main__":
    main()
