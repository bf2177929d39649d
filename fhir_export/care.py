"""The course of care in the export: one hook per kind of record the `care` app holds.

Each hook takes a case and the way to link resources, and returns that case's resources.
fhir_export/bundle.py runs every hook in CARE_HOOKS for every case, in the per-case Bundle and
in the bulk export alike (docs/fhir.md has the mapping). The hooks read the care records through
the submission's relations, so the bulk export's prefetching serves them without a query per case.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from care import exercises
from care.models import AdverseEvent, NeedlingSession, PlanVersion, TreatmentPlan
from consults.models import Consult
from intake.models import User

from .common import Case, appointment_status, coding, consult_key, patient_ref, when
from .links import Links, system

CareHook = Callable[["Case", "Links"], Iterable[dict[str, Any]]]

SERIOUSNESS = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"
SERIOUSNESS_CODES = {
    AdverseEvent.Severity.MILD: ("non-serious", "Non-serious"),
    AdverseEvent.Severity.SIGNIFICANT: ("serious", "Serious"),
}
# Our extensions for what R4's AdverseEvent has no element for.
ACTION_TAKEN, CLEARANCE = "adverse-event-action-taken", "adverse-event-clearance"
OUTCOME = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"
DRY_NEEDLING = ("dry-needling", "Dry needling")
# Timing.repeat for each plan frequency: (times, per this many weeks).
FREQUENCY: dict[str, tuple[int, int]] = {
    PlanVersion.Frequency.TWICE_WEEKLY: (2, 1),
    PlanVersion.Frequency.WEEKLY: (1, 1),
    PlanVersion.Frequency.FORTNIGHTLY: (1, 2),
}


# Reading the case's care records (prefetched by the bulk export; unsaved cases have none).


def _plan(case: Case) -> TreatmentPlan | None:
    if case.submission.pk is None:
        return None
    try:
        return case.submission.treatment_plan
    except TreatmentPlan.DoesNotExist:
        return None


def _latest(plan: TreatmentPlan) -> PlanVersion | None:
    # max() over .all() rather than plan.latest, so that prefetched versions are used.
    return max(plan.versions.all(), key=lambda version: version.number, default=None)


def _sessions(case: Case) -> list[NeedlingSession]:
    if case.submission.pk is None:
        return []
    return sorted(case.submission.needling_sessions.all(), key=lambda s: s.number)


def _events(case: Case) -> list[AdverseEvent]:
    if case.submission.pk is None:
        return []
    return list(case.submission.adverse_events.all())


# Keys: a session booked through the calendar is its consult's Appointment (one per consult).


def _session_key(session: NeedlingSession) -> str:
    if session.consult_id is not None:
        return consult_key(session.consult_id)
    return f"needling-session:{session.pk}"


def _plan_key(plan: TreatmentPlan) -> str:
    return f"treatment-plan:{plan.pk}"


def _procedure_key(session: NeedlingSession) -> str:
    return f"needling-session:{session.pk}"


def _name(user: User) -> str:
    profile = getattr(user, "chiropractor_profile", None)
    if profile is not None:
        return str(profile.display_name)
    return user.get_full_name() or user.get_username()


# The treatment plan.


def _needling_activity(
    plan: TreatmentPlan,
    version: PlanVersion,
    sessions: Sequence[NeedlingSession],
    on_hold: bool,
    links: Links,
) -> dict[str, Any]:
    if plan.finished_at is not None:
        status = "completed"
    elif on_hold:
        status = "on-hold"
    else:
        status = "in-progress" if sessions else "not-started"
    times, weeks = FREQUENCY.get(version.frequency) or (None, None)
    how_often = f", {version.get_frequency_display().lower()}" if version.frequency else ""
    return {
        "outcomeReference": [links.ref("Appointment", _session_key(s)) for s in sessions],
        "detail": {
            "code": {"coding": [coding("care-activity", *DRY_NEEDLING)], "text": DRY_NEEDLING[1]},
            "status": status,
            "scheduledTiming": {
                "repeat": {
                    "count": version.sessions_planned,
                    "duration": version.session_minutes,
                    "durationUnit": "min",
                    "frequency": times,
                    "period": weeks,
                    "periodUnit": "wk" if weeks else None,
                }
            },
            "description": f"{version.sessions_planned} sessions of {version.session_minutes} "
            f"minutes{how_often}",
        },
    }


def _exercise_activity(exercise: exercises.Exercise, finished: bool) -> dict[str, Any]:
    return {
        "detail": {
            "code": {
                "coding": [coding("home-exercise", exercise.code, str(exercise.name))],
                "text": str(exercise.name),
            },
            "status": "completed" if finished else "in-progress",
            "description": str(exercise.instructions),
        }
    }


def care_plan(case: Case, links: Links) -> list[dict[str, Any]]:
    """One CarePlan per treatment plan, as its latest version says."""
    plan = _plan(case)
    version = _latest(plan) if plan is not None else None
    if plan is None or version is None:
        return []
    sessions = _sessions(case)
    on_hold = any(event.holds_needling for event in _events(case))
    activities = [
        _exercise_activity(exercise, plan.finished_at is not None)
        for exercise in exercises.chosen(version.exercises)
    ]
    if plan.with_needling and version.sessions_planned:
        activities.insert(0, _needling_activity(plan, version, sessions, on_hold, links))
    return [
        {
            "resourceType": "CarePlan",
            "id": links.id("CarePlan", _plan_key(plan)),
            "status": "completed" if plan.finished_at is not None else "active",
            "intent": "plan",
            "title": "Heel pain: dry needling and home programme"
            if plan.with_needling
            else "Heel pain: home programme",
            "subject": patient_ref(case, links),
            "period": {"start": when(plan.created_at), "end": version.review_on.isoformat()},
            "created": when(plan.created_at),
            "supportingInfo": [links.ref("QuestionnaireResponse", case.key)],
            "activity": activities,
            "note": [
                {"time": when(version.at), "text": f"Plan version {version.number}."},
                {"text": f"Footwear and insoles: {version.footwear}"} if version.footwear else {},
                {"text": f"Load and lifestyle changes: {version.load_changes}"}
                if version.load_changes
                else {},
            ],
        }
    ]


# Needling sessions: an Appointment each, and a Procedure for each one that was needled.


def _session_appointment(
    case: Case,
    links: Links,
    plan: TreatmentPlan | None,
    session: NeedlingSession | None,
    consult: Consult | None,
) -> dict[str, Any]:
    """A recorded session (fulfilled), or a session consult with nothing recorded yet (booked,
    arrived) or never (cancelled, noshow). Takes the session, its consult, or both."""
    timing: dict[str, Any]
    if consult is not None:
        key, status = consult_key(consult.pk), appointment_status(consult)
        practitioner = str(consult.chiropractor)
        timing = {
            "start": when(consult.starts_at),
            "end": when(consult.ends_at),
            "created": when(consult.booked_at),
        }
    elif session is not None:
        key, status = _session_key(session), "fulfilled"
        practitioner = _name(session.practitioner)
        # Recorded without a booking: only the day is known.
        day = session.date.isoformat()
        timing = {
            "requestedPeriod": [{"start": day, "end": day}],
            "created": when(session.recorded_at),
        }
    else:
        raise ValueError("a needling session Appointment needs the session or its consult")
    version = _latest(plan) if plan is not None else None
    planned = (consult.sessions_planned if consult else None) or (
        version.sessions_planned if version else None
    )
    number = session.number if session is not None else consult.session_number if consult else None
    label = str(Consult.Kind.NEEDLING_SESSION.label)
    return {
        "resourceType": "Appointment",
        "id": links.id("Appointment", key),
        "status": "fulfilled" if session is not None else status,
        "serviceType": [{"coding": [coding("consult-kind", Consult.Kind.NEEDLING_SESSION, label)]}],
        "description": f"{label} {number} of {planned}" if number and planned else label,
        **timing,
        "minutesDuration": session.minutes if session is not None else None,
        "comment": "Not needled: the safety check held needling at this visit."
        if session is not None and not session.needled
        else "",
        "supportingInformation": [
            links.ref("QuestionnaireResponse", case.key),
            links.ref("CarePlan", _plan_key(plan)) if plan is not None else {},
        ],
        "participant": [
            {"actor": patient_ref(case, links), "status": "accepted"},
            {"actor": {"display": practitioner}, "status": "accepted"},
        ],
    }


def _procedure(
    case: Case, links: Links, plan: TreatmentPlan | None, session: NeedlingSession
) -> dict[str, Any]:
    labels = dict(NeedlingSession.Area.choices)
    sites = [
        {
            "coding": [coding("needling-area", area, str(labels.get(area, area)))],
            "text": session.other_area
            if area == NeedlingSession.Area.OTHER and session.other_area
            else str(labels.get(area, area)),
        }
        for area in session.areas
    ]
    return {
        "resourceType": "Procedure",
        "id": links.id("Procedure", _procedure_key(session)),
        "basedOn": [links.ref("CarePlan", _plan_key(plan))] if plan is not None else [],
        "status": "completed",
        "code": {"coding": [coding("care-activity", *DRY_NEEDLING)], "text": DRY_NEEDLING[1]},
        "subject": patient_ref(case, links),
        "performedDateTime": session.date.isoformat(),
        "performer": [{"actor": {"display": _name(session.practitioner)}}],
        "bodySite": sites,
        "note": [{"text": session.notes}] if session.notes else [],
    }


def needling_sessions(case: Case, links: Links) -> list[dict[str, Any]]:
    """One Appointment per needling session: recorded sessions (fulfilled), and session consults
    with nothing recorded (booked, arrived, noshow, cancelled); a Procedure per needled session."""
    plan = _plan(case)
    sessions = _sessions(case)
    consults = {c.pk: c for c in case.consults if c.kind == Consult.Kind.NEEDLING_SESSION}
    resources = []
    for session in sessions:
        consult = consults.pop(session.consult_id, None) if session.consult_id else None
        resources.append(_session_appointment(case, links, plan, session, consult))
    for consult in consults.values():
        resources.append(_session_appointment(case, links, plan, None, consult))
    resources += [_procedure(case, links, plan, s) for s in sessions if s.needled]
    return resources


# Adverse events.


def _adverse_event(
    case: Case, links: Links, event: AdverseEvent, needled: set[int]
) -> dict[str, Any]:
    code, display = SERIOUSNESS_CODES[AdverseEvent.Severity(event.severity)]
    kind = str(event.get_kind_display())
    extensions = [
        {"url": system(f"StructureDefinition/{ACTION_TAKEN}"), "valueString": event.action_taken},
        {"url": system(f"StructureDefinition/{CLEARANCE}"), "valueString": event.clearance_reason}
        if event.cleared_at is not None
        else {},
    ]
    return {
        "resourceType": "AdverseEvent",
        "id": links.id("AdverseEvent", f"adverse-event:{event.pk}"),
        "extension": extensions,
        "actuality": "actual",
        "event": {
            "coding": [coding("adverse-event-kind", event.kind, kind)],
            "text": event.description or kind,
        },
        "subject": patient_ref(case, links),
        "date": event.occurred_on.isoformat(),
        "recordedDate": when(event.recorded_at),
        "seriousness": {
            "coding": [
                {"system": SERIOUSNESS, "code": code, "display": display},
                coding("adverse-event-severity", event.severity, str(event.get_severity_display())),
            ]
        },
        # Cleared: the chiropractor saw it and lifted the hold on needling.
        "outcome": {"coding": [{"system": OUTCOME, "code": "resolved", "display": "Resolved"}]}
        if event.cleared_at is not None
        else {},
        # AdverseEvent.suspectEntity names a Procedure (not an Appointment): the needling.
        "suspectEntity": [
            {"instance": links.ref("Procedure", f"needling-session:{event.session_id}")}
        ]
        if event.session_id in needled
        else [],
    }


def adverse_events(case: Case, links: Links) -> list[dict[str, Any]]:
    """One AdverseEvent (actuality "actual") per adverse event recorded."""
    events = _events(case)
    if not events:
        return []
    needled = {s.pk for s in _sessions(case) if s.needled}
    return [_adverse_event(case, links, event, needled) for event in events]


CARE_HOOKS: tuple[CareHook, ...] = (care_plan, needling_sessions, adverse_events)
