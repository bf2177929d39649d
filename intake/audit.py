"""The audit trail: every action's name and sentence in one place, and writing an entry.

Every view of health data, every export and every change is recorded with `record()`. Each kind
of entry is declared once below with a namespaced name (`intake.submission.overridden`) and the
sentence the timeline shows, as pretix's `log_action` codes are. Nothing else matches raw action
strings: code that reads the trail asks `describe()` or `ACTIONS`.

Entries hold ids, codes and counts only, never names, answers or contact details. Reasons that
people type are kept in `CaseNote` rows, which the entry names by id (`note`), so the retention
purge can remove the text while the append-only trail stays as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, MatchState, Outcome, Status, Submission, User

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


@dataclass(frozen=True)
class Action:
    """One kind of audit entry and how the timeline says it.

    `sentence` reads after the actor's name ("Dr Lee · overrode Review → Eligible") and is
    filled from the entry's detail; `values` says whether its from/to codes are outcomes or
    statuses, so they are shown by their labels.
    """

    name: str
    sentence: _StrPromise
    values: type[Outcome] | type[Status] | type[MatchState] | None = None
    is_view: bool = False  # "viewed" entries, which staff can hide on the timeline


ACTIONS: dict[str, Action] = {}
# Names written before the names were namespaced (November 2026); old rows keep them.
_OLD_NAMES: dict[str, str] = {}


def _action(name: str, sentence: _StrPromise, *, old: str = "", **options: Any) -> str:
    ACTIONS[name] = Action(name, sentence, **options)
    if old:
        _OLD_NAMES[old] = name
    return name


# The patient's submission and what staff do with it.
SUBMITTED = _action(
    "intake.submission.submitted",
    _("submitted the form, screened as %(outcome)s"),
    values=Outcome,
    old="submitted",
)
URGENT_ADVICE_SHOWN = _action(
    "intake.draft.urgent_advice_shown", _("was shown urgent safety advice")
)
VIEWED_SUBMISSION = _action(
    "intake.submission.viewed", _("viewed the case"), is_view=True, old="viewed_submission"
)
SEARCHED_SUBMISSIONS = _action(
    "intake.submission.searched", _("searched the submissions"), is_view=True
)
EXPORTED_SUBMISSIONS = _action(
    "intake.submission.exported",
    _("exported %(count)s submissions as CSV"),
    old="exported_submissions",
)
EXPORTED_SUBJECT_DATA = _action(
    "intake.submission.subject_access_exported",
    _("downloaded the patient's data (subject access)"),
    old="exported_subject_data",
)
LOGGED_CONTACT = _action(
    "intake.submission.contact_logged",
    _("logged a contact attempt: %(result)s"),
    old="logged_contact",
)
CHANGED_STATUS = _action(
    "intake.submission.status_changed",
    _("moved the case from %(from)s to %(to)s"),
    values=Status,
    old="changed_status",
)
OVERRODE_OUTCOME = _action(
    "intake.submission.overridden",
    _("overrode %(from)s → %(to)s"),
    values=Outcome,
    old="overrode_outcome",
)
CLEARED_FOR_CONSULT = _action(
    "intake.submission.cleared",
    _("cleared the case for a consult (%(outcome)s)"),
    values=Outcome,
    old="cleared_for_consult",
)
RESCREENED = _action(
    "intake.submission.rescreened",
    _("screened the answers again with rules %(ruleset)s: %(from)s → %(to)s"),
    values=Outcome,
    old="rescreened",
)
NOTE_ADDED = _action("intake.submission.note_added", _("added a note"))
# Patients (intake/patients.py): matching a submission to a person, and staff's decisions.
PATIENT_MATCHED = _action(
    "intake.patient.matched",
    _("was matched to a patient when submitted: %(state)s"),
    values=MatchState,
)
PATIENT_SAME_PERSON = _action(
    "intake.patient.same_person", _("decided the possible match is the same person")
)
PATIENT_DIFFERENT_PERSON = _action(
    "intake.patient.different_person", _("decided the match is a different person")
)
PATIENT_UNDONE = _action("intake.patient.undone", _("undid the last patient decision"))
# FHIR export (fhir/): one case as a Bundle, and the bulk NDJSON export (with its counts).
FHIR_BUNDLE_EXPORTED = _action(
    "fhir.bundle.exported", _("downloaded the case as a FHIR bundle (%(resources)s resources)")
)
FHIR_BULK_EXPORTED = _action(
    "fhir.bulk.exported", _("exported %(submissions)s submissions as FHIR NDJSON files")
)
PURGED_DATA = _action(
    "intake.retention.purged",
    _("ran the retention purge: %(submissions_anonymised)s submissions anonymised"),
    old="purged_data",
)

# Consults (written by consults/booking.py through intake/workflow.py).
BOOKED_CONSULT = _action("consults.consult.booked", _("booked a consult"), old="booked_consult")
RESCHEDULED_CONSULT = _action(
    "consults.consult.rescheduled", _("moved the consult"), old="rescheduled_consult"
)
CANCELLED_CONSULT = _action(
    "consults.consult.cancelled", _("cancelled the consult"), old="cancelled_consult"
)
CONSULT_ARRIVED = _action("consults.consult.arrived", _("marked the patient as arrived"))
CONSULT_NO_SHOW = _action("consults.consult.no_show", _("marked the consult as a no-show"))
CONSULT_COMPLETED = _action("consults.consult.completed", _("marked the consult as completed"))
CONSULTS_TO_CALL = _action(
    "consults.availability.patients_to_call",
    _("saved a schedule change over %(count)s booked consults: patients to call"),
)
SENT_BOOKING_LINK = _action(
    "consults.booking_link.sent", _("emailed a link to book a consult"), old="sent_booking_link"
)
CHANGED_AVAILABILITY = _action(
    "consults.availability.changed",
    _("changed a chiropractor's hours or time off"),
    old="changed_availability",
)

# After the consult: plans, needling sessions, adverse events, aftercare (written by care/).
CARE_RESULT_PLAN = _action(
    "care.consult.plan_started", _("recorded the consult's result: a treatment plan")
)
CARE_RESULT_EXERCISE = _action(
    "care.consult.exercise_only",
    _("recorded the consult's result: no needling, exercise-only plan"),
)
CARE_RESULT_REFER = _action(
    "care.consult.referred_on", _("recorded the consult's result: referred on")
)
CARE_PLAN_REVISED = _action(
    "care.plan.revised", _("saved version %(version)s of the treatment plan")
)
CARE_SESSION_RECORDED = _action("care.session.recorded", _("recorded needling session %(number)s"))
CARE_SESSION_HELD = _action(
    "care.session.not_needled",
    _("recorded session %(number)s without needling: the safety check held it"),
)
CARE_ADVERSE_MILD = _action("care.adverse_event.mild", _("recorded a mild adverse event"))
CARE_ADVERSE_SIGNIFICANT = _action(
    "care.adverse_event.significant",
    _("recorded a significant adverse event: needling is on hold"),
)
CARE_HOLD_CLEARED = _action("care.hold.cleared", _("cleared the hold on needling"))
CARE_CHECK_ANSWERED = _action(
    "care.check.answered", _("answered the check after session %(number)s")
)
CARE_CHECK_URGENT = _action(
    "care.check.urgent",
    _("reported possible infection after a session: the case is now %(to)s"),
    values=Outcome,
)
CARE_CHECKIN_ANSWERED = _action("care.checkin.answered", _("answered a progress check-in"))
CARE_CHECKIN_URGENT = _action(
    "care.checkin.urgent",
    _("reported something new that needs urgent care: the case is now %(to)s"),
    values=Outcome,
)

# Staff sign-in security.
ENROLLED_TWO_FACTOR = _action(
    "accounts.two_factor.enrolled", _("set up two-step sign-in"), old="two_factor_enrolled"
)
CREATED_BACKUP_CODES = _action(
    "accounts.two_factor.backup_codes_created",
    _("made new backup codes"),
    old="backup_codes_created",
)
FAILED_TWO_FACTOR = _action(
    "accounts.two_factor.failed", _("entered a wrong sign-in code"), old="two_factor_failed"
)
# Staff accounts (accounts/admin.py, accounts/passwords.py). Detail: the user's id and username,
# what changed and the reason typed; never a password, token or authenticator secret.
STAFF_CREATED = _action("accounts.user.created", _("created the staff account %(username)s"))
STAFF_DETAILS_CHANGED = _action(
    "accounts.user.details_changed", _("changed the details of %(username)s")
)
STAFF_ROLE_CHANGED = _action("accounts.user.role_changed", _("changed the role of %(username)s"))
STAFF_DEACTIVATED = _action("accounts.user.deactivated", _("deactivated %(username)s"))
STAFF_REACTIVATED = _action("accounts.user.reactivated", _("reactivated %(username)s"))
STAFF_PRIVILEGES_CHANGED = _action(
    "accounts.user.privileges_changed", _("changed the privileges of %(username)s")
)
STAFF_SUBJECT_ACCESS_CHANGED = _action(
    "accounts.user.subject_access_changed",
    _("changed whether %(username)s may download patients' data"),
)
STAFF_LOCATIONS_CHANGED = _action(
    "accounts.user.locations_changed",
    _("changed the locations %(username)s works at"),
)
STAFF_2FA_RESET = _action(
    "accounts.user.2fa_reset", _("reset the two-step sign-in of %(username)s")
)
STAFF_PASSWORD_RESET_SENT = _action(
    "accounts.user.password_reset_sent", _("sent a password reset link to %(username)s")
)
STAFF_PASSWORD_SET = _action("accounts.user.password_set", _("chose a new password"))
STAFF_PASSWORD_CHANGED = _action("accounts.user.password_changed", _("changed their password"))
STAFF_UNLOCKED = _action("accounts.user.unlocked", _("unlocked the sign-in of %(username)s"))


def action_for(name: str) -> Action | None:
    """The declared action for a stored name, old names included."""
    return ACTIONS.get(_OLD_NAMES.get(name, name))


def names_of(name: str) -> list[str]:
    """Every stored spelling of an action: its name and the name it had before, if any."""
    return [name, *(old for old, new in _OLD_NAMES.items() if new == name)]


def view_action_names() -> list[str]:
    """Every stored name of the "viewed" kinds of entry, which staff may hide."""
    return [name for a in ACTIONS.values() if a.is_view for name in names_of(a.name)]


def describe(event: AuditEvent) -> str:
    """The entry as a sentence, with codes shown by their labels ("overrode Review → Eligible")."""
    action = action_for(event.action)
    if action is None:
        return event.action
    values: dict[str, Any] = {}
    for key, value in (event.detail or {}).items():
        if action.values is not None and isinstance(value, str) and value in action.values:
            value = action.values(value).label
        values[key] = value
    try:
        return str(action.sentence) % _Lenient(values)
    except (TypeError, ValueError):
        return str(action.sentence)


class _Lenient(dict[str, Any]):
    """Fills a missing placeholder with a dash, so an older entry with less detail still reads."""

    def __missing__(self, key: str) -> str:
        return "–"


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
    if action not in ACTIONS:
        raise ValueError(f"undeclared audit action {action!r}: declare it in intake/audit.py")
    if actor is None and request is not None and request.user.is_authenticated:
        assert isinstance(request.user, User)
        actor = request.user
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        submission=submission,
        ip_address=client_ip(request) if request is not None else None,
        detail=detail,
    )
