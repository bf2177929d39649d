"""What every resource builder uses: times, our codings, the patient reference, and an
Appointment's status from a consult. Shared by bundle.py and care.py (care.py cannot import
bundle.py, which runs its hooks)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from consults.models import Consult

from .links import Links, compact, system

if TYPE_CHECKING:
    from .bundle import Case


def when(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment is not None else None


def coding(name: str, code: str, display: str = "") -> dict[str, str]:
    """A coding in one of our code systems (`…/fhir/CodeSystem/<name>`)."""
    return compact({"system": system(f"CodeSystem/{name}"), "code": code, "display": display})


def patient_key(case: Case) -> str:
    """One Patient per patient record (intake/patients.py links a person's submissions), so a
    returning patient's submissions all point at the same Patient; a submission not yet linked
    stands for its own patient."""
    patient_id = case.submission.patient_id
    return f"patient:{patient_id}" if patient_id else case.key


def patient_ref(case: Case, links: Links) -> dict[str, Any]:
    return links.ref("Patient", patient_key(case))


# What staff marked on the day, as the Appointment's status (unmarked: still "booked").
ATTENDANCE_STATUS: dict[str, str] = {
    Consult.Attendance.COMPLETED: "fulfilled",
    Consult.Attendance.ARRIVED: "arrived",
    Consult.Attendance.NO_SHOW: "noshow",
}


def appointment_status(consult: Consult) -> str:
    if consult.status == Consult.Status.CANCELLED:
        return "cancelled"
    if consult.status == Consult.Status.MISSED:
        return "noshow"
    return ATTENDANCE_STATUS.get(str(consult.attendance), "booked")


def consult_key(consult_id: int | None) -> str:
    """The Appointment of a consult, needling session or not, is keyed by the consult."""
    return f"consult:{consult_id}"
