"""`manage.py messages`: list failed and stuck outgoing messages, and queue them again."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from outbox.models import Message
from outbox.sending import retry, stuck


class Command(BaseCommand):
    help = (
        "List failed messages and stuck ones (pending longer than CLINIC_MESSAGE_LEASE_SECONDS), "
        "ids and error classes only. --retry ID queues a message again with a new retry window; "
        "--retry-failed queues every failed message that still has its content."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--failed", action="store_true", help="Failed messages only.")
        parser.add_argument("--stuck", action="store_true", help="Stuck messages only.")
        parser.add_argument(
            "--retry", type=int, nargs="+", metavar="ID", help="Queue these messages again."
        )
        parser.add_argument(
            "--retry-failed", action="store_true", help="Queue every failed message again."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["retry"] or options["retry_failed"]:
            self._retry(options["retry"] or [], every_failed=options["retry_failed"])
            return
        messages: list[Message] = []
        if not options["stuck"]:
            messages += list(Message.objects.filter(status=Message.Status.FAILED))
        if not options["failed"]:
            messages += stuck(timezone.now())
        for m in sorted(messages, key=lambda m: m.pk):
            self.stdout.write(
                f"{m.pk}\t{m.kind}\t{m.status}\tattempts={m.attempts}\t"
                f"error={m.last_error or '-'}\tsubmission={m.submission_id or '-'}\t"
                f"created={m.created_at.isoformat(timespec='seconds')}"
            )
        self.stdout.write(f"{len(messages)} message(s).")

    def _retry(self, ids: list[int], *, every_failed: bool) -> None:
        messages = list(Message.objects.filter(pk__in=ids))
        missing = set(ids) - {m.pk for m in messages}
        if missing:
            raise CommandError(f"No message with id {', '.join(map(str, sorted(missing)))}.")
        if every_failed:
            messages += list(Message.objects.filter(status=Message.Status.FAILED))
        for message in messages:
            if retry(message):
                self.stdout.write(f"{message.pk}\tqueued again")
            else:
                self.stdout.write(f"{message.pk}\tnot queued: sent already or content cleared")
