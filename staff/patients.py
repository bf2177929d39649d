"""Staff's "same person", "different person" and "undo" decisions about a patient match
(intake/patients.py does the work; docs/patients.md)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from intake import patients

from .views import CHANGE, actor, get_submission_for_staff, submission_url


def _decide(request: HttpRequest, reference: str, decision: Any, done: str) -> HttpResponse:
    submission = get_submission_for_staff(request, reference, also=(CHANGE,))
    try:
        decision(submission=submission, by=actor(request), request=request)
    except patients.CannotDecide as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, done)
    return redirect(submission_url(submission))


@require_POST
def same_person(request: HttpRequest, reference: str) -> HttpResponse:
    return _decide(
        request, reference, patients.same_person, _("Linked to the earlier patient record.")
    )


@require_POST
def different_person(request: HttpRequest, reference: str) -> HttpResponse:
    return _decide(request, reference, patients.different_person, _("Kept as a separate patient."))


@require_POST
def undo(request: HttpRequest, reference: str) -> HttpResponse:
    return _decide(request, reference, patients.undo, _("The last patient decision was undone."))
