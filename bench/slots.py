"""Benchmark: free slots over 8 weeks with 2,000 consults, and 50 clients racing for 20 slots.

Run by hand (PostgreSQL, its own database, created if missing):
    .venv/bin/python bench/slots.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic_bench_slots \
        .venv/bin/python bench/slots.py
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import threading
import time as clock
import uuid
from datetime import date, datetime, time, timedelta
from pathlib import Path

# The project root instead of bench/ (whose queue.py would shadow the standard library's).
sys.path[0] = str(Path(__file__).resolve().parent.parent)
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/clinic_bench_slots")
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ["DJANGO_EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

CONSULTS = 2000
WEEKS = 8
CLIENTS = 50
RACE_SLOTS = 20
RUNS = 30


def ensure_database() -> None:
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    if config["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("bench/slots.py measures PostgreSQL: set DATABASE_URL to a postgres:// URL.")
    admin = psycopg.connect(
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
        user=config["USER"],
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    with admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{config["NAME"]}"')


ensure_database()

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from consults.booking import Booked, SlotTaken, book_consult  # noqa: E402
from consults.models import Chiropractor, Consult, TimeOff, WorkingHours  # noqa: E402
from consults.slots import free_slots  # noqa: E402
from intake.models import AuditEvent, Outcome, Submission, User  # noqa: E402


def make_submissions(count: int, prefix: str) -> list[Submission]:
    now = timezone.now()
    rows = [
        Submission(
            reference=f"{prefix}{n:06d}",
            draft_key=uuid.uuid4(),
            answers={},
            first_name="Bench",
            last_name=f"Patient {n}",
            email=f"bench{n}@example.com",
            phone="555 010 0000",
            date_of_birth=date(1980, 1, 1),
            consent_version="bench",
            signature="Bench",
            signed_at=now,
            screened_outcome=Outcome.ELIGIBLE,
            outcome=Outcome.ELIGIBLE,
            priority=4,
            contact_due_at=now,
        )
        for n in range(count)
    ]
    return Submission.objects.bulk_create(rows)


def make_chiropractor(name: str) -> Chiropractor:
    user = User.objects.create(username=f"bench-{name}-{uuid.uuid4().hex[:6]}")
    chiropractor = Chiropractor.objects.create(user=user, display_name=name, buffer_minutes=5)
    WorkingHours.objects.bulk_create(
        WorkingHours(chiropractor=chiropractor, weekday=d, starts=s, ends=e)
        for d in range(5)
        for s, e in ((time(8), time(12)), (time(13), time(18)))
    )
    return chiropractor


def reset() -> None:
    Consult.objects.all().delete()
    TimeOff.objects.all().delete()
    WorkingHours.objects.all().delete()
    Chiropractor.objects.all().delete()
    AuditEvent.objects.filter(submission__reference__startswith="B").delete()
    Submission.objects.filter(reference__startswith="B").delete()
    User.objects.filter(username__startswith="bench-").delete()


def seed_consults(target: Chiropractor, others: list[Chiropractor]) -> tuple[date, date]:
    """2,000 active consults: most of the target's 8 weeks booked, the rest elsewhere."""
    first = timezone.localdate() + timedelta(days=1)
    last = first + timedelta(weeks=WEEKS) - timedelta(days=1)
    target_slots = free_slots(target, first, last)
    rng = random.Random(6)
    taken = sorted(rng.sample(range(len(target_slots)), k=int(len(target_slots) * 0.7)))
    plan = [(target, target_slots[i]) for i in taken]
    for other in others:
        for slot in free_slots(other, first - timedelta(weeks=30), last):
            if len(plan) >= CONSULTS:
                break
            plan.append((other, slot))
    # Consults in the past count too: the query must skip them.
    submissions = make_submissions(len(plan), "B")
    Consult.objects.bulk_create(
        Consult(
            chiropractor=chiro,
            submission=submission,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            kind=Consult.Kind.DRY_NEEDLING,
        )
        for (chiro, slot), submission in zip(plan, submissions, strict=True)
    )
    TimeOff.objects.create(
        chiropractor=target,
        starts_at=timezone.make_aware(datetime.combine(first, time(8))),
        ends_at=timezone.make_aware(datetime.combine(first + timedelta(days=2), time(8))),
    )
    return first, last


def bench_free_slots(target: Chiropractor, first: date, last: date) -> None:
    free_slots(target, first, last)  # warm up
    timings = []
    for _ in range(RUNS):
        started = clock.perf_counter()
        slots = free_slots(target, first, last)
        timings.append((clock.perf_counter() - started) * 1000)
    print(
        f"free slots, 1 chiropractor, {WEEKS} weeks, {Consult.objects.count()} consults in the "
        f"table ({Consult.objects.filter(chiropractor=target).count()} theirs): "
        f"{len(slots)} free; median {statistics.median(timings):.1f} ms, "
        f"max {max(timings):.1f} ms over {RUNS} runs (goal < 50 ms)"
    )


def bench_race() -> None:
    chiropractor = make_chiropractor("Race")
    first = timezone.localdate() + timedelta(days=7)
    slots = [s.starts_at for s in free_slots(chiropractor, first, first + timedelta(days=7))]
    slots = slots[:RACE_SLOTS]
    last = timezone.localdate(slots[-1])
    submissions = make_submissions(CLIENTS, "BR")
    barrier = threading.Barrier(CLIENTS)
    lock = threading.Lock()
    outcome = {"attempts": 0, "booked": 0, "taken": 0, "refused": 0, "errors": 0}

    def client(submission: Submission, seed: int) -> None:
        rng = random.Random(seed)
        try:
            barrier.wait()
            while True:
                # Like a person on the booking page: pick one of the times shown as free.
                free = [
                    s.starts_at
                    for s in free_slots(chiropractor, first, last)
                    if s.starts_at in slots
                ]
                if not free:
                    with lock:
                        outcome["refused"] += 1
                    return
                start = rng.choice(free)
                result = book_consult(
                    submission=submission, chiropractor=chiropractor, starts_at=start, by=None
                )
                with lock:
                    outcome["attempts"] += 1
                    if isinstance(result, Booked) and result.created:
                        outcome["booked"] += 1
                        return
                    if isinstance(result, SlotTaken):
                        outcome["taken"] += 1
        except Exception as error:  # noqa: BLE001 - counted and printed
            with lock:
                outcome["errors"] += 1
            print("error:", type(error).__name__, error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=client, args=(s, n)) for n, s in enumerate(submissions)]
    started = clock.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = clock.perf_counter() - started
    booked = Consult.objects.active().filter(chiropractor=chiropractor)
    distinct = booked.values("starts_at").distinct().count()
    print(
        f"race: {CLIENTS} clients for {len(slots)} slots: {outcome['attempts']} attempts in "
        f"{elapsed:.2f} s = {outcome['attempts'] / elapsed:.0f} attempts/s, "
        f"{outcome['booked'] / elapsed:.0f} bookings/s; booked {booked.count()} consults on "
        f"{distinct} distinct slots; {outcome['taken']} attempts told 'just taken', "
        f"{outcome['refused']} clients told 'no free times', {outcome['errors']} errors"
    )
    assert booked.count() == distinct == len(slots) == outcome["booked"]
    assert outcome["errors"] == 0 and outcome["refused"] == CLIENTS - len(slots)


def main() -> None:
    call_command("migrate", verbosity=0)
    reset()
    target = make_chiropractor("Target")
    others = [make_chiropractor(f"Other {n}") for n in range(4)]
    first, last = seed_consults(target, others)
    bench_free_slots(target, first, last)
    bench_race()
    reset()


if __name__ == "__main__":
    main()
