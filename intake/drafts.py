"""Intake drafts: the session's draft, saving a step, resume links and submitting the draft."""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core import signing
from django.db import connection, transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from clinic.links import absolute_url
from outbox.models import Message
from outbox.sending import enqueue, key_digest
from screening import Result

from . import audit, urgent
from .models import Draft, Outcome, ScreeningRecord, Submission
from .questions import QUESTIONS, SECTIONS_BY_CODE, is_shown
from .submissions import create_submission

logger = logging.getLogger(__name__)

# Session keys: the draft in progress and the reference of the submission this session made.
SESSION_DRAFT = "intake_draft"
SESSION_SUBMITTED = "intake_submitted"

RESUME_SALT = "intake.drafts.resume-link"
RESUME_MAX_AGE = timedelta(days=7)


# --- the session's draft ------------------------------------------------------------------


def draft_for_session(session: SessionBase) -> Draft | None:
    draft_id = session.get(SESSION_DRAFT)
    if not draft_id:
        return None
    # Read on every step of every intake: a fixed query skips the ORM's query building,
    # which cost as much as the rest of the read (bench/intake_load.py).
    key = Draft._meta.pk.get_db_prep_value(draft_id, connection)
    table = connection.ops.quote_name(Draft._meta.db_table)
    return next(iter(Draft.objects.raw(f"SELECT * FROM {table} WHERE id = %s", [key])), None)


def submission_for_session(session: SessionBase) -> Submission | None:
    """The submission this session made: remembered, or found by the session's draft key."""
    reference = session.get(SESSION_SUBMITTED)
    if reference:
        try:
            return Submission.objects.get(reference=reference)
        except Submission.DoesNotExist:
            return None
    draft_id = session.get(SESSION_DRAFT)
    if draft_id:
        submission = Submission.objects.filter(draft_key=draft_id).first()
        if submission is not None:
            remember_submission(session, submission)
        return submission
    return None


def remember_submission(session: SessionBase, submission: Submission) -> None:
    session.pop(SESSION_DRAFT, None)
    session[SESSION_SUBMITTED] = submission.reference


def start_draft(session: SessionBase, *, language: str) -> Draft:
    """A new draft for the session, not yet written: the step's `save_section` inserts it with
    its first answers (one query instead of an insert and an update on every intake)."""
    draft = Draft(language=language)
    if session.session_key is not None:
        # A session the visitor already had gets a new key (no fixation); a new one is
        # created with its key when the response is sent.
        session.cycle_key()
    session[SESSION_DRAFT] = str(draft.pk)
    return draft


def discard_inapplicable(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers without those whose condition no longer holds (in catalogue order)."""
    kept = dict(answers)
    for question in QUESTIONS.values():
        if question.code in kept and not is_shown(question, kept):
            del kept[question.code]
    return kept


def save_section(draft: Draft, *, section: str, answers: Mapping[str, Any], step: str) -> None:
    """Replace one section's answers in the draft (raw or cleaned) and remember the step."""
    codes = {q.code for q in SECTIONS_BY_CODE[section].questions}
    merged = {code: value for code, value in draft.answers.items() if code not in codes}
    merged.update(answers)
    draft.answers = discard_inapplicable(merged)
    draft.step = step
    # The page language the patient uses now is the one their resume email is written in.
    draft.language = translation.get_language() or draft.language
    if draft._state.adding:
        draft.save(force_insert=True)  # a draft just started (start_draft)
    else:
        _update(draft, ["answers", "step", "language", "updated_at"])


def _update(draft: Draft, names: list[str]) -> None:
    """draft.save(update_fields=names) as one fixed statement: a draft is saved on every step
    of every intake, and the ORM's query building cost as much as the write (as for the read,
    draft_for_session)."""
    draft.updated_at = timezone.now()
    fields = [field for field in Draft._meta.concrete_fields if field.name in names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    values = [field.get_db_prep_save(getattr(draft, field.attname), connection) for field in fields]
    key = Draft._meta.pk.get_db_prep_value(draft.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(Draft._meta.db_table)} SET {assignments} WHERE id = %s", [*values, key]
        )


def show_urgent_advice(draft: Draft, *, request: HttpRequest) -> list[str]:
    """The urgent rules the answers so far make certain; new ones are recorded and audited.

    Returns the ids not shown before on this draft (empty: nothing new to show)."""
    certain = urgent.certain_rules(draft.answers)
    new = [rule for rule in certain if rule not in draft.urgent_rules]
    if not new:
        return []
    with transaction.atomic():
        draft.urgent_rules = [*draft.urgent_rules, *new]
        draft.urgent_advice_shown_at = draft.urgent_advice_shown_at or timezone.now()
        draft.save(update_fields=["urgent_rules", "urgent_advice_shown_at", "updated_at"])
        # Rule ids are codes, not answers; the draft is named by its random id.
        audit.record(audit.URGENT_ADVICE_SHOWN, request=request, draft=str(draft.pk), rules=new)
    logger.info("intake draft %s shown urgent advice (%d new rules)", draft.pk, len(new))
    return new


# --- resume links -------------------------------------------------------------------------


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=RESUME_SALT)


