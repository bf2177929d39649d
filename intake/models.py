"""Staff users, patient drafts and submissions, screening history, contacts and the audit trail."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Patient references avoid characters that are easy to confuse (0/O, 1/I/L, 5/S, 2/Z, 8/B).
REFERENCE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
REFERENCE_LENGTH = 8


def new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


class User(AbstractUser):
    """A staff member. Patients never have accounts."""


class Outcome(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    REFER = "refer", _("Refer")
    NO_NEEDLING = "no_needling", _("No needling")
    REVIEW = "review", _("Review")
    ELIGIBLE = "eligible", _("Eligible")


# Lower sorts first in the staff queue.
SEVERITY = {outcome.value: rank for rank, outcome in enumerate(Outcome)}


class Status(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    CONSULT_BOOKED = "consult_booked", _("Consult booked")
    CLOSED = "closed", _("Closed")
    REFERRED_OUT = "referred_out", _("Referred out")
    NOT_PROCEEDING = "not_proceeding", _("Not proceeding")


# The only status changes staff may make: from each status, the statuses it may move to.
STATUS_TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.NEW: (Status.CONTACTED, Status.REFERRED_OUT, Status.NOT_PROCEEDING),
    Status.CONTACTED: (Status.CONSULT_BOOKED, Status.REFERRED_OUT, Status.NOT_PROCEEDING),
    Status.CONSULT_BOOKED: (Status.CLOSED, Status.REFERRED_OUT, Status.NOT_PROCEEDING),
    Status.CLOSED: (),
    Status.REFERRED_OUT: (),
    Status.NOT_PROCEEDING: (),
}
OPEN_STATUSES = (Status.NEW, Status.CONTACTED, Status.CONSULT_BOOKED)
# Outcomes a chiropractor must give a reason for when clearing a patient for a consult.
CLEARANCE_NEEDS_REASON = frozenset({Outcome.URGENT, Outcome.REFER, Outcome.NO_NEEDLING})


class TransitionNotAllowed(ValueError):
    """A status change outside STATUS_TRANSITIONS, or an action without its required reason."""


class Draft(models.Model):
    """An intake in progress. Saved at every step; removed once submitted or after 30 days."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    answers = models.JSONField(default=dict, blank=True)
    step = models.CharField(max_length=20, default="about")
    language = models.CharField(max_length=5, default="en")
    email = models.EmailField(blank=True)
    # Rotated whenever a resume link is sent or used, so each link works once.
    resume_nonce = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    def __str__(self) -> str:
        return f"Draft {self.pk}"


