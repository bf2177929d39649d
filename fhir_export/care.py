"""The course of care in the export: one hook per kind of record the `care` app will hold.

Each hook takes a case and the way to link resources, and returns that case's resources; it
returns [] while the `care` app is not installed. fhir/bundle.py runs every hook in CARE_HOOKS
for every case, in the per-case Bundle and in the bulk export alike, so a kind of care record
joins the export by filling in its hook here (docs/fhir.md says what each should produce).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.apps import apps

if TYPE_CHECKING:
    from .bundle import Case
    from .links import Links

CareHook = Callable[["Case", "Links"], Iterable[dict[str, Any]]]


def needling_sessions(case: Case, links: Links) -> list[dict[str, Any]]:
    """One Appointment (status fulfilled, or cancelled/noshow) per needling session, with the
    patient as participant and `supportingInformation` naming the treatment plan.

    Not yet written: the `care` app (treatment plans, sessions) is being built alongside.
    """
    if not apps.is_installed("care"):
        return []
    return []


def adverse_events(case: Case, links: Links) -> list[dict[str, Any]]:
    """One AdverseEvent (actuality "actual", subject the patient, `date`, `event` coded,
    `seriousness`, `suspectEntity` the session's Appointment) per adverse event recorded.

    Not yet written: the `care` app is being built alongside.
    """
    if not apps.is_installed("care"):
        return []
    return []


CARE_HOOKS: tuple[CareHook, ...] = (needling_sessions, adverse_events)
