"""The outbox: every email the clinic sends is first a row here, written in the transaction of
the change that caused it, and sent by the background worker (docs/tasks.md)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MessageQuerySet(models.QuerySet["Message"]):
    def pending(self) -> MessageQuerySet:
        return self.filter(status__in=Message.PENDING)


class Message(models.Model):
    """One outgoing email. Address, subject, body and attachments are kept only until it is
    sent; what stays is what happened: kind, ids, status, attempts and times."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Receipt")
        RESUME_LINK = "resume_link", _("Resume link")
        BOOKING_CONFIRMATION = "booking_confirmation", _("Booking confirmation")
        BOOKING_MOVED = "booking_moved", _("Booking moved")
        BOOKING_CANCELLED = "booking_cancelled", _("Booking cancelled")
        BOOKING_LINK = "booking_link", _("Booking link")
        REMINDER = "reminder", _("Reminder")
        CLINIC_NOTICE = "clinic_notice", _("Notice to the clinic")
        CARE_PLAN = "care_plan", _("Treatment plan")
        AFTERCARE = "aftercare", _("Aftercare advice")
        AFTERCARE_CHECK = "aftercare_check", _("Check after a session")
        OUTCOME_CHECKIN = "outcome_checkin", _("Progress check-in")
        OUTCOME_REMINDER = "outcome_reminder", _("Progress check-in reminder")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        RETRYING = "retrying", _("Waiting to retry")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    PENDING = (Status.QUEUED, Status.SENDING, Status.RETRYING)

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    # The idempotency key: one logical message, one row, one email however often a task runs.
    key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    submission = models.ForeignKey(
        "intake.Submission",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbox_messages",
    )
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("body"), blank=True)
    # [[filename, content, mimetype], ...]: calendar invitations.
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # The exception's class name only: messages of SMTP errors can quote addresses.
    last_error = models.CharField(_("last error"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # When the pending task is due to run (the first send, or the next retry).
    due_at = models.DateTimeField(_("due at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("attempt started at"), null=True, blank=True)
    retry_until = models.DateTimeField(_("retry until"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["status", "due_at"], name="outbox_status_due_idx")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"
