"""Consult reminders, a day ahead: queued by the worker's periodic job (docs/tasks.md)."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from clinic.links import absolute_url
from outbox.models import Message

from . import emails
from .booking import manage_path
from .models import Consult

logger = logging.getLogger(__name__)


def queue_due_reminders(now: datetime | None = None) -> list[Message]:
    """Queue the reminder of every consult that is due one. Safe to run at any moment, in any
    number of processes: the claim (reminder_sent_at from NULL) and the queued message commit
    together, and the message's key (consult, sequence) lets a reminder go once per booking."""
    now = now or timezone.now()
    queued = []
    for pk in Consult.objects.due_for_reminder(now).values_list("pk", flat=True):
        with transaction.atomic():
            claimed = (
                Consult.objects.due_for_reminder(now).filter(pk=pk).update(reminder_sent_at=now)
            )
            if not claimed:
                continue
            consult = Consult.objects.select_related("submission", "chiropractor").get(pk=pk)
            queued.append(
                emails.send_reminder(consult, manage_url=absolute_url(manage_path(consult)))
            )
        logger.info("reminder queued for consult %s", pk)
    return queued
