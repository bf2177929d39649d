#!/usr/bin/env python3
"""Intake load benchmark: N concurrent simulated patients fill in the whole questionnaire.

Run by hand from the repository root (never from the test suite):

    .venv/bin/python bench/intake_load.py                  # 50 patients, all at once
    .venv/bin/python bench/intake_load.py --patients 1000 --concurrency 50   # steady load, ~30 s

It (re)creates its own PostgreSQL database (clinic_bench on 127.0.0.1:5432, user postgres),
migrates it, collects static files, starts gunicorn as `make serve` does (4 workers, DEBUG off,
rate limits off) on a free loopback port and drives the patients with threads (http.client, one
keep-alive connection and cookie jar each), after warming every gunicorn thread: the landing
page and its start form (the first step's question, posted from there), each later step GET +
POST with its CSRF token, the review, the submit and the confirmation. The run is bounded by
--patients and --timeout. It reports complete intakes per second, p50/p95 per request type and
errors, the CPU each intake cost (gunicorn workers, PostgreSQL backends, the load generator; from
/proc, so the figure holds even when other processes share the cores), and checks that exactly
N submissions (and no drafts) exist afterwards.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PYTHON = str(BIN / "python") if (BIN / "python").exists() else sys.executable
GUNICORN = str(BIN / "gunicorn") if (BIN / "gunicorn").exists() else "gunicorn"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# The landing page holds the first step's question: its form posts to that step.
START_RE = re.compile(r'<form method="post" action="([^"]+)"[^>]*data-intake-step')
REFERENCE_RE = re.compile(r'class="reference-code">([A-Z0-9]+)<')

# One eligible answer set, as the browser posts it (yes/no radios post "true"/"false").
STEPS: list[tuple[str, dict[str, Any]]] = [
    ("/intake/who/", {"completed_by": "self"}),
    (
        "/intake/about/",
        {
            "first_name": "Bench",
            "last_name": "Patient",
            "date_of_birth": "1983-09-30",
            "email": "bench@example.com",
            "phone": "(555) 010-0123",
            "preferred_contact": "phone",
            "language": "en",
        },
    ),
    (
        "/intake/pain/",
        {
            "pain_location": "heel_bottom_inner",
            "pain_side": "right",
            "pain_duration": "3m_6m",
            "onset": "gradual",
            "load_increase": "false",
            "first_step_pain": "yes",
            "eases_with_rest": "true",
            "can_hop": "yes",
            "nprs_first_step": "7",
            "nprs_average": "4",
            "nprs_worst": "8",
            "nerve_symptoms": "false",
            "radiating_back_pain": "false",
            "prior_treatments": [
                "stretching",
                "insoles",
            ],
            "height_cm": "170.5",
            "weight_kg": "72",
            "standing_hours": "6",
            "activity_level": "moderate",
            "goals": "Walk the dog for 30 minutes",
        },
    ),
    (
        "/intake/red-flags/",
        {
            **dict.fromkeys(
                [
                    "fever_unwell",
                    "hot_red_swollen",
                    "wound_or_ulcer",
                    "puncture_wound",
                    "achilles_pop",
                    "calf_swelling",
                    "cold_pale_foot",
                    "saddle_or_bladder",
                    "foot_weakness",
                    "night_pain",
                    "weight_loss",
                    "diabetes",
                ],
                "false",
            ),
            "can_bear_weight": "true",
            "cancer": "none",
            "inflammatory_signs": ["none"],
        },
    ),
    (
        "/intake/needling/",
        {
            **dict.fromkeys(
                [
                    "lymphoedema",
                    "skin_problem_at_site",
                    "blood_thinners",
                    "bleeding_disorder",
                    "immunosuppressed",
                    "metal_allergy",
                    "implanted_device",
                    "heart_valve",
                    "poor_circulation",
                    "foot_surgery",
                    "needling_reaction",
                ],
                "false",
            ),
            "needle_willing": "yes",
            "needle_fear": "none",
            "pregnant": "no",
            "epilepsy": "none",
        },
    ),
]
CONSENT = {
    "consent_privacy": "true",
    "consent_risks": "true",
    "consent_accurate": "true",
    "signature": "Bench Patient",
    "action": "submit",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Patient:
    """One patient's browser: a keep-alive connection, cookies and timings."""

    def __init__(self, port: int, timings: dict[str, list[float]], lock: threading.Lock) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.timings = timings
        self.lock = lock

    def request(
        self, kind: str, method: str, path: str, form: dict[str, Any] | None = None
    ) -> tuple[int, str, str]:
        headers = {"Host": "127.0.0.1", "User-Agent": "intake-bench/1.0"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode()
        elapsed = time.perf_counter() - started
        with self.lock:
            self.timings[kind].append(elapsed)
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        return response.status, response.headers.get("Location", ""), text

    def expect(self, kind: str, method: str, path: str, status: int, **kw: Any) -> tuple[str, str]:
        got, location, text = self.request(kind, method, path, **kw)
        if got != status:
            raise RuntimeError(f"{kind} {path}: {got}, expected {status}")
        return location, text

    def intake(self, number: int, *, submit: bool = True) -> str:
        """One whole intake; the reference shown at the end ("" when not submitted)."""
        # As a browser would: the landing page's form answers the first step ("Who is
        # filling in this form?") and posts it; each later step is loaded, then posted.
        _, page = self.expect("GET /", "GET", "/", 200)
        start = START_RE.search(page)
        assert start, "no start form on the landing page"
        path = start.group(1)
        for number_of_step, (step_path, answers) in enumerate(STEPS):
            assert path == step_path, (path, step_path)
            if number_of_step > 0:
                _, page = self.expect("GET step", "GET", path, 200)
            token = CSRF_RE.search(page)
            assert token, f"no CSRF token on {path}"
            form = {**answers, "csrfmiddlewaretoken": token.group(1), "action": "next"}
            if step_path == "/intake/about/":
                form["email"] = f"bench{number}@example.com"
            path, _ = self.expect("POST step", "POST", path, 302, form=form)
        _, page = self.expect("GET review", "GET", path, 200)
        if not submit:
            return ""
        token = CSRF_RE.search(page)
        assert token
        form = {**CONSENT, "csrfmiddlewaretoken": token.group(1)}
        location, _ = self.expect("POST submit", "POST", path, 302, form=form)
        _, page = self.expect("GET done", "GET", location, 200)
        reference = REFERENCE_RE.search(page)
        assert reference, "no reference on the confirmation page"
        return reference.group(1)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def backend_pids(database: str) -> list[int]:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/{database}") as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        ).fetchall()
    return [int(row[0]) for row in rows]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def prepare(database: str, env: dict[str, str]) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run(
            [PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True
        )


def delete_drafts(database: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/{database}") as conn:
        conn.execute("DELETE FROM intake_draft")


def count_rows(database: str) -> tuple[int, int]:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/{database}") as conn:
        submissions = conn.execute("SELECT count(*) FROM intake_submission").fetchone()
        drafts = conn.execute("SELECT count(*) FROM intake_draft").fetchone()
    return int(submissions[0]) if submissions else -1, int(drafts[0]) if drafts else -1


def main() -> int:
    # bench/queue.py would shadow the standard library's queue module (psycopg imports it).
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, default=50, help="complete intakes to run")
    parser.add_argument("--concurrency", type=int, default=50, help="patients at the same time")
    parser.add_argument(
        "--workers", type=int, default=4, help="gunicorn worker processes (make serve uses 4)"
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="gunicorn threads per worker (make serve uses 1)"
    )
    parser.add_argument(
        "--worker-class",
        default="gthread",
        help="gunicorn worker class (make serve uses gthread, one connection at a time)",
    )
    parser.add_argument("--timeout", type=float, default=120, help="stop after this many seconds")
    parser.add_argument("--database", default="clinic_bench")
    args = parser.parse_args()

    port = free_port()
    static_root = tempfile.mkdtemp(prefix="clinic-bench-static-")
    env = {
        **os.environ,
        "DJANGO_SECRET_KEY": "bench-secret-key-not-for-production-0123456789abcdef",
        "DJANGO_DEBUG": "",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"{PG_SERVER}/{args.database}",
        "DJANGO_STATIC_ROOT": static_root,
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "DJANGO_LOG_LEVEL": "WARNING",
        "CLINIC_RATE_LIMITS_ENABLED": "0",
    }
    print(f"preparing database {args.database} and static files ...", flush=True)
    prepare(args.database, env)
    server = subprocess.Popen(
        [
            GUNICORN,
            "clinic.wsgi",
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--threads",
            str(args.threads),
            "--worker-class",
            args.worker_class,
            # As make serve: a worker takes a connection only when it is idle, no keep-alive.
            "--worker-connections",
            "1",
            "--keep-alive",
            "0",
            "--no-control-socket",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        # Warm every thread of every worker (imports, templates, its own database connection)
        # with intakes side by side, up to the review, so that the timed run measures a warm
        # server; their drafts are then removed, so that only the timed intakes remain.
        warmers = [
            threading.Thread(
                target=Patient(port, defaultdict(list), threading.Lock()).intake,
                args=(args.patients + n,),
                kwargs={"submit": False},
            )
            for n in range(2 * args.workers * args.threads)
        ]
        for warmer in warmers:
            warmer.start()
        for warmer in warmers:
            warmer.join(60)
        delete_drafts(args.database)

        timings: dict[str, list[float]] = defaultdict(list)
        lock = threading.Lock()
        errors: list[str] = []
        references: list[str] = []
        next_number = iter(range(args.patients))
        stop_at = time.monotonic() + args.timeout

        def run() -> None:
            while time.monotonic() < stop_at:
                with lock:
                    number = next(next_number, None)
                if number is None:
                    return
                try:
                    reference = Patient(port, timings, lock).intake(number)
                except Exception as exc:  # noqa: BLE001 - every failure is counted and shown
                    with lock:
                        errors.append(f"patient {number}: {exc!r}")
                    continue
                with lock:
                    references.append(reference)

        print(
            f"driving {args.patients} patients, {args.concurrency} at a time, "
            f"against gunicorn with {args.workers} workers ...",
            flush=True,
        )
        workers = worker_pids(server.pid)
        workers_before = cpu_seconds(workers)
        backends_before = {pid: cpu_seconds([pid]) for pid in backend_pids(args.database)}
        client_before = time.process_time()
        started = time.perf_counter()
        threads = [threading.Thread(target=run) for _ in range(args.concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(args.timeout + 30)
        elapsed = time.perf_counter() - started
        client_cpu = time.process_time() - client_before
        app_cpu = cpu_seconds(workers) - workers_before
        backends = backend_pids(args.database)
        db_cpu = sum(cpu_seconds([pid]) - backends_before.get(pid, 0.0) for pid in backends)
    finally:
        server.terminate()
        server.wait(10)

    submissions, drafts = count_rows(args.database)
    total = sum(len(v) for v in timings.values())
    print(f"\ncomplete intakes: {len(references)} in {elapsed:.2f} s")
    print(f"intakes per second: {len(references) / elapsed:.1f}")
    print(f"requests: {total} ({total / elapsed:.0f} per second)")
    print(f"{'request':<14}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for kind, values in timings.items():
        print(
            f"{kind:<14}{len(values):>7}{percentile(values, 0.5) * 1000:>9.1f}"
            f"{percentile(values, 0.95) * 1000:>9.1f}{max(values) * 1000:>9.1f}"
        )
    everything = [v for values in timings.values() for v in values]
    if everything:
        print(
            f"{'all':<14}{len(everything):>7}{percentile(everything, 0.5) * 1000:>9.1f}"
            f"{percentile(everything, 0.95) * 1000:>9.1f}{max(everything) * 1000:>9.1f}"
        )
    done = max(len(references), 1)
    cores = os.cpu_count() or 1
    server_ms = (app_cpu + db_cpu) * 1000 / done
    print(
        f"CPU per intake: gunicorn {app_cpu * 1000 / done:.1f} ms, PostgreSQL "
        f"{db_cpu * 1000 / done:.1f} ms, load generator {client_cpu * 1000 / done:.1f} ms"
    )
    print(
        f"capacity of {cores} dedicated cores for the server alone: "
        f"{cores * 1000 / server_ms:.0f} intakes/s; load average now "
        f"{os.getloadavg()[0]:.1f} (other processes share these cores)"
    )
    print(f"errors: {len(errors)}")
    for error in errors[:10]:
        print(f"  {error}")
    print(
        f"submissions in the database: {submissions} (expected {args.patients}); drafts: {drafts}"
    )
    unique = len(set(references)) == len(references)
    ok = not errors and submissions == args.patients and drafts == 0 and unique
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
