#!/usr/bin/env python3
"""Patient matching benchmark: one new submission against 500,000 patients in PostgreSQL.

Run by hand (never from the test suite), from the repository root:

    .venv/bin/python bench/matching.py                      # 500,000 patients, 500 probes
    .venv/bin/python bench/matching.py --patients 50000 --probes 200

It uses its own database, clinic_bench_matching (clinic_bench_matching_<n> for another
--patients), on 127.0.0.1:5432 (user postgres, trust auth): created and migrated when missing,
and filled once by bulk insert with synthetic patients (birth dates over 80 years, so a few
dozen share each one; unique emails and phones). Each probe is what intake/patients.py does for
a new submission: candidates by exact keys (date of birth OR phone OR email, each indexed),
scored in Python. Half the probes are returning people (some with a swapped name or a typo in
the email), half are new. Goal: p95 under 50 ms. The query plan is printed to show the indexes.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/ holds a queue.py: keep the folder off the import path so that it never hides the
# standard library's queue module (which psycopg imports).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
DEFAULT_PATIENTS = 500_000
DATABASE = "clinic_bench_matching"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
BATCH = 10_000
FIRST = ["Ada", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Juno", "Kit", "Lea"]
LAST = ["Abbott", "Barlow", "Carver", "Dalton", "Ellery", "Fenwick", "Garland", "Hollis"]
OLDEST = date(1940, 1, 1)
DAYS = 80 * 365


def ensure_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f"CREATE DATABASE {name}")


def setup_django(name: str) -> None:
    os.environ["DATABASE_URL"] = f"{PG_SERVER}/{name}"
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-secret-" + "x" * 40)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def person(n: int) -> dict[str, object]:
    rng = random.Random(n)
    return {
        "first_name": rng.choice(FIRST),
        "last_name": rng.choice(LAST),
        "email": f"p{n}@example.com",
        "phone_e164": f"+1555{n:07d}",
        "date_of_birth": OLDEST + timedelta(days=rng.randrange(DAYS)),
    }


def fill(patients: int) -> None:
    from intake.models import Patient

    have = Patient.objects.count()
    if have >= patients:
        print(f"{have} patients already there")
        return
    started = time.perf_counter()
    for start in range(have, patients, BATCH):
        end = min(start + BATCH, patients)
        Patient.objects.bulk_create(Patient(**person(n)) for n in range(start, end))
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE intake_patient")
    print(f"filled {patients - have} patients in {time.perf_counter() - started:.1f} s")


def probe(n: int, patients: int) -> object:
    from intake.patients import Identity

    rng = random.Random(-n)
    if n % 2:  # a new person: fresh email and phone, any birth date
        return Identity(
            first_name=rng.choice(FIRST),
            last_name=rng.choice(LAST),
            email=f"new{n}@example.com",
            phone_e164=f"+1666{n:07d}",
            date_of_birth=OLDEST + timedelta(days=rng.randrange(DAYS)),
        )
    known = person(rng.randrange(patients))
    if n % 4 == 0:  # first and last swapped
        known["first_name"], known["last_name"] = known["last_name"], known["first_name"]
    if n % 8 == 0:  # a typo in the email
        known["email"] = str(known["email"]).replace("@", "@x")
    return Identity(**known)  # type: ignore[arg-type]


def measure(patients: int, probes: int) -> None:
    from django.db import connection

    from intake.models import Patient
    from intake.patients import candidates_q, find_match

    timings = []
    matched = 0
    for n in range(probes):
        identity = probe(n, patients)
        started = time.perf_counter()
        match = find_match(identity)  # type: ignore[arg-type]
        timings.append((time.perf_counter() - started) * 1000)
        matched += bool(match and match.automatic)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"{probes} probes against {patients} patients: p50 {statistics.median(timings):.2f} ms, "
        f"p95 {p95:.2f} ms, max {timings[-1]:.2f} ms; {matched} linked automatically "
        f"(goal: p95 < 50 ms)"
    )
    sql, params = (
        Patient.objects.filter(candidates_q(probe(0, patients)))  # type: ignore[arg-type]
        .order_by("pk")[:200]
        .query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        print("plan:\n  " + "\n  ".join(row[0] for row in cursor.fetchall()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=DEFAULT_PATIENTS)
    parser.add_argument("--probes", type=int, default=500)
    args = parser.parse_args()
    name = DATABASE if args.patients == DEFAULT_PATIENTS else f"{DATABASE}_{args.patients}"
    ensure_database(name)
    setup_django(name)
    fill(args.patients)
    measure(args.patients, args.probes)


if __name__ == "__main__":
    main()
