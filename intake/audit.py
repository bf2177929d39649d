"""Writing the audit trail: every view of health data, every export, every change."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .models import AuditEvent, Submission, User

# Actions are plain strings so a new kind of event never needs a migration.
VIEWED_SUBMISSION = "viewed_submission"
EXPORTED_SUBMISSIONS = "exported_submissions"
SUBMITTED = "submitted"
LOGGED_CONTACT = "logged_contact"
CHANGED_STATUS = "changed_status"
OVERRODE_OUTCOME = "overrode_outcome"
CLEARED_FOR_CONSULT = "cleared_for_consult"
RESCREENED = "rescreened"
# A search of submissions (queue or admin): its filters, never the words searched for.
SEARCHED_SUBMISSIONS = "staff.submissions.searched"


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def record(
    action: str,
    *,
    request: HttpRequest | None = None,
    actor: User | None = None,
    submission: Submission | None = None,
    **detail: Any,
) -> AuditEvent:
    """Append one audit entry. `detail` holds ids, codes and counts only, never health data."""
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        submission=submission,
        ip_address=client_ip(request) if request is not None else None,
        detail=detail,
    )