def make_resume_token(draft: Draft) -> str:
    """A new single-use token for the draft; every earlier token stops working."""
    draft.resume_nonce = secrets.token_hex(16)
    draft.save(update_fields=["resume_nonce", "updated_at"])
    return _signer().sign_object({"d": str(draft.pk), "n": draft.resume_nonce})


def draft_for_resume_token(token: str) -> Draft | None:
    """The draft a token opens, or None when it is tampered with, expired or already used."""
    try:
        data = _signer().unsign_object(token, max_age=RESUME_MAX_AGE)
        draft_id = uuid.UUID(str(data["d"]))
        nonce = str(data["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    draft = Draft.objects.filter(pk=draft_id).first()
    if draft is None or not draft.resume_nonce:
        return None
    if not secrets.compare_digest(draft.resume_nonce, nonce):
        return None
    return draft


@transaction.atomic
def resume_draft(*, token: str, session: SessionBase) -> Draft | None:
    """Open the token's draft in this session and use the token up; None when it is not valid."""
    draft = draft_for_resume_token(token)
    if draft is None:
        return None
    # A conditional update: of two requests using the same link at once, only one wins.
    unused = Draft.objects.filter(pk=draft.pk, resume_nonce=draft.resume_nonce)
    if not unused.update(resume_nonce=""):
        return None
    session.cycle_key()
    session[SESSION_DRAFT] = str(draft.pk)
    session.pop(SESSION_SUBMITTED, None)
    logger.info("intake draft %s resumed from a link", draft.pk)
    return draft


@transaction.atomic
def send_resume_link(*, draft: Draft, email: str) -> None:
    """Email a fresh resume link to `email` (queued; the worker sends it). The email says
    nothing about health."""
    draft.email = email
    draft.save(update_fields=["email", "updated_at"])
    token = make_resume_token(draft)
    link = absolute_url(reverse("intake:resume", args=[token]))
    with translation.override(draft.language):
        context = {"clinic_phone": settings.CLINIC_PHONE, "link": link, "days": RESUME_MAX_AGE.days}
        # No clinic name: the default one ("Heel Pain Clinic") would itself say something.
        subject = gettext("Your form: continue where you left off")
        body = render_to_string("intake/email/resume_link.txt", context)
    enqueue(
        kind=Message.Kind.RESUME_LINK,
        key=f"draft:{draft.pk}:resume:{key_digest(token)}",
        to=email,
        subject=subject,
        body=body,
    )
    logger.info("intake resume link queued for draft %s", draft.pk)


# --- submitting ---------------------------------------------------------------------------


def submit_draft(
    *, draft_key: uuid.UUID, consent: Mapping[str, Any], ip_address: str | None, user_agent: str
) -> tuple[Submission, bool]:
    """Store the draft as a signed submission and delete the draft, in one transaction.

    Returns (submission, created). When the draft was already submitted (a double click, a
    refresh, going back and submitting again) the existing submission comes back unchanged.
    Raises InvalidAnswers when the answers do not pass the schema.
    """
    with transaction.atomic():
        # The row lock makes a concurrent second submit wait here, then find the submission.
        try:
            draft = Draft.objects.select_for_update().get(pk=draft_key)
        except Draft.DoesNotExist:
            # The draft is deleted in the transaction that stores its submission.
            existing = Submission.objects.filter(draft_key=draft_key).first()
            if existing is None:
                raise
            return existing, False
        answers = {**draft.answers, **consent}
        submission = create_submission(
            answers=answers,
            draft_key=draft.pk,
            ip_address=ip_address,
            user_agent=user_agent,
            language=str(answers.get("language") or draft.language),
        )
        draft.delete()
        # Queued with the submission: both are stored, or neither (docs/tasks.md).
        send_receipt(submission)
    return submission, True


def _screening(submission: Submission) -> Result | None:
    """The latest screening, when it can hold safety advice: only urgent rules carry any."""
    if submission.screened_outcome != Outcome.URGENT:
        return None
    record: ScreeningRecord | None = submission.screenings.first()
    if record is None:
        return None
    return Result.from_dict(
        {
            "outcome": record.outcome,
            "findings": record.findings,
            "ruleset": record.ruleset,
            "policy": record.policy,
        },
        screening_date=record.screening_date,
    )


def safety_advice(submission: Submission) -> list[str]:
    """The safety advice of each urgent finding: the same texts on the page and in the email."""
    result = _screening(submission)
    return urgent.advice_for_result(result) if result is not None else []


def safety_advice_as_shown(submission: Submission) -> list[str]:
    """The advice in the language the patient saw it in (for staff on the submission page)."""
    with translation.override(submission.language):
        return safety_advice(submission)


def send_receipt(submission: Submission) -> None:
    """The receipt: reference, next steps and any urgent advice; never the answers."""
    with translation.override(submission.language):
        context = {
            "clinic_phone": settings.CLINIC_PHONE,
            "reference": submission.reference,
            "advice": safety_advice(submission),
            "emergency_number": urgent.emergency_number(),
        }
        subject = gettext("We have received your form (reference %(reference)s)") % {
            "reference": submission.reference
        }
        body = render_to_string("intake/email/receipt.txt", context)
    enqueue(
        kind=Message.Kind.RECEIPT,
        key=f"submission:{submission.pk}:receipt",
        to=submission.email,
        subject=subject,
        body=body,
        submission_id=submission.pk,
    )
    logger.info("intake receipt queued for submission %s", submission.pk)
