"""Data retention: old drafts are deleted, closed submissions anonymised after the set period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from . import audit, patients
from .drafts import SESSION_DRAFT, SESSION_SUBMITTED
from .models import FINAL_STATUSES, CaseNote, Draft, Patient, ScreeningRecord, Submission

REMOVED = "[removed]"
# Submissions anonymised per transaction: each batch locks its own rows, briefly.
BATCH_SIZE = 500


@dataclass(frozen=True)
class PurgeResult:
    drafts_deleted: int
    submissions_anonymised: int
    sessions_deleted: int
    dry_run: bool


def stale_drafts(now: datetime) -> QuerySet[Draft]:
    """Drafts nobody has touched for CLINIC_DRAFT_RETENTION_DAYS."""
    cutoff = now - timedelta(days=settings.CLINIC_DRAFT_RETENTION_DAYS)
    return Draft.objects.filter(updated_at__lt=cutoff)


def expired_sessions(now: datetime) -> QuerySet[Session]:
    """Sessions past their expiry: they may still name a draft or a submission reference."""
    return Session.objects.filter(expire_date__lt=now)


def expired_submissions(now: datetime) -> QuerySet[Submission]:
    """Finished submissions older than CLINIC_RETENTION_DAYS (none when it is not set)."""
    if not settings.CLINIC_RETENTION_DAYS:
        return Submission.objects.none()
    cutoff = now - timedelta(days=settings.CLINIC_RETENTION_DAYS)
    return Submission.objects.filter(
        status__in=FINAL_STATUSES, anonymised_at__isnull=True, submitted_at__lt=cutoff
    )


# The free text of care/ records (looked up by name: intake does not import care).
# model, the path to its submission, the fields.
CARE_TEXT_FIELDS = (
    ("NeedlingSession", "submission", ("safety_reason", "notes", "other_area")),
    ("AdverseEvent", "submission", ("description", "action_taken", "clearance_reason")),
    ("PlanVersion", "plan__submission", ("footwear", "load_changes")),
    ("OutcomeCheckIn", "submission", ("anything_new_text",)),
)


def anonymise(submission: Submission, *, now: datetime) -> None:
    """Blank everything that identifies the patient; keep reference, outcome, status and dates."""
    anonymise_all([submission], now=now)


def anonymise_all(submissions: list[Submission], *, now: datetime) -> None:
    """Blank everything that identifies these patients; keep references, outcomes, statuses and
    dates. One statement per related table for the whole list.

    The birth date keeps only its year (the field cannot be empty). Audit rows hold ids only
    and stay as they are.
    """
    for submission in submissions:
        _blank(submission, now=now)
    ids = [submission.pk for submission in submissions]
    CaseNote.objects.filter(submission__in=ids).update(text=REMOVED)
    # The findings name the answers that triggered each rule; the outcome stays on the row.
    ScreeningRecord.objects.filter(submission__in=ids).update(findings=[])
    _end_sessions_of(submissions, now=now)
    if apps.is_installed("consults"):
        consult_model = apps.get_model("consults", "Consult")
        consult_model.objects.filter(submission__in=ids).exclude(cancel_reason="").update(
            cancel_reason=REMOVED
        )
    if apps.is_installed("care"):
        # Care records keep their dates, counts and codes; the words people wrote go.
        for model, path, fields in CARE_TEXT_FIELDS:
            rows = apps.get_model("care", model).objects.filter(**{f"{path}__in": ids})
            for field in fields:
                rows.exclude(**{field: ""}).update(**{field: REMOVED})
        # The activities the patient named for the PSFS are their words too.
        apps.get_model("care", "TreatmentPlan").objects.filter(submission__in=ids).update(
            psfs_activities=[]
        )
    # The patient record identifies the person too: blank it once none of theirs is left.
    people = {submission.patient_id for submission in submissions} - {None}
    for patient in Patient.objects.filter(pk__in=people):
        patients.anonymise_if_done(patient, now=now)


def _blank(submission: Submission, *, now: datetime) -> None:
    submission.first_name = ""
    submission.last_name = ""
    submission.email = ""
    submission.phone = ""
    submission.phone_e164 = ""
    submission.search_text = ""
    submission.date_of_birth = date(submission.date_of_birth.year, 1, 1)
    submission.answers = {}
    submission.signature = ""
    submission.ip_address = None
    submission.user_agent = ""
    if submission.override_reason:
        submission.override_reason = REMOVED
    if submission.clearance_reason:
        submission.clearance_reason = REMOVED
    submission.anonymised_at = now
    submission.save()


def _end_sessions_of(submissions: list[Submission], *, now: datetime) -> None:
    """Delete live sessions that still point at these submissions (their confirmation pages).
    Each live session is read once for the whole list."""
    references = {submission.reference for submission in submissions}
    draft_keys = {str(submission.draft_key) for submission in submissions}
    if not references:
        return
    ended = []
    for session in Session.objects.filter(expire_date__gte=now).iterator():
        data = session.get_decoded()
        if data.get(SESSION_SUBMITTED) in references or data.get(SESSION_DRAFT) in draft_keys:
            ended.append(session.session_key)
    Session.objects.filter(session_key__in=ended).delete()


def purge(
    *, dry_run: bool = False, now: datetime | None = None, batch_size: int = BATCH_SIZE
) -> PurgeResult:
    """Anonymise expired submissions, delete stale drafts and expired sessions; audit the run.

    Expired submissions are anonymised `batch_size` at a time, in id order,
    each batch in its own transaction with its own audit entry (the ids it anonymised): a run
    over a million rows never locks more than one batch, nor for long. The last transaction
    also deletes the drafts and sessions and its entry counts them. Dry runs change nothing and
    write one entry with what they would have done.
    """
    now = now or timezone.now()
    if dry_run:
        return _dry_run(now)
    anonymised, after = 0, 0
    while True:
        with transaction.atomic():
            batch = list(
                expired_submissions(now)
                .filter(pk__gt=after)
                .order_by("pk")
                .select_for_update()[:batch_size]
            )
            anonymise_all(batch, now=now)
            anonymised += len(batch)
            last = len(batch) < batch_size
            drafts_deleted = stale_drafts(now).delete()[0] if last else 0
            sessions_deleted = expired_sessions(now).delete()[0] if last else 0
            audit.record(
                audit.PURGED_DATA,
                drafts_deleted=drafts_deleted,
                submissions_anonymised=len(batch),
                sessions_deleted=sessions_deleted,
                submission_ids=[submission.pk for submission in batch],
                dry_run=False,
            )
        if last:
            return PurgeResult(drafts_deleted, anonymised, sessions_deleted, dry_run=False)
        after = batch[-1].pk


def _dry_run(now: datetime) -> PurgeResult:
    result = PurgeResult(
        drafts_deleted=stale_drafts(now).count(),
        submissions_anonymised=expired_submissions(now).count(),
        sessions_deleted=expired_sessions(now).count(),
        dry_run=True,
    )
    audit.record(
        audit.PURGED_DATA,
        drafts_deleted=result.drafts_deleted,
        submissions_anonymised=result.submissions_anonymised,
        sessions_deleted=result.sessions_deleted,
        dry_run=True,
    )
    return result
