"""Marking a consult on the day: the patient arrived, did not come, or was seen (completed).

Each mark is stored on the consult with its time and audited; a no-show and a completion move
the case on through intake/workflow.py.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from intake import audit, workflow
from intake.models import User

from .models import Consult

Attendance = Consult.Attendance

# Which mark may follow which: nothing is undone, and a no-show or completion is final.
ALLOWED: dict[str, tuple[str, ...]] = {
    Attendance.NOT_MARKED: (Attendance.ARRIVED, Attendance.NO_SHOW, Attendance.COMPLETED),
    Attendance.ARRIVED: (Attendance.COMPLETED,),
    Attendance.NO_SHOW: (),
    Attendance.COMPLETED: (),
}


class CannotMark(ValueError):
    """A mark that does not fit the consult (not yet its day, cancelled, already final)."""


def marks_open(consult: Consult) -> tuple[str, ...]:
    """The marks staff may give this consult now (none before its day)."""
    if consult.status != Consult.Status.ACTIVE:
        return ()
    if timezone.localdate(consult.starts_at) > timezone.localdate():
        return ()
    return ALLOWED.get(consult.attendance, ())


@transaction.atomic
def mark_attendance(
    *, consult: Consult, mark: str, by: User, request: HttpRequest | None = None
) -> None:
    consult = Consult.objects.select_for_update().select_related("submission").get(pk=consult.pk)
    if mark not in marks_open(consult):
        raise CannotMark(
            _("This consult cannot be marked “%(mark)s” now.")
            % {"mark": Attendance(mark).label if mark in Attendance.values else mark}
        )
    now = timezone.now()
    consult.attendance = mark
    submission = consult.submission
    if mark == Attendance.ARRIVED:
        consult.arrived_at = now
        consult.save(update_fields=["attendance", "arrived_at"])
        audit.record(
            audit.CONSULT_ARRIVED,
            request=request,
            actor=by,
            submission=submission,
            consult=consult.pk,
        )
    elif mark == Attendance.COMPLETED:
        consult.completed_at = now
        consult.save(update_fields=["attendance", "completed_at"])
        audit.record(
            audit.CONSULT_COMPLETED,
            request=request,
            actor=by,
            submission=submission,
            consult=consult.pk,
        )
        workflow.consult_completed(
            submission=submission, consult_id=consult.pk, by=by, request=request
        )
    else:
        consult.no_show_at = now
        consult.status = Consult.Status.MISSED
        consult.save(update_fields=["attendance", "no_show_at", "status"])
        workflow.consult_missed(
            submission=submission, consult_id=consult.pk, by=by, request=request
        )
