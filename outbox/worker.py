"""The worker's loop: django-tasks-db's claim-and-run, driven by `manage.py run_worker`."""

from __future__ import annotations

import time
from datetime import datetime

from django.conf import settings
from django.db import close_old_connections
from django.db.models import Q
from django.db.utils import OperationalError
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult, get_date_max
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from .periodic import Schedule


def new_worker() -> Worker:
    return Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name=DEFAULT_TASK_BACKEND_ALIAS,
        startup_delay=False,
        max_tasks=None,
        worker_id=get_random_string(32),
        excluded_queue_names=[],
    )


def _claim_next(worker: Worker, now: datetime, *, queued_by: datetime) -> DBTaskResult | None:
    """Lock and claim the next ready task (the same query and claim as django-tasks-db's own
    worker: SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL, an exclusive transaction on
    SQLite), so any number of workers never run one task twice at once."""
    ready = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, backend_name=worker.backend_name, enqueued_at__lte=queued_by
    ).filter(Q(run_after=get_date_max()) | Q(run_after__lte=now))
    with exclusive_transaction(ready.db):
        try:
            result = ready.get_locked()
        except OperationalError as exc:
            if is_locked_database_exception(exc):
                return None
            raise
        if result is not None:
            result.claim(worker.worker_id)
    return result


def run_ready(worker: Worker | None = None, *, now: datetime | None = None) -> int:
    """Run every task ready at `now` (default: the current time) and queued before this call,
    one after the other; return how many ran. Tasks queued meanwhile (retries) wait for the
    next call."""
    worker = worker or new_worker()
    started = timezone.now()
    ran = 0
    while worker.running:
        result = _claim_next(worker, now or timezone.now(), queued_by=started)
        if result is None:
            break
        worker.run_task(result)
        ran += 1
    return ran


def run_forever(worker: Worker, *, interval: float) -> None:
    """Periodic jobs when due, then the ready tasks, then a short sleep; until a signal."""
    schedule = Schedule(settings.CLINIC_PERIODIC_JOBS)
    while worker.running:
        close_old_connections()
        schedule.run_due(timezone.now())
        if not run_ready(worker) and worker.running:
            close_old_connections()
            time.sleep(interval)
