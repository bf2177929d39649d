"""The "History" panel of the submission page: what the clinic already knows about the patient
(earlier submissions, consults, plans, the last check-in) and, for a possible match, the
evidence side by side (docs/patients.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from care.models import OutcomeCheckIn, TreatmentPlan
from consults.models import Consult
from intake import patients
from intake.models import OPEN_STATUSES, MatchState, Patient, PatientLink, Submission

# Earlier episodes shown in the panel; the rest are one click away through the queue search.
HISTORY_SHOWN = 10


@dataclass(frozen=True)
class Evidence:
    """One row of the side-by-side comparison: this submission's value and the candidate's."""

    label: str
    here: Any
    there: Any
    same: bool


@dataclass(frozen=True)
class PatientHistory:
    state: str
    state_label: str
    reasons: list[str]
    score: int | None
    candidate: Patient | None
    candidate_submissions: list[Submission]
    evidence: list[Evidence]
    earlier: list[Submission]
    consults: list[Consult]
    plans: list[TreatmentPlan]
    last_checkin: OutcomeCheckIn | None
    open_case: Submission | None
    undoable: PatientLink | None
    can_decide: bool


def _evidence(submission: Submission, candidate: Patient) -> list[Evidence]:
    here = patients.identity_of(submission)
    there = patients.identity_of(candidate)
    rows = [
        (_("Name"), submission.full_name, f"{candidate.first_name} {candidate.last_name}"),
        (_("Date of birth"), here.date_of_birth, there.date_of_birth),
        (_("Email"), here.email, there.email),
        (_("Phone"), here.phone_e164, there.phone_e164),
    ]
    return [Evidence(str(label), a, b, bool(a) and a == b) for label, a, b in rows]


def patient_history(submission: Submission, *, can_decide: bool) -> PatientHistory | None:
    """What the clinic already knows about this person, for the "History" panel.

    One query when the patient has nothing else (the submission page's budget is tight);
    the consults, plans and check-in are read only when there are other submissions.
    """
    if submission.patient_id is None:
        return None
    others = Submission.objects.filter(patient_id=submission.patient_id).exclude(pk=submission.pk)
    earlier = list(
        others.only("reference", "submitted_at", "outcome", "status").order_by(
            "-submitted_at", "-pk"
        )[:HISTORY_SHOWN]
    )
    elsewhere = {"submission__patient_id": submission.patient_id}
    consults: list[Consult] = []
    plans: list[TreatmentPlan] = []
    last_checkin = None
    if earlier:
        consults = list(
            Consult.objects.filter(**elsewhere)
            .exclude(submission=submission)
            .select_related("submission")
            .order_by("-starts_at")[:HISTORY_SHOWN]
        )
        plans = list(
            TreatmentPlan.objects.filter(**elsewhere)
            .exclude(submission=submission)
            .select_related("submission")
            .order_by("-created_at")[:HISTORY_SHOWN]
        )
        last_checkin = (
            OutcomeCheckIn.objects.filter(**elsewhere, answered_at__isnull=False)
            .exclude(submission=submission)
            .select_related("submission")
            .order_by("-answered_at")
            .first()
        )
    # The open case a returning patient belongs to: their latest earlier one still open.
    open_case = next(
        (
            s
            for s in earlier
            if s.status in OPEN_STATUSES and s.submitted_at <= submission.submitted_at
        ),
        None,
    )
    candidate = submission.match_candidate if submission.match_candidate_id else None
    state = submission.match_state
    return PatientHistory(
        state=state,
        state_label=str(MatchState(state).label) if state in MatchState.values else "",
        reasons=patients.reason_labels(submission.match_reasons),
        score=submission.match_score,
        candidate=candidate,
        candidate_submissions=list(
            candidate.submissions.only("reference", "submitted_at", "outcome", "status")[
                :HISTORY_SHOWN
            ]
        )
        if candidate
        else [],
        evidence=_evidence(submission, candidate) if candidate else [],
        earlier=earlier,
        consults=consults,
        plans=plans,
        last_checkin=last_checkin,
        open_case=open_case,
        # Only a submission that was ever matched to someone (it has a score) can have a
        # decision to undo: the others skip the query.
        undoable=patients.last_decision(submission) if submission.match_score is not None else None,
        can_decide=can_decide,
    )
