"""`manage.py export_fhir --since DATE [--out DIR]`: every case since DATE as FHIR Bulk Data NDJSON.

One file per resource type (Patient.ndjson, QuestionnaireResponse.ndjson, ...), one resource per
line, and export_manifest.json shaped like a FHIR `$export` status response. Submissions are read
in chunks and each resource is written as it is built, so memory stays flat however many there
are. Anonymised cases hold no answers and are left out. One audit entry records the counts.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Prefetch
from django.utils import timezone

from care.models import NeedlingSession, TreatmentPlan
from consults.models import Consult
from intake import audit
from intake.models import ScreeningRecord, Submission

from ...bundle import case_resources
from ...common import Case
from ...links import Links
from ...questionnaire import questionnaire

CHUNK_SIZE = 200
MANIFEST = "export_manifest.json"


def cases_since(since: date) -> Any:
    """Submissions from `since` (clinic time) on, oldest first, streamed with what they need."""
    start = timezone.make_aware(datetime.combine(since, time.min))
    return (
        Submission.objects.filter(submitted_at__gte=start, anonymised_at__isnull=True)
        .order_by("submitted_at", "pk")
        .prefetch_related(
            Prefetch("screenings", queryset=ScreeningRecord.objects.order_by("-created_at", "-pk")),
            Prefetch("consults", queryset=Consult.objects.select_related("chiropractor")),
            # The course of care, for fhir_export/care.py's hooks.
            Prefetch("treatment_plan", queryset=TreatmentPlan.objects.all()),
            "treatment_plan__versions",
            Prefetch(
                "needling_sessions",
                queryset=NeedlingSession.objects.select_related(
                    "practitioner__chiropractor_profile"
                ),
            ),
            "adverse_events",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )


class _Files:
    """One NDJSON file per resource type, opened when its first resource comes."""

    def __init__(self, out: Path, stack: ExitStack) -> None:
        self.out, self.stack = out, stack
        self.files: dict[str, IO[str]] = {}
        self.counts: dict[str, int] = {}
        self.patients: set[str] = set()

    def write(self, resource: dict[str, Any]) -> None:
        kind = resource["resourceType"]
        if kind == "Patient":
            # A returning patient's submissions share one Patient: write it once (the set holds
            # resource ids only, one per patient).
            if resource["id"] in self.patients:
                return
            self.patients.add(resource["id"])
        if kind not in self.files:
            path = self.out / f"{kind}.ndjson"
            self.files[kind] = self.stack.enter_context(path.open("w", encoding="utf-8"))
            self.counts[kind] = 0
        self.files[kind].write(json.dumps(resource, ensure_ascii=False) + "\n")
        self.counts[kind] += 1


class Command(BaseCommand):
    help = (
        "Export every submission since DATE (YYYY-MM-DD) as FHIR R4B NDJSON files, one per "
        "resource type, with an export_manifest.json, into DIR (default var/fhir-export/<time>)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", required=True, help="first submission date, YYYY-MM-DD")
        parser.add_argument("--out", help="an empty or new directory for the files")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            since = date.fromisoformat(options["since"])
        except ValueError as exc:
            raise CommandError(
                "--since must be a date written YYYY-MM-DD, like 2026-11-01."
            ) from exc
        started = timezone.now()
        out = Path(
            options["out"] or settings.BASE_DIR / "var" / "fhir-export" / f"{started:%Y%m%dT%H%M%S}"
        )
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise CommandError(f"{out} is not an empty directory; choose another --out.")
        out.mkdir(parents=True, exist_ok=True)

        links = Links(in_bundle=False)
        submissions = 0
        with ExitStack() as stack:
            files = _Files(out, stack)
            files.write(questionnaire())
            for submission in cases_since(since):
                for resource in case_resources(Case.of(submission), links):
                    files.write(resource)
                submissions += 1
        counts = files.counts

        manifest = {
            "transactionTime": started.isoformat(timespec="seconds"),
            "request": f"manage.py export_fhir --since {since.isoformat()}",
            "requiresAccessToken": False,
            "output": [
                {"type": kind, "url": (out / f"{kind}.ndjson").resolve().as_uri(), "count": n}
                for kind, n in counts.items()
            ],
            "error": [],
        }
        (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        audit.record(
            audit.FHIR_BULK_EXPORTED,
            submissions=submissions,
            since=since.isoformat(),
            resources=counts,
        )
        self.stdout.write(f"Exported {submissions} submissions to {out}:")
        for kind, n in counts.items():
            self.stdout.write(f"  {kind}.ndjson: {n}")
