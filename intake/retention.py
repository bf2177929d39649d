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
from .models import FINAL_STATUSES, CaseNote, Draft, ScreeningRecord, Submission

REMOVED = "[removed]"


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
    """Blank everything that identifies the patient; keep reference, outcome, status and dates.

    The birth date keeps only its year (the field cannot be empty). Audit rows hold ids only
    and stay as they are.
    """
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
    CaseNote.objects.filter(submission=submission).update(text=REMOVED)
    # The findings name the answers that triggered each rule; the outcome stays on the row.
    ScreeningRecord.objects.filter(submission=submission).update(findings=[])
    _end_sessions_of(submission, now=now)
    if apps.is_installed("consults"):
        consult_model = apps.get_model("consults", "Consult")
        consult_model.objects.filter(submission=submission).exclude(cancel_reason="").update(
            cancel_reason=REMOVED
        )
    if apps.is_installed("care"):
        # Care records keep their dates, counts and codes; the words people wrote go.
        for model, path, fields in CARE_TEXT_FIELDS:
            rows = apps.get_model("care", model).objects.filter(**{path: submission})
            for field in fields:
                rows.exclude(**{field: ""}).update(**{field: REMOVED})
        # The activities the patient named for the PSFS are their words too.
        apps.get_model("care", "TreatmentPlan").objects.filter(submission=submission).update(
            psfs_activities=[]
        )
    # The patient record identifies the person too: blank it once none of theirs is left.
    if submission.patient is not None:
        patients.anonymise_if_done(submission.patient, now=now)


def _end_sessions_of(submission: Submission, *, now: datetime) -> None:
    """Delete live sessions that still point at the submission (its confirmation page)."""
    draft_key = str(submission.draft_key)
    ended = []
    for session in Session.objects.filter(expire_date__gte=now).iterator():
        data = session.get_decoded()
        if (
            data.get(SESSION_SUBMITTED) == submission.reference
            or data.get(SESSION_DRAFT) == draft_key
        ):
            ended.append(session.session_key)
    Session.objects.filter(session_key__in=ended).delete()


@transaction.atomic
def purge(*, dry_run: bool = False, now: datetime | None = None) -> PurgeResult:
    """Delete stale drafts and expired sessions, anonymise expired submissions; audit the run.

    Dry runs are audited too, with what they would have done.
    """
    now = now or timezone.now()
    drafts = stale_drafts(now)
    submissions = list(expired_submissions(now).select_for_update())
    # Expired sessions still name a draft or a submission reference: they go too.
    sessions = Session.objects.filter(expire_date__lt=now)
    result = PurgeResult(
        drafts_deleted=drafts.count(),
        submissions_anonymised=len(submissions),
        sessions_deleted=sessions.count(),
        dry_run=dry_run,
    )
    if not dry_run:
        drafts.delete()
        sessions.delete()
        for submission in submissions:
            anonymise(submission, now=now)
    audit.record(
        audit.PURGED_DATA,
        drafts_deleted=result.drafts_deleted,
        submissions_anonymised=result.submissions_anonymised,
        sessions_deleted=result.sessions_deleted,
        submission_ids=[submission.pk for submission in submissions],
        dry_run=dry_run,
    )
    return result
