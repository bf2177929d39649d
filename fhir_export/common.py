"""What every resource builder uses: times, our codings, the patient reference, and an
Appointment's status from a consult. Shared by bundle.py and care.py (care.py cannot import
bundle.py, which runs its hooks)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from consults.models import Consult
from intake.models import ScreeningRecord, Submission

from .links import Links, compact, system


@dataclass(frozen=True)
class Case:
    """One submission with what the export reads from other tables (prefetched in bulk)."""

    submission: Submission
    screening: ScreeningRecord | None
    consults: Sequence[Consult]

    @classmethod
    def of(cls, submission: Submission) -> Case:
        # .all() so that prefetched rows are used: the latest screening comes first.
        return cls(
            submission=submission,
            screening=next(iter(submission.screenings.all()), None),
            consults=list(submission.consults.all()),
        )

    @property
    def key(self) -> str:
        return f"submission:{self.submission.reference}"

    @property
    def answers(self) -> dict[str, Any]:
        return self.submission.answers or {}

    @property
    def by_representative(self) -> bool:
        return self.answers.get("completed_by", "self") != "self" and bool(
            self.answers.get("representative_name")
        )


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
