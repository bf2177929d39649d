#!/usr/bin/env python3
"""The CPU and queries one intake costs, in one process: no gunicorn, no load generator.

Run by hand from the repository root (never from the test suite):

    .venv/bin/python bench/intake_cpu.py                 # 200 intakes after 10 to warm up
    .venv/bin/python bench/intake_cpu.py --intakes 500

It drives the same 13 requests as bench/intake_load.py (the same answers) through Django's
test client, with production settings (DEBUG off, the cached template loader, whitenoise's
manifest) on its own PostgreSQL database (clinic_intake_cpu on 127.0.0.1:5432, user postgres,
made afresh). It prints the CPU time of this process per intake and, per request, its CPU time and
queries. A busy machine inflates every figure a little, but the split between requests and the
query counts hold: use it to see what a change costs before running the load bench, and compare
two checkouts back to back.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
PG_SERVER = "postgres://postgres@127.0.0.1:5432"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intakes", type=int, default=200)
    parser.add_argument("--database", default="clinic_intake_cpu")
    args = parser.parse_args()
    static_root = tempfile.mkdtemp(prefix="clinic-intake-cpu-static-")
    os.environ.update(
        {
            "DJANGO_SECRET_KEY": "bench-secret-key-not-for-production-0123456789abcdef",
            "DJANGO_DEBUG": "",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,testserver",
            "DATABASE_URL": f"{PG_SERVER}/{args.database}",
            "DJANGO_STATIC_ROOT": static_root,
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "DJANGO_LOG_LEVEL": "WARNING",
            "CLINIC_RATE_LIMITS_ENABLED": "0",
            "DJANGO_SETTINGS_MODULE": "clinic.settings",
        }
    )
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.database}"')
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, check=True, capture_output=True
        )

    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from bench.intake_load import CONSENT, CSRF_RE, START_RE, STEPS

    client = Client(HTTP_HOST="127.0.0.1")
    cpu: dict[str, float] = defaultdict(float)
    queries: dict[str, int] = defaultdict(int)
    counts: dict[str, int] = defaultdict(int)
    connection.force_debug_cursor = True  # counts the queries (production settings otherwise)

    def request(kind: str, path: str, form: dict[str, object] | None = None) -> tuple[int, str]:
        connection.queries_log.clear()
        started = time.process_time()
        if form is None:
            response = client.get(path)
        else:
            body = urlencode(form, doseq=True)
            response = client.post(path, body, content_type="application/x-www-form-urlencoded")
        cpu[kind] += time.process_time() - started
        queries[kind] += len(connection.queries_log)
        counts[kind] += 1
        location = response.get("Location", "")
        return response.status_code, location or response.content.decode()

    def intake(number: int) -> None:
        client.cookies.clear()
        _, page = request("GET /", "/")
        start = START_RE.search(page)
        assert start, "no start form on the landing page"
        path = start.group(1)
        for step, (step_path, answers) in enumerate(STEPS):
            assert path == step_path, (path, step_path)
            if step > 0:
                _, page = request(f"GET {path}", path)
            token = CSRF_RE.search(page)
            assert token, f"no CSRF token on {path}"
            form = {**answers, "csrfmiddlewaretoken": token.group(1), "action": "next"}
            if step_path == "/intake/about/":
                form["email"] = f"cpu{number}@example.com"
            status, path = request(f"POST {step_path}", step_path, form)
            assert status == 302, (step_path, status)
        _, page = request("GET review", path)
        token = CSRF_RE.search(page)
        assert token
        status, done = request(
            "POST submit", path, {**CONSENT, "csrfmiddlewaretoken": token.group(1)}
        )
        assert status == 302, status
        status, _ = request("GET done", done)
        assert status == 200

    for number in range(10):  # imports, templates, the database connection
        intake(args.intakes + number)
    cpu.clear()
    queries.clear()
    counts.clear()
    started = time.process_time()
    for number in range(args.intakes):
        intake(number)
    total = time.process_time() - started
    print(f"{args.intakes} intakes: {total / args.intakes * 1000:.1f} ms of CPU per intake")
    print(f"{'request':<26}{'CPU ms':>8}{'queries':>9}")
    for kind in counts:
        print(
            f"{kind:<26}{cpu[kind] / counts[kind] * 1000:>8.2f}{queries[kind] / counts[kind]:>9.1f}"
        )
    print(
        f"{'one intake':<26}{sum(cpu.values()) / args.intakes * 1000:>8.2f}"
        f"{sum(queries.values()) / args.intakes:>9.1f}"
    )


if __name__ == "__main__":
    main()
