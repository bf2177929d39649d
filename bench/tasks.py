#!/usr/bin/env python3
"""Outbox figures on PostgreSQL: what queueing a receipt adds to a submit, and how many emails
one worker sends per second to a local SMTP sink.

Run by hand (never from the test suite), from the repository root:

    .venv/bin/python bench/tasks.py                 # 300 submits, then one worker sends them
    .venv/bin/python bench/tasks.py --count 1000

It creates its own database (clinic_tasks_bench) on 127.0.0.1:5432 (user postgres, trust auth),
migrates it, and:
1. stores COUNT submissions the way a submit does (one transaction: the submission, then its
   receipt queued), timing the queueing part alone (render + outbox row + task row);
2. starts aiosmtpd on a free loopback port and one `manage.py run_worker` process, and times
   how long that worker takes to send every queued receipt (first claim to last "sent").
Goals (issue #14): queueing < 2 ms at p95; ≥ 50 emails/s per worker.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, bench/ comes first on sys.path and bench/queue.py would shadow the standard
# library's queue (psycopg needs it): the repository root instead.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
DB_NAME = "clinic_tasks_bench"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def fresh_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


class Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.count += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args()

    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG_SERVER}/{DB_NAME}",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench-only-secret-key"),
        "DJANGO_SETTINGS_MODULE": "clinic.settings",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    fresh_database()

    import django

    django.setup()
    from aiosmtpd.controller import Controller
    from django.core.management import call_command
    from django.db import transaction

    from intake.demo import eligible_answers
    from intake.drafts import send_receipt
    from intake.submissions import create_submission
    from outbox.models import Message

    call_command("migrate", verbosity=0)

    # 1. Queueing inside the submit's transaction.
    enqueue_ms: list[float] = []
    for i in range(args.count + 20):
        with transaction.atomic():
            submission = create_submission(
                answers=eligible_answers(first_name=f"Bench{i}"),
                draft_key=uuid.uuid4(),
                ip_address="192.0.2.1",
                user_agent="bench",
            )
            started = time.perf_counter()
            send_receipt(submission)
            elapsed = (time.perf_counter() - started) * 1000
        if i >= 20:  # warm-up: templates, translations, connections
            enqueue_ms.append(elapsed)
    Message.objects.filter(pk__in=Message.objects.order_by("pk").values("pk")[:20]).delete()

    # 2. One worker process against a local SMTP sink.
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--interval", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline:
            if Message.objects.filter(status=Message.Status.SENT).count() >= args.count:
                break
            time.sleep(0.5)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        controller.stop()
    sent = Message.objects.filter(status=Message.Status.SENT)
    first = min(t for t in sent.values_list("claimed_at", flat=True) if t is not None)
    last = max(t for t in sent.values_list("sent_at", flat=True) if t is not None)
    seconds = (last - first).total_seconds()
    print(f"queued receipts:       {len(enqueue_ms)} (after 20 warm-up)")
    print(
        "enqueue in submit (ms): "
        f"p50 {statistics.median(enqueue_ms):.2f}  p95 {percentile(enqueue_ms, 0.95):.2f}  "
        f"p99 {percentile(enqueue_ms, 0.99):.2f}  max {max(enqueue_ms):.2f}"
    )
    print(
        f"sent by one worker:    {sent.count()} in {seconds:.2f} s = {sent.count() / seconds:.1f}/s"
    )
    print(f"SMTP sink received:    {sink.count}")
    failed = Message.objects.exclude(status=Message.Status.SENT).count()
    print(f"not sent:              {failed}")


if __name__ == "__main__":
    main()
