"""`manage.py send_reminders`: the worker's reminder job, by hand (docs/tasks.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from consults.reminders import queue_due_reminders
from outbox.sending import SENT, deliver


class Command(BaseCommand):
    help = (
        "Queue the reminder for every upcoming consult within CLINIC_REMINDER_HOURS that has "
        "not had one, and send those reminders now. The worker (manage.py run_worker) does the "
        "same every minute; running both at once sends each reminder once."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sent = 0
        for message in queue_due_reminders():
            # The queued task stays: when the worker runs it, the message is sent already and
            # the task does nothing. A failure here is retried by the worker as usual.
            if deliver.call(message.pk) == SENT:
                sent += 1
        self.stdout.write(f"{sent} reminder(s) sent.")
