"""Staff users, patient drafts and submissions, screening history, contacts, notes and the audit
trail. Status changes are intake/workflow.py's job, not these models'."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from screening import OUTCOME_LABELS, OUTCOMES

# Patient references avoid characters that are easy to confuse (0/O, 1/I/L, 5/S, 2/Z, 8/B).
REFERENCE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
REFERENCE_LENGTH = 8


def new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


class User(AbstractUser):
    """A staff member. Patients never have accounts."""


# The screening outcomes as stored choices: values, order and names come from screening's one list
# (URGENT, REFER, NO_NEEDLING, REVIEW, ELIGIBLE, most severe first); the names are translated here.
Outcome = models.TextChoices(  # type: ignore[call-overload]
    "Outcome",
    [(value.upper(), (value, _(OUTCOME_LABELS[value]))) for value in OUTCOMES],
    module=__name__,
)


# Lower sorts first in the staff queue.
SEVERITY = {outcome.value: rank for rank, outcome in enumerate(Outcome)}


class Status(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    CONSULT_BOOKED = "consult_booked", _("Consult booked")
    # A course of care is under way (care/): open until the chiropractor finishes it.
    IN_CARE = "in_care", _("In care")
    CLOSED = "closed", _("Closed")
    REFERRED_OUT = "referred_out", _("Referred out")
    NOT_PROCEEDING = "not_proceeding", _("Not proceeding")


# The two groups of statuses, defined here once because the queue's partial index needs them;
# intake/workflow.py holds every rule about moving between them.
OPEN_STATUSES = (Status.NEW, Status.CONTACTED, Status.CONSULT_BOOKED, Status.IN_CARE)
FINAL_STATUSES = (Status.CLOSED, Status.REFERRED_OUT, Status.NOT_PROCEEDING)
# The staff queue's order: most severe first, then oldest, then the id so that every row has
# one place (the keyset cursor of "next page" relies on it).
QUEUE_ORDER = ("priority", "submitted_at", "id")


class Draft(models.Model):
    """An intake in progress. Saved at every step; removed once submitted or after 30 days."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    answers = models.JSONField(default=dict, blank=True)
    step = models.CharField(max_length=20, default="about")
    language = models.CharField(max_length=5, default="en")
    email = models.EmailField(blank=True)
    # Rotated whenever a resume link is sent or used, so each link works once.
    resume_nonce = models.CharField(max_length=32, blank=True)
    # When the form first showed urgent advice mid-way, and the ids of the rules it showed:
    # staff see such drafts until they are submitted or purged with the other drafts.
    urgent_advice_shown_at = models.DateTimeField(null=True, blank=True, db_index=True)
    urgent_rules = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    def __str__(self) -> str:
        return f"Draft {self.pk}"


class Patient(models.Model):
    """One person across their submissions (intake/patients.py matches and links them).

    The identifying fields are copied from the latest linked submission, normalised for
    matching; the retention purge blanks them once every linked submission is anonymised.
    """

    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.CharField(max_length=254, blank=True, db_index=True)  # normalised: lowercase
    phone_e164 = models.CharField(max_length=20, blank=True, db_index=True)
    date_of_birth = models.DateField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    anonymised_at = models.DateTimeField(null=True, blank=True)
    # Set when staff moved this patient's only submission to another patient: it is then no
    # longer offered as a match. Cleared when an undo gives it a submission back.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Patient {self.pk}"


class MatchState(models.TextChoices):
    """What matching decided for a submission; shown as a marker in the staff queue."""

    NEW = "new", _("New patient")
    RETURNING = "returning", _("Returning patient")
    POSSIBLE = "possible", _("Possible match")


