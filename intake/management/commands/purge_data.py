"""Delete stale drafts and anonymise expired submissions (run daily from cron)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from intake.retention import purge


class Command(BaseCommand):
    help = (
        "Delete drafts untouched for CLINIC_DRAFT_RETENTION_DAYS and, when CLINIC_RETENTION_DAYS "
        "is set, anonymise closed, referred-out and not-proceeding submissions older than that. "
        "Every run is written to the audit trail."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would change; change nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = purge(dry_run=options["dry_run"])
        prefix = "Would delete" if result.dry_run else "Deleted"
        self.stdout.write(
            f"{prefix} {result.drafts_deleted} drafts older than "
            f"{settings.CLINIC_DRAFT_RETENTION_DAYS} days."
        )
        self.stdout.write(f"{prefix} {result.sessions_deleted} expired sessions.")
        if settings.CLINIC_RETENTION_DAYS:
            verb = "Would anonymise" if result.dry_run else "Anonymised"
            self.stdout.write(
                f"{verb} {result.submissions_anonymised} finished submissions older than "
                f"{settings.CLINIC_RETENTION_DAYS} days."
            )
        else:
            self.stdout.write("CLINIC_RETENTION_DAYS is not set: no submission is anonymised.")
