"""`manage.py run_worker`: the background worker (docs/tasks.md)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from outbox.periodic import Schedule
from outbox.worker import new_worker, run_forever, run_ready


class Command(BaseCommand):
    help = (
        "Run queued tasks (the outbox's emails) from the database queue, and the periodic jobs "
        "in CLINIC_PERIODIC_JOBS (reminders, draft purging, stuck-message recovery). Stops on "
        "SIGTERM or Ctrl+C after the task in hand. Run one or more beside the web server."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds to wait when no task is ready (default: 1).",
        )
        parser.add_argument(
            "--once",
            action="store_true",
            help="Run the periodic jobs and every ready task once, then exit.",
        )

    def handle(self, *args: Any, interval: float, once: bool, **options: Any) -> None:
        worker = new_worker()
        if once:
            Schedule(settings.CLINIC_PERIODIC_JOBS).run_due(timezone.now())
            ran = run_ready(worker)
            self.stdout.write(f"{ran} task(s) run.")
            return
        # A second Ctrl+C (or SIGTERM) during a send stops at once: django-tasks-db's handling.
        worker.configure_signals()
        self.stdout.write(f"Worker {worker.worker_id} started.")
        run_forever(worker, interval=interval)
