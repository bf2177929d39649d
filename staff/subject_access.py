"""Subject access requests: everything the clinic holds about one patient, as JSON."""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from intake import audit
from intake.models import Submission

from .views import SUBJECT_ACCESS, get_submission_for_staff


def _username(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def subject_data(submission: Submission) -> dict[str, Any]:
    """One patient's submission, screenings, contacts, consults and access history."""
    data: dict[str, Any] = {
        "reference": submission.reference,
        "submitted_at": submission.submitted_at,
        "language": submission.language,
        "patient": {
            "first_name": submission.first_name,
            "last_name": submission.last_name,
            "email": submission.email,
            "phone": submission.phone,
            "date_of_birth": submission.date_of_birth,
        },
        "answers": submission.answers,
        "consent": {
            "version": submission.consent_version,
            "signature": submission.signature,
            "signed_at": submission.signed_at,
            "ip_address": submission.ip_address,
            "user_agent": submission.user_agent,
        },
        "triage": {
            "screened_outcome": submission.screened_outcome,
            "outcome": submission.outcome,
            "override_reason": submission.override_reason,
            "overridden_by": _username(submission.overridden_by),
            "overridden_at": submission.overridden_at,
            "cleared_for_consult": submission.cleared_for_consult,
            "clearance_reason": submission.clearance_reason,
            "cleared_by": _username(submission.cleared_by),
            "cleared_at": submission.cleared_at,
        },
        "status": submission.status,
        "contact_due_at": submission.contact_due_at,
        "first_contact_at": submission.first_contact_at,
        "next_attempt_at": submission.next_attempt_at,
        "patient_cancelled_at": submission.patient_cancelled_at,
        "anonymised_at": submission.anonymised_at,
        "screenings": [
            {
                "outcome": record.outcome,
                "findings": record.findings,
                "ruleset": record.ruleset,
                "screening_date": record.screening_date,
                "policy": record.policy,
                "created_at": record.created_at,
                "created_by": _username(record.created_by),
            }
            for record in submission.screenings.select_related("created_by")
        ],
        # Every reason given (overrides, clearances, closing, cancellations) and note, in order.
        "reasons_and_notes": [
            {"kind": n.kind, "text": n.text, "by": _username(n.by), "at": n.at}
            for n in submission.notes.select_related("by")
        ],
        "contacts": [
            {"result": c.result, "by": _username(c.by), "at": c.at}
            for c in submission.contacts.select_related("by")
        ],
        "access_log": [
            {
                "at": event.at,
                "action": event.action,
                "description": audit.describe(event),
                "by": _username(event.actor),
                "detail": event.detail,
            }
            for event in submission.audit_events.select_related("actor").order_by("at", "pk")
        ],
    }
    if apps.is_installed("consults"):
        consult_model = apps.get_model("consults", "Consult")
        data["consults"] = [
            {
                "starts_at": consult.starts_at,
                "ends_at": consult.ends_at,
                "kind": consult.kind,
                "status": consult.status,
                "chiropractor": str(consult.chiropractor),
                "booked_at": consult.booked_at,
                "cancelled_at": consult.cancelled_at,
                "cancel_reason": consult.cancel_reason,
            }
            for consult in consult_model.objects.filter(submission=submission).select_related(
                "chiropractor"
            )
        ]
    if apps.is_installed("care"):
        data["care"] = care_data(submission)
    data["patient_record"] = patient_record(submission)
    return data


def patient_record(submission: Submission) -> dict[str, Any] | None:
    """The patient this submission is linked to: their other submissions (by reference; each
    has its own subject access export) and how the link came about."""
    patient = submission.patient
    if patient is None:
        return None
    return {
        "patient_id": patient.pk,
        "match_state": submission.match_state,
        "submissions": list(
            patient.submissions.order_by("submitted_at", "pk").values_list("reference", flat=True)
        ),
        "links": [
            {
                "kind": link.kind,
                "score": link.score,
                "reasons": link.reasons,
                "by": _username(link.by),
                "at": link.at,
                "undone_at": link.undone_at,
            }
            for link in submission.patient_links.select_related("by")
        ],
    }


def care_data(submission: Submission) -> dict[str, Any]:
    """The episode's care records: result, plan versions, sessions, adverse events, checks."""
    model = apps.get_model
    fields = lambda obj, names: {name: getattr(obj, name) for name in names}  # noqa: E731
    plan = model("care", "TreatmentPlan").objects.filter(submission=submission).first()
    sessions = model("care", "NeedlingSession").objects.filter(submission=submission)
    return {
        "consult_results": [
            fields(r, ("decision", "at"))
            for r in model("care", "ConsultResult").objects.filter(submission=submission)
        ],
        "plan_versions": [
            fields(
                v,
                (
                    "number",
                    "sessions_planned",
                    "frequency",
                    "session_minutes",
                    "exercises",
                    "footwear",
                    "load_changes",
                    "review_on",
                    "at",
                ),
            )
            for v in (plan.versions.all() if plan else [])
        ],
        "needling_sessions": [
            {
                **fields(
                    s,
                    (
                        "number",
                        "date",
                        "minutes",
                        "areas",
                        "other_area",
                        "new_blood_thinners",
                        "pregnancy",
                        "fever_or_unwell",
                        "skin_broken_or_infected",
                        "new_implants",
                        "safety_decision",
                        "safety_reason",
                        "notes",
                    ),
                ),
                "practitioner": _username(s.practitioner),
            }
            for s in sessions.select_related("practitioner")
        ],
        "adverse_events": [
            fields(
                e,
                (
                    "kind",
                    "severity",
                    "description",
                    "action_taken",
                    "occurred_on",
                    "cleared_at",
                    "clearance_reason",
                ),
            )
            for e in model("care", "AdverseEvent").objects.filter(submission=submission)
        ],
        "aftercare_checks": [
            fields(
                c,
                (
                    "feeling",
                    "spreading_redness",
                    "warmth_or_swelling",
                    "pus",
                    "fever",
                    "answered_at",
                ),
            )
            for c in model("care", "AftercareCheck").objects.filter(session__in=sessions)
        ],
        "psfs_activities": plan.psfs_activities if plan else [],
        "outcome_checkins": [
            fields(
                c,
                (
                    "occasion",
                    "due_at",
                    "answered_at",
                    "nprs_first_step",
                    "nprs_average",
                    "psfs_scores",
                    "global_change",
                    "adherence_days",
                    "anything_new",
                    "anything_new_text",
                    "red_flags",
                ),
            )
            for c in model("care", "OutcomeCheckIn").objects.filter(submission=submission)
        ],
    }


@require_GET
@never_cache
def export_subject_data(request: HttpRequest, reference: str) -> HttpResponse:
    """Download one patient's data as JSON (with intake.subject_access_submission; audited)."""
    submission = get_submission_for_staff(request, reference, also=(SUBJECT_ACCESS,))
    audit.record(audit.EXPORTED_SUBJECT_DATA, request=request, submission=submission)
    body = json.dumps(subject_data(submission), cls=DjangoJSONEncoder, indent=2)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = (
        f'attachment; filename="patient-data-{submission.reference}.json"'
    )
    return response