class SubmissionQuerySet(models.QuerySet["Submission"]):
    def in_queue_order(self) -> SubmissionQuerySet:
        return self.order_by("priority", "submitted_at")

    def overdue(self, now: Any = None) -> SubmissionQuerySet:
        return self.filter(
            status=Status.NEW,
            first_contact_at__isnull=True,
            contact_due_at__lt=now or timezone.now(),
        )


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
    phone = models.CharField(max_length=32)
    date_of_birth = models.DateField()
    language = models.CharField(max_length=5, default="en")

    consent_version = models.CharField(max_length=20)
    signature = models.CharField(max_length=200)
    signed_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now, db_index=True)

    # `outcome` is what staff act on: the override when there is one, else the screened outcome.
    screened_outcome = models.CharField(max_length=20, choices=Outcome.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, db_index=True)
    priority = models.PositiveSmallIntegerField(help_text=_("Queue order: 0 is most urgent."))
    override_reason = models.TextField(blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    overridden_at = models.DateTimeField(null=True, blank=True)

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    contact_due_at = models.DateTimeField()
    first_contact_at = models.DateTimeField(null=True, blank=True)

    cleared_for_consult = models.BooleanField(default=False)
    clearance_reason = models.TextField(blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cleared_at = models.DateTimeField(null=True, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["priority", "submitted_at"]
        indexes = [
            models.Index(fields=["priority", "submitted_at"], name="submission_queue_idx"),
            models.Index(fields=["status", "contact_due_at"], name="submission_due_idx"),
            # The front desk's default view: open submissions in queue order.
            models.Index(
                fields=["priority", "submitted_at"],
                condition=models.Q(status__in=["new", "contacted", "consult_booked"]),
                name="submission_open_queue_idx",
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

    def allowed_statuses(self) -> tuple[str, ...]:
        return STATUS_TRANSITIONS[self.status]

    def is_overdue(self, now: Any = None) -> bool:
        return (
            self.status == Status.NEW
            and self.first_contact_at is None
            and self.contact_due_at < (now or timezone.now())
        )

    # Staff actions. Each saves and writes its audit entry in one transaction; `request` gives
    # the audit entry its IP address. (audit imports this module, hence the local imports.)

    @transaction.atomic
    def change_status(self, to: str, *, by: User, request: HttpRequest | None = None) -> None:
        from . import audit

        # Lock the row so two people moving the same case cannot skip a step between them.
        self.status = (
            Submission.objects.select_for_update().values_list("status", flat=True).get(pk=self.pk)
        )
        if to not in STATUS_TRANSITIONS[self.status]:
            raise TransitionNotAllowed(
                _("A submission that is “%(from)s” cannot be moved to “%(to)s”.")
                % {
                    "from": Status(self.status).label,
                    "to": Status(to).label if to in Status else to,
                }
            )
        previous, self.status = self.status, to
        self.save(update_fields=["status"])
        audit.record(
            audit.CHANGED_STATUS,
            request=request,
            actor=by,
            submission=self,
            **{"from": previous},
            to=to,
        )

    @transaction.atomic
    def record_contact(
        self, result: str, *, note: str = "", by: User, request: HttpRequest | None = None
    ) -> ContactAttempt:
        """Log one contact attempt; a patient reached moves a new submission to contacted."""
        from . import audit

        attempt = self.contacts.create(result=result, note=note, by=by)
        if self.first_contact_at is None:
            self.first_contact_at = attempt.at
            self.save(update_fields=["first_contact_at"])
        audit.record(
            audit.LOGGED_CONTACT,
            request=request,
            actor=by,
            submission=self,
            contact=attempt.pk,
            result=result,
        )
        if result == ContactAttempt.Result.REACHED and self.status == Status.NEW:
            self.change_status(Status.CONTACTED, by=by, request=request)
        return attempt

    @transaction.atomic
    def record_override(
        self, outcome: str, *, reason: str, by: User, request: HttpRequest | None = None
    ) -> None:
        """Overrule the screened outcome; the queue order and contact deadline follow it."""
        from . import audit
        from .submissions import contact_deadline

        if not reason.strip():
            raise TransitionNotAllowed(_("Please give a reason for the override."))
        previous = self.outcome
        self.set_outcome(outcome)
        self.override_reason = reason.strip()
        self.overridden_by = by
        self.overridden_at = timezone.now()
        self.contact_due_at = contact_deadline(outcome, self.submitted_at)
        self.save(
            update_fields=[
                "outcome",
                "priority",
                "override_reason",
                "overridden_by",
                "overridden_at",
                "contact_due_at",
            ]
        )
        audit.record(
            audit.OVERRODE_OUTCOME,
            request=request,
            actor=by,
            submission=self,
            **{"from": previous},
            to=outcome,
            screened=self.screened_outcome,
        )

    @transaction.atomic
    def clear_for_consult(
        self, *, reason: str = "", by: User, request: HttpRequest | None = None
    ) -> None:
        """A chiropractor's go-ahead to book a consult; a reason is required unless routine."""
        from . import audit

        if self.outcome in CLEARANCE_NEEDS_REASON and not reason.strip():
            raise TransitionNotAllowed(
                _("Please give a reason for clearing a “%(outcome)s” submission for a consult.")
                % {"outcome": Outcome(self.outcome).label}
            )
        self.cleared_for_consult = True
        self.clearance_reason = reason.strip()
        self.cleared_by = by
        self.cleared_at = timezone.now()
        self.save(
            update_fields=["cleared_for_consult", "clearance_reason", "cleared_by", "cleared_at"]
        )
        audit.record(
            audit.CLEARED_FOR_CONSULT,
            request=request,
            actor=by,
            submission=self,
            outcome=self.outcome,
        )


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
        REACHED = "reached", _("Reached")
        VOICEMAIL = "voicemail", _("Left voicemail")
        NO_ANSWER = "no_answer", _("No answer")
        WRONG_NUMBER = "wrong_number", _("Wrong number")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="contacts")
    result = models.CharField(max_length=20, choices=Result.choices)
    note = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.get_result_display()} at {self.at:%Y-%m-%d %H:%M}"


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