class Submission(models.Model):
    """A signed intake: the answers by question code, the consent record and the triage."""

    reference = models.CharField(max_length=12, unique=True, default=new_reference, editable=False)
    # The draft this came from; unique so a double submit can never create a second row.
    draft_key = models.UUIDField(unique=True, editable=False)
    answers = models.JSONField()
    # Copied out of the answers so staff can search and sort without reading JSON.
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(max_length=254)
    phone = models.CharField(max_length=32)  # as the patient typed it
    # Normalised copies for search, written with the row (intake/search.py explains them).
    phone_e164 = models.CharField(max_length=20, blank=True, db_index=True)
    search_text = models.CharField(max_length=500, blank=True)
    date_of_birth = models.DateField()
    language = models.CharField(max_length=5, default="en")

    consent_version = models.CharField(max_length=20)
    signature = models.CharField(max_length=200)
    signed_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    # Indexed by submission_reports_idx below (a date range first, with the dashboard's columns).
    submitted_at = models.DateTimeField(default=timezone.now)

    # `outcome` is what staff act on: the override when there is one, else the screened outcome.
    screened_outcome = models.CharField(max_length=20, choices=Outcome.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, db_index=True)
    priority = models.PositiveSmallIntegerField(help_text=_("Queue order: 0 is most urgent."))
    override_reason = models.TextField(blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    overridden_at = models.DateTimeField(null=True, blank=True)

    # The pathway's state, written only by intake/workflow.py.
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    # The contact clock: when the patient must be reached by. Empty while nobody needs to call.
    contact_due_at = models.DateTimeField(null=True, blank=True)
    # After an unanswered call: when to try again.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # The first time anyone reached the patient.
    first_contact_at = models.DateTimeField(null=True, blank=True)
    # The latest contact attempt, copied here by record_contact so that the queue and the export
    # show it without a subquery per row.
    last_contact_at = models.DateTimeField(null=True, blank=True)
    last_contact_result = models.CharField(max_length=20, blank=True)
    # Set when the patient cancels their consult, until someone reaches them or books again.
    patient_cancelled_at = models.DateTimeField(null=True, blank=True)

    cleared_for_consult = models.BooleanField(default=False)
    clearance_reason = models.TextField(blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cleared_at = models.DateTimeField(null=True, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    # The person (intake/patients.py): empty only on rows stored before patients existed and
    # not yet filled by migration 0013. Written with match_state by the matching code.
    patient = models.ForeignKey(
        Patient, null=True, blank=True, on_delete=models.PROTECT, related_name="submissions"
    )
    match_state = models.CharField(max_length=10, choices=MatchState.choices, blank=True)
    # For a possible match: the other patient staff are asked about, the score and its reasons.
    match_candidate = models.ForeignKey(
        Patient, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    match_score = models.PositiveSmallIntegerField(null=True, blank=True)
    match_reasons = models.JSONField(default=list, blank=True)
    # Where the case is booked: the location of its latest consult (docs/locations.md), kept
    # here so that staff limited to locations get their queue from an index. Empty until the
    # first booking. Written only by intake/workflow.py, when a consult is booked or moved.
    location = models.ForeignKey(
        "consults.Location",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # the location indexes below lead with it
    )

    class Meta:
        ordering = list(QUEUE_ORDER)
        indexes = [
            # Queue order with the id last: the keyset ("next page") cursor of the staff queue.
            models.Index(fields=["priority", "submitted_at", "id"], name="submission_queue_idx"),
            models.Index(fields=["status", "contact_due_at"], name="submission_due_idx"),
            # The front desk's default view: open submissions in queue order.
            models.Index(
                fields=["priority", "submitted_at", "id"],
                condition=models.Q(status__in=[str(status) for status in OPEN_STATUSES]),
                name="submission_open_queue_idx",
            ),
            # The queue's summary (open cases per outcome, overdue) as an index-only scan.
            models.Index(
                fields=["outcome", "status", "contact_due_at", "id"],
                condition=models.Q(status__in=[str(status) for status in OPEN_STATUSES]),
                name="submission_open_counts_idx",
            ),
            # Cases by submission date, for any date range. On PostgreSQL it also carries the
            # columns the clinic dashboard counts (reports/figures.py), so its figures read this
            # index alone instead of the wide rows (SQLite ignores `include`).
            models.Index(
                fields=["submitted_at"],
                include=["id", "outcome", "status", "first_contact_at", "contact_due_at"],
                name="submission_reports_idx",
            ),
            # The queue at one location, and a front desk's limited to theirs, in queue order.
            models.Index(
                fields=["location", "priority", "submitted_at", "id"],
                name="submission_location_queue_idx",
            ),
            models.Index(
                fields=["location", "priority", "submitted_at", "id"],
                condition=models.Q(status__in=[str(status) for status in OPEN_STATUSES]),
                name="submission_location_open_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(priority__lte=len(Outcome) - 1), name="submission_priority_range"
            ),
            models.CheckConstraint(
                condition=models.Q(overridden_at__isnull=True) | ~models.Q(override_reason=""),
                name="submission_override_has_reason",
            ),
        ]
        permissions = [
            ("review_submission", "Can clear, override and re-screen submissions"),
            ("export_submission", "Can export submissions"),
            ("subject_access_submission", "Can download one patient's data (subject access)"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_overridden(self) -> bool:
        return self.overridden_at is not None

    def set_outcome(self, outcome: str) -> None:
        """Make `outcome` the one staff act on, keeping the queue order in step."""
        self.outcome = outcome
        self.priority = SEVERITY[outcome]


class PatientLink(models.Model):
    """One change of a submission's patient, kept so it can be audited and undone.

    Undoing puts back `previous_patient`, `previous_state` and `previous_candidate`.
    """

    class Kind(models.TextChoices):
        MATCHED = "matched", _("Matched when submitted")
        SAME_PERSON = "same_person", _("Staff: same person")
        DIFFERENT_PERSON = "different_person", _("Staff: different person")

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="patient_links"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    previous_patient = models.ForeignKey(
        Patient, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    previous_state = models.CharField(max_length=10, blank=True)
    previous_candidate = models.ForeignKey(
        Patient, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.submission_id})"


class ScreeningRecord(models.Model):
    """One screening of a submission. Never rewritten: re-screening adds a new record."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="screenings")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    findings = models.JSONField(default=list)
    ruleset = models.CharField(max_length=40)
    screening_date = models.DateField()
    policy = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        get_latest_by = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.submission_id}: {self.outcome} ({self.ruleset})"


class ContactAttempt(models.Model):
    """A phone call, text or email to the patient, logged by the front desk."""

    class Result(models.TextChoices):
        REACHED = "reached", _("Reached the patient")
        NO_ANSWER = "no_answer", _("No answer")
        VOICEMAIL = "voicemail", _("Left a message")
        WRONG_NUMBER = "wrong_number", _("Wrong number")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="contacts")
    result = models.CharField(max_length=20, choices=Result.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.get_result_display()} at {self.at:%Y-%m-%d %H:%M}"


class CaseNote(models.Model):
    """What someone wrote about a case, in order: a reason given for a step, or a general note.

    Reasons live here rather than in the audit trail so that the retention purge can remove
    the words while the append-only trail keeps its entries.
    """

    class Kind(models.TextChoices):
        OVERRIDE = "override", _("Override")
        CLEARANCE = "clearance", _("Clearance")
        CLOSURE = "closure", _("Closing the case")
        CANCELLATION = "cancellation", _("Consult cancelled")
        MOVE = "move", _("Consult moved")
        CONTACT = "contact", _("Call note")
        NOTE = "note", _("Note")
        REFERRAL = "referral", _("Referred on")
        CARE = "care", _("Care")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.TextField()
    # Empty when the patient wrote it (a reason for cancelling through their link).
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"


class AuditEvent(models.Model):
    """Who looked at or changed what, and when. Append-only: nothing edits or deletes a row."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=50, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    submission = models.ForeignKey(
        Submission, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events"
    )
    # Ids, codes and counts only: never names, answers or contact details.
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("Audit events are append-only.")
