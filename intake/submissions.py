"""Storing a signed intake: validation, screening, the contact deadline and the audit entry."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext

from screening import Policy, Result, screen

from . import audit, patients
from .models import ScreeningRecord, Submission, User
from .questions import SECTIONS, validate_answers
from .search import phone_e164, search_text
from .workflow import contact_deadline

CONSENT_VERSION = "2026-11"
ALL_SECTIONS = tuple(section.code for section in SECTIONS)


class InvalidAnswers(ValueError):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(f"invalid answers for codes: {', '.join(sorted(errors))}")
        self.errors = errors


def current_policy() -> Policy:
    return Policy.from_settings(settings)


def _screening_record(
    submission: Submission, result: Result, *, by: User | None = None
) -> ScreeningRecord:
    stored = result.as_dict()
    return ScreeningRecord.objects.create(
        submission=submission,
        outcome=result.outcome,
        findings=stored["findings"],
        ruleset=result.ruleset,
        screening_date=result.screening_date,
        policy=stored["policy"],
        created_by=by,
    )


# No savepoint: inside a caller's transaction (submitting a draft) a failure undoes it all.
@transaction.atomic(savepoint=False)
def create_submission(
    *,
    answers: dict[str, Any],
    draft_key: uuid.UUID,
    ip_address: str | None,
    user_agent: str,
    language: str = "en",
    submitted_at: datetime | None = None,
) -> Submission:
    """Validate, screen and store one signed intake, with its first screening and audit entry.

    `answers` holds every section by question code, consent and signature included.

    Raises InvalidAnswers when the answers do not pass the schema: nothing invalid is stored.
    """
    submitted_at = submitted_at or timezone.now()
    screening_date: date = timezone.localdate(submitted_at)
    cleaned, errors = validate_answers(
        answers, screening_date=screening_date, sections=ALL_SECTIONS
    )
    if errors:
        raise InvalidAnswers(errors)
    result = screen(
        cleaned, screening_date=screening_date, policy=current_policy(), translate=gettext
    )
    submission = Submission(
        draft_key=draft_key,
        answers=cleaned,
        first_name=cleaned["first_name"],
        last_name=cleaned["last_name"],
        email=cleaned["email"],
        phone=cleaned["phone"],
        phone_e164=phone_e164(cleaned["phone"]),
        search_text=search_text(
            first_name=cleaned["first_name"], last_name=cleaned["last_name"], email=cleaned["email"]
        ),
        date_of_birth=date.fromisoformat(cleaned["date_of_birth"]),
        language=language,
        consent_version=CONSENT_VERSION,
        signature=cleaned["signature"],
        signed_at=submitted_at,
        ip_address=ip_address,
        user_agent=user_agent[:500],
        submitted_at=submitted_at,
        screened_outcome=result.outcome,
        contact_due_at=contact_deadline(result.outcome, submitted_at),
    )
    submission.set_outcome(result.outcome)
    match_state, _match = patients.assign(submission)
    submission.save()
    _screening_record(submission, result)
    audit.record(audit.SUBMITTED, submission=submission, outcome=result.outcome)
    patients.record_match(submission, match_state)
    return submission


class CannotRescreen(ValueError):
    """The stored answers no longer pass the current schema, so the rules cannot read them."""


@transaction.atomic
def rescreen(*, submission: Submission, by: User, request: HttpRequest | None = None) -> Result:
    """Screen the stored answers again with the current rules, as of the original screening date.

    The earlier screening records stay as they were; a new one is added. The screened outcome is
    updated, and so is the outcome staff act on unless a chiropractor has overridden it.
    """
    first = submission.screenings.order_by("created_at", "pk").first()
    screening_date = first.screening_date if first else timezone.localdate(submission.submitted_at)
    cleaned, errors = validate_answers(
        submission.answers, screening_date=screening_date, sections=ALL_SECTIONS
    )
    if errors:
        raise CannotRescreen(sorted(errors))
    result = screen(
        cleaned, screening_date=screening_date, policy=current_policy(), translate=gettext
    )
    previous = submission.screened_outcome
    _screening_record(submission, result, by=by)
    submission.screened_outcome = result.outcome
    if not submission.is_overridden:
        submission.set_outcome(result.outcome)
        if submission.contact_due_at is not None and submission.first_contact_at is None:
            submission.contact_due_at = contact_deadline(result.outcome, submission.submitted_at)
    submission.save(update_fields=["screened_outcome", "outcome", "priority", "contact_due_at"])
    audit.record(
        audit.RESCREENED,
        request=request,
        actor=by,
        submission=submission,
        ruleset=result.ruleset,
        **{"from": previous},
        to=result.outcome,
    )
    return result
