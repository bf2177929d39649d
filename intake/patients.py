"""Patients: matching each new submission to the person who sent earlier ones, and staff's
"same person" / "different person" decisions, each one undoable (docs/patients.md).

Matching finds candidates by exact keys only (same date of birth, OR same E.164 phone, OR same
normalised email: three indexed lookups) and scores the few it finds in Python:

- above the high threshold (same date of birth, same email or phone, and a similar name in
  either order) the submission joins that patient: "returning patient";
- between the thresholds it gets a patient of its own, and staff are asked: "possible match";
- below the low threshold it gets a new patient.

Every change of a submission's patient is a `PatientLink` row (who, when, why, what it was
before) so that undo puts the previous assignment back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from difflib import SequenceMatcher
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import audit
from .models import MatchState, Patient, PatientLink, Submission, User
from .search import fold

# Points per piece of evidence; a similar name adds up to NAME_POINTS by its similarity.
DATE_OF_BIRTH_POINTS = 35
EMAIL_POINTS = 20
PHONE_POINTS = 20
NAME_POINTS = 25
# Each part of the name (first, last) must be at least this similar (difflib's ratio, after
# folding case and accents): "Jon"/"John" is 0.86, "Ana"/"Eva" 0.67, so twins stay apart.
NAME_SIMILAR = 0.85
# From here up staff are asked; below it the submission gets a new patient. Same date of birth
# and name without a contact detail in common (60), same email and name with a mistyped date
# (45), twins sharing date of birth and phone (55): all asked. Date of birth alone (35) is not.
LOW_THRESHOLD = 45
# Candidate rows read per submission: a date of birth is shared by a few dozen patients at most
# in a large clinic; the cap keeps a pathological key (a shared office phone) cheap.
MAX_CANDIDATES = 200

REASONS = {
    "date_of_birth": _("same date of birth"),
    "email": _("same email"),
    "phone": _("same phone number"),
    "name": _("same name"),
    "name_swapped": _("same name, first and last swapped"),
    "name_similar": _("similar name"),
}


class CannotDecide(ValueError):
    """The submission is not in a state where this decision (or undo) applies."""


@dataclass(frozen=True)
class Identity:
    """What matching compares: names as typed, the email and phone normalised."""

    first_name: str
    last_name: str
    email: str
    phone_e164: str
    date_of_birth: date | None


@dataclass(frozen=True)
class Match:
    patient_id: int
    score: int
    reasons: tuple[str, ...]
    automatic: bool


def normalise_email(email: str) -> str:
    return email.strip().lower()


def identity_of(row: Any) -> Identity:
    """The identity of a Submission or Patient (or their historical migration models)."""
    return Identity(
        first_name=row.first_name,
        last_name=row.last_name,
        email=normalise_email(row.email),
        phone_e164=row.phone_e164,
        date_of_birth=row.date_of_birth,
    )


def _name_part(text: str) -> str:
    return "".join(c for c in fold(text) if c.isalnum())


def _ratio(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, a, b).ratio()


def name_similarity(a: Identity, b: Identity) -> tuple[float, bool]:
    """How alike two names are (0–1, the weaker of the two parts) and whether swapped."""
    af, al = _name_part(a.first_name), _name_part(a.last_name)
    bf, bl = _name_part(b.first_name), _name_part(b.last_name)
    direct = min(_ratio(af, bf), _ratio(al, bl))
    swapped = min(_ratio(af, bl), _ratio(al, bf))
    return (swapped, True) if swapped > direct else (direct, False)


def score(new: Identity, known: Identity, patient_id: int) -> Match:
    """The evidence that `new` is the person `known`, as points and reasons."""
    reasons: list[str] = []
    points = 0
    same_dob = new.date_of_birth is not None and new.date_of_birth == known.date_of_birth
    if same_dob:
        points += DATE_OF_BIRTH_POINTS
        reasons.append("date_of_birth")
    same_email = bool(new.email) and new.email == known.email
    if same_email:
        points += EMAIL_POINTS
        reasons.append("email")
    same_phone = bool(new.phone_e164) and new.phone_e164 == known.phone_e164
    if same_phone:
        points += PHONE_POINTS
        reasons.append("phone")
    similarity, swapped = name_similarity(new, known)
    similar_name = similarity >= NAME_SIMILAR
    if similar_name:
        points += round(NAME_POINTS * similarity)
        if similarity < 1:
            reasons.append("name_similar")
        else:
            reasons.append("name_swapped" if swapped else "name")
    automatic = same_dob and (same_email or same_phone) and similar_name
    return Match(patient_id, points, tuple(reasons), automatic)


def best_match(new: Identity, known: Iterable[tuple[int, Identity]]) -> Match | None:
    """The strongest candidate; ties go to the oldest patient so the answer never varies."""
    best: Match | None = None
    for patient_id, identity in sorted(known, key=lambda pair: pair[0]):
        match = score(new, identity, patient_id)
        if best is None or (match.automatic, match.score) > (best.automatic, best.score):
            best = match
    return best


def candidates_q(identity: Identity) -> Q:
    """Patients sharing an exact key: date of birth OR phone OR email (each one indexed)."""
    condition = Q(date_of_birth=identity.date_of_birth)
    if identity.phone_e164:
        condition |= Q(phone_e164=identity.phone_e164)
    if identity.email:
        condition |= Q(email=identity.email)
    return condition


def find_match(identity: Identity, patients: Any = None) -> Match | None:
    """Score the live patients that share a key with `identity`. `patients` is a queryset of
    Patient (or the migration's historical model); excluded: anonymised and merged ones."""
    patients = Patient.objects.all() if patients is None else patients
    rows = patients.filter(
        candidates_q(identity), anonymised_at__isnull=True, merged_into__isnull=True
    ).order_by("pk")[:MAX_CANDIDATES]
    return best_match(identity, ((row.pk, identity_of(row)) for row in rows))


def reason_labels(codes: Iterable[str]) -> list[str]:
    return [str(REASONS.get(code, code)) for code in codes]


IDENTITY_FIELDS = ["first_name", "last_name", "email", "phone_e164", "date_of_birth"]


def _copy_identity(patient: Any, submission: Any) -> None:
    """The patient's details become the latest submission's: the next match compares them."""
    patient.first_name = submission.first_name
    patient.last_name = submission.last_name
    patient.email = normalise_email(submission.email)
    patient.phone_e164 = submission.phone_e164
    patient.date_of_birth = submission.date_of_birth


def assign(submission: Any, *, patient_model: Any = None) -> tuple[str, Match | None]:
    """Match a submission and set its patient, state and candidate (the submission is not
    saved, no link row). A returning patient is saved with the submission's identity but not
    read back: `submission.patient` then holds its id and identity only.

    Shared by new submissions and by migration 0013, which passes its historical model.
    """
    patient_model = patient_model or Patient
    identity = identity_of(submission)
    match = find_match(identity, patient_model.objects.all())
    returning = match is not None and match.automatic
    # A returning patient's identity is updated without reading the row back first.
    patient = patient_model(pk=match.patient_id) if returning and match else patient_model()
    _copy_identity(patient, submission)
    patient.save(update_fields=IDENTITY_FIELDS if returning else None)
    if returning:
        state, candidate_id = MatchState.RETURNING, None
    else:
        possible = match is not None and match.score >= LOW_THRESHOLD
        state = MatchState.POSSIBLE if possible else MatchState.NEW
        candidate_id = match.patient_id if possible and match else None
    submission.patient = patient
    submission.match_state = str(state)
    submission.match_candidate_id = candidate_id
    kept = match is not None and state != MatchState.NEW
    submission.match_score = match.score if kept and match else None
    submission.match_reasons = list(match.reasons) if kept and match else []
    return str(state), match


MATCH_FIELDS = ["patient", "match_state", "match_candidate", "match_score", "match_reasons"]


def record_match(submission: Submission, state: str) -> None:
    """The link row and audit entry of a new submission's match, once it is stored
    (create_submission calls `assign` before the submission's INSERT, then this)."""
    assert submission.patient is not None
    PatientLink.objects.create(
        submission=submission,
        kind=PatientLink.Kind.MATCHED,
        patient=submission.patient,
        score=submission.match_score,
        reasons=submission.match_reasons,
    )
    if state != MatchState.NEW:
        audit.record(
            audit.PATIENT_MATCHED,
            submission=submission,
            state=state,
            patient=submission.patient_id,
            candidate=submission.match_candidate_id,
            score=submission.match_score,
            reasons=submission.match_reasons,
        )


def fill_existing(submission_model: Any, patient_model: Any) -> int:
    """Give every submission without a patient one, oldest first (migration 0013's step).

    Deterministic: the same rows in the same order always give the same patients.
    """
    filled = 0
    rows = submission_model.objects.filter(patient__isnull=True).order_by("submitted_at", "pk")
    for submission in rows.iterator():
        assign(submission, patient_model=patient_model)
        submission.save(update_fields=MATCH_FIELDS)
        filled += 1
    return filled


def _move(submission: Submission, to: Patient) -> None:
    """Put the submission with `to`; a patient left with no submission stops being offered."""
    left = submission.patient
    submission.patient = to
    if to.merged_into_id is not None:
        to.merged_into = None
        to.save(update_fields=["merged_into"])
    if left is not None and left.pk != to.pk:
        others = left.submissions.exclude(pk=submission.pk)
        if not others.exists():
            left.merged_into = to
            left.save(update_fields=["merged_into"])


def _link(submission: Submission, kind: str, *, by: User, previous: Patient | None) -> PatientLink:
    assert submission.patient is not None
    return PatientLink.objects.create(
        submission=submission,
        kind=kind,
        patient=submission.patient,
        previous_patient=previous,
        previous_state=submission.match_state,
        previous_candidate=submission.match_candidate,
        score=submission.match_score,
        reasons=submission.match_reasons,
        by=by,
    )


@transaction.atomic
def same_person(*, submission: Submission, by: User, request: HttpRequest | None = None) -> None:
    """Staff decided a possible match is the same person: join the candidate patient."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    candidate = submission.match_candidate
    if submission.match_state != MatchState.POSSIBLE or candidate is None:
        raise CannotDecide(_("There is no possible match to decide on."))
    link = _link(submission, PatientLink.Kind.SAME_PERSON, by=by, previous=submission.patient)
    _move(submission, candidate)
    submission.match_state = MatchState.RETURNING
    submission.match_candidate = None
    submission.save(update_fields=MATCH_FIELDS)
    audit.record(
        audit.PATIENT_SAME_PERSON,
        request=request,
        actor=by,
        submission=submission,
        link=link.pk,
        patient=candidate.pk,
        previous_patient=link.previous_patient_id,
    )


@transaction.atomic
def different_person(
    *, submission: Submission, by: User, request: HttpRequest | None = None
) -> None:
    """Staff decided this is someone else: a possible match is dismissed, and a returning one
    is taken off the other patient onto a patient of its own."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if submission.match_state not in (MatchState.POSSIBLE, MatchState.RETURNING):
        raise CannotDecide(_("There is no match to decide on."))
    previous = submission.patient
    link = _link(submission, PatientLink.Kind.DIFFERENT_PERSON, by=by, previous=previous)
    if submission.match_state == MatchState.RETURNING:
        patient = Patient()
        _copy_identity(patient, submission)
        patient.save()
        _move(submission, patient)
    submission.match_state = MatchState.NEW
    submission.match_candidate = None
    submission.save(update_fields=MATCH_FIELDS)
    audit.record(
        audit.PATIENT_DIFFERENT_PERSON,
        request=request,
        actor=by,
        submission=submission,
        link=link.pk,
        patient=submission.patient_id,
        previous_patient=link.previous_patient_id,
    )


def last_decision(submission: Submission) -> PatientLink | None:
    """The staff decision that undo would reverse: the latest one not yet undone."""
    return (
        submission.patient_links.filter(
            undone_at__isnull=True,
            kind__in=[PatientLink.Kind.SAME_PERSON, PatientLink.Kind.DIFFERENT_PERSON],
        )
        .order_by("-at", "-pk")
        .first()
    )


@transaction.atomic
def undo(*, submission: Submission, by: User, request: HttpRequest | None = None) -> PatientLink:
    """Put back the patient, state and candidate from before the latest staff decision."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    link = last_decision(submission)
    if link is None:
        raise CannotDecide(_("There is no decision to undo."))
    assert link.previous_patient is not None
    _move(submission, link.previous_patient)
    submission.match_state = link.previous_state
    submission.match_candidate = link.previous_candidate
    submission.save(update_fields=MATCH_FIELDS)
    link.undone_at = timezone.now()
    link.undone_by = by
    link.save(update_fields=["undone_at", "undone_by"])
    audit.record(
        audit.PATIENT_UNDONE,
        request=request,
        actor=by,
        submission=submission,
        link=link.pk,
        patient=submission.patient_id,
    )
    return link


def anonymise_if_done(patient: Patient, *, now: datetime) -> bool:
    """Blank the patient's details once every one of their submissions is anonymised."""
    if patient.submissions.filter(anonymised_at__isnull=True).exists():
        return False
    patient.first_name = ""
    patient.last_name = ""
    patient.email = ""
    patient.phone_e164 = ""
    patient.date_of_birth = None
    patient.anonymised_at = now
    patient.save()
    return True
