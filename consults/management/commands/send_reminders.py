"""`manage.py send_reminders`: email a reminder about a day before each consult (cron-safe)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from clinic.links import absolute_url
from consults.booking import manage_path
from consults.emails import send_reminder
from consults.models import Consult

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Send the reminder for every upcoming consult within CLINIC_REMINDER_HOURS that has not "
        "had one. Safe to run every five minutes, even twice at once: each reminder is claimed "
        "with a conditional UPDATE before it is sent."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        sent = 0
        for pk in Consult.objects.due_for_reminder(now).values_list("pk", flat=True):
            # Claim it: only one run can move reminder_sent_at from NULL.
            claimed = (
                Consult.objects.due_for_reminder(now).filter(pk=pk).update(reminder_sent_at=now)
            )
            if not claimed:
                continue
            consult = Consult.objects.select_related("submission", "chiropractor").get(pk=pk)
            try:
                send_reminder(consult, manage_url=absolute_url(manage_path(consult)))
            except Exception:
                # Give the claim back so the next run tries again.
                Consult.objects.filter(pk=pk).update(reminder_sent_at=None)
                logger.exception("reminder for consult %s could not be sent", pk)
                continue
            logger.info("reminder sent for consult %s", pk)
            sent += 1
        self.stdout.write(f"{sent} reminder(s) sent.")
