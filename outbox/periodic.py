"""The worker's periodic jobs (settings.CLINIC_PERIODIC_JOBS): reminders, draft purging,
stuck-message recovery. Each job is safe to run in several workers at once and at any moment."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass
class Job:
    path: str
    every: timedelta
    function: Callable[..., Any]
    last_run: datetime | None = None

    def due(self, now: datetime) -> bool:
        return self.last_run is None or now - self.last_run >= self.every


class Schedule:
    """Jobs run when due, in this process; the first time right at start-up (a worker that was
    down catches up at once)."""

    def __init__(self, jobs: Sequence[tuple[str, int]]) -> None:
        self.jobs = [Job(path, timedelta(seconds=s), import_string(path)) for path, s in jobs]

    def run_due(self, now: datetime) -> list[str]:
        ran = []
        for job in self.jobs:
            if not job.due(now):
                continue
            job.last_run = now
            try:
                job.function(now=now)
            except Exception as exc:
                # The class only: database errors can quote the values they refused.
                logger.error("periodic job %s failed: %s", job.path, type(exc).__name__)
            ran.append(job.path)
        return ran
