"""The intake Questionnaire and one case as a Bundle, for staff, as FHIR JSON."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from intake import audit
from staff.views import EXPORT, VIEW, get_submission_for_staff

from .bundle import bundle
from .common import Case
from .questionnaire import questionnaire

FHIR_JSON = "application/fhir+json; charset=utf-8"


def _fhir_response(resource: dict[str, Any]) -> HttpResponse:
    return HttpResponse(json.dumps(resource, indent=2, ensure_ascii=False), content_type=FHIR_JSON)


@require_GET
def intake_questionnaire(request: HttpRequest) -> HttpResponse:
    """The intake as generated from the question catalogue (no patient data, not audited)."""
    if not request.user.has_perm(VIEW):
        raise PermissionDenied
    return _fhir_response(questionnaire())


@require_GET
@never_cache
def submission_bundle(request: HttpRequest, reference: str) -> HttpResponse:
    """Download one case as a FHIR Bundle (with the CSV export's permission; audited)."""
    submission = get_submission_for_staff(request, reference, also=(EXPORT,))
    body = bundle(Case.of(submission))
    audit.record(
        audit.FHIR_BUNDLE_EXPORTED,
        request=request,
        submission=submission,
        resources=len(body["entry"]),
    )
    response = _fhir_response(body)
    response["Content-Disposition"] = f'attachment; filename="fhir-{submission.reference}.json"'
    return response
