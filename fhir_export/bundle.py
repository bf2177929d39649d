"""One case as FHIR R4B resources: the patient, the answers, the triage, consent, consults, pain.

`case_resources()` yields the resources one at a time (the bulk export writes them as they come);
`bundle()` wraps them in a collection Bundle whose references all resolve inside it. Course of
care (sessions, adverse events) comes from the hooks in care.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.utils import translation

from consults.models import Consult
from intake.models import Outcome, ScreeningRecord
from intake.questions import QUESTIONS
from screening import RULES_BY_ID

from .care import CARE_HOOKS
from .common import (
    Case,
    appointment_status,
    coding,
    consult_key,
    patient_key,
    patient_ref,
    when,
)
from .links import Links, compact, system
from .questionnaire import answer_coding, questionnaire_reference, response_items

LOINC = "http://loinc.org"
BCP47 = "urn:ietf:bcp:47"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
# LOINC 72514-3: "Pain severity - 0-10 verbal numeric rating [Score] - Reported".
PAIN_SEVERITY = {
    "system": LOINC,
    "code": "72514-3",
    "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
}
PAIN_SCORE_CODES = ("nprs_first_step", "nprs_average", "nprs_worst")
# The average and worst pain are asked about the past week.
PAST_WEEK = {"nprs_average", "nprs_worst"}
# Consent the form records, each with its scope in HL7's consent scope codes.
CONSENTS = (("privacy", "patient-privacy"), ("treatment", "treatment"))


def source_ref(case: Case, links: Links) -> dict[str, Any]:
    """Who answered: the patient, or the parent, guardian or caregiver filling in for them."""
    if case.by_representative:
        return links.ref("RelatedPerson", f"{case.key}:representative")
    return patient_ref(case, links)


def patient(case: Case, links: Links) -> dict[str, Any]:
    s, answers = case.submission, case.answers
    preferred = answers.get("preferred_contact")
    telecom: list[dict[str, Any]] = [
        {"system": "phone", "value": s.phone, "rank": 1 if preferred == "phone" else 2},
        {"system": "sms", "value": s.phone, "rank": 1} if preferred == "sms" and s.phone else {},
        {"system": "email", "value": s.email, "rank": 1 if preferred == "email" else 2},
    ]
    language = answers.get("language")
    return {
        "resourceType": "Patient",
        "id": links.id("Patient", patient_key(case)),
        "name": [{"use": "official", "family": s.last_name, "given": [s.first_name]}]
        if s.last_name or s.first_name
        else [],
        # An anonymised case keeps only the year of birth.
        "birthDate": str(s.date_of_birth.year) if s.anonymised_at else s.date_of_birth.isoformat(),
        "telecom": [point for point in telecom if point.get("value")],
        "communication": [
            {"language": {"coding": [{"system": BCP47, "code": language}]}, "preferred": True}
        ]
        if language
        else [],
    }


def representative(case: Case, links: Links) -> dict[str, Any]:
    answers = case.answers
    return {
        "resourceType": "RelatedPerson",
        "id": links.id("RelatedPerson", f"{case.key}:representative"),
        "patient": patient_ref(case, links),
        "name": [{"text": answers["representative_name"]}],
        "relationship": [
            {
                "coding": [answer_coding("completed_by", answers["completed_by"])],
                "text": answers.get("representative_relationship", ""),
            }
        ],
    }


def questionnaire_response(case: Case, links: Links) -> dict[str, Any]:
    s = case.submission
    return {
        "resourceType": "QuestionnaireResponse",
        "id": links.id("QuestionnaireResponse", case.key),
        "identifier": {"system": system("sid/submission-reference"), "value": s.reference},
        "questionnaire": questionnaire_reference(),
        "status": "completed",
        "subject": patient_ref(case, links),
        "authored": when(s.signed_at),
        "source": source_ref(case, links),
        "item": response_items(case.answers),
    }


def _outcome_coding(outcome: str) -> dict[str, str]:
    label = str(Outcome(outcome).label) if outcome in Outcome.values else outcome
    return coding("triage-outcome", outcome, label)


def _prediction(finding: dict[str, Any]) -> dict[str, Any]:
    rule = RULES_BY_ID.get(finding["rule"])
    return {
        "outcome": {
            "coding": [coding("screening-rule", finding["rule"])],
            "text": finding["reason"],
        },
        "qualitativeRisk": {"coding": [_outcome_coding(finding["outcome"])]},
        "rationale": f"docs/clinical.md: {rule.source}" if rule is not None else "",
    }


def risk_assessment(case: Case, record: ScreeningRecord, links: Links) -> dict[str, Any]:
    s = case.submission
    sources = sorted(
        {RULES_BY_ID[f["rule"]].source for f in record.findings if f["rule"] in RULES_BY_ID}
    )
    notes = []
    if s.is_overridden:
        notes.append(
            {
                "time": when(s.overridden_at),
                "text": f"Outcome set by staff to {s.outcome} (screened {s.screened_outcome}): "
                f"{s.override_reason}",
            }
        )
    return {
        "resourceType": "RiskAssessment",
        "id": links.id("RiskAssessment", f"{case.key}:screening:{record.pk or 'latest'}"),
        "status": "final",
        "code": {"coding": [coding("assessment", "heel-pain-triage", "Heel pain triage")]},
        "method": {
            "coding": [coding("screening-ruleset", record.ruleset)],
            "text": f"Triage rules, version {record.ruleset}",
        },
        "subject": patient_ref(case, links),
        "occurrenceDateTime": when(record.created_at),
        "basis": [links.ref("QuestionnaireResponse", case.key)]
        + [{"display": f"docs/clinical.md: {source}"} for source in sources],
        # The outcome first, then one prediction per finding, most severe first.
        "prediction": [
            {
                "outcome": {"text": "Screening outcome"},
                "qualitativeRisk": {"coding": [_outcome_coding(record.outcome)]},
            },
            *(_prediction(finding) for finding in record.findings),
        ],
        "note": notes,
    }


def consents(case: Case, links: Links) -> Iterator[dict[str, Any]]:
    s = case.submission
    for name, scope in CONSENTS:
        yield {
            "resourceType": "Consent",
            "id": links.id("Consent", f"{case.key}:{name}"),
            "status": "active",
            "scope": {"coding": [{"system": CONSENT_SCOPE, "code": scope}]},
            "category": [{"coding": [{"system": LOINC, "code": "59284-0"}]}],
            "patient": patient_ref(case, links),
            "dateTime": when(s.signed_at),
            "performer": [source_ref(case, links)],
            "policy": [{"uri": system(f"consent/{s.consent_version}/{name}")}],
            "provision": {"type": "permit"},
        }


def appointment(case: Case, consult: Consult, links: Links) -> dict[str, Any]:
    return {
        "resourceType": "Appointment",
        "id": links.id("Appointment", consult_key(consult.pk)),
        "status": appointment_status(consult),
        "serviceType": [
            {"coding": [coding("consult-kind", consult.kind, str(consult.get_kind_display()))]}
        ],
        "start": when(consult.starts_at),
        "end": when(consult.ends_at),
        "created": when(consult.booked_at),
        "supportingInformation": [links.ref("QuestionnaireResponse", case.key)],
        "participant": [
            {"actor": patient_ref(case, links), "status": "accepted"},
            {"actor": {"display": str(consult.chiropractor)}, "status": "accepted"},
        ],
    }


def pain_observations(case: Case, links: Links) -> Iterator[dict[str, Any]]:
    s = case.submission
    for code in PAIN_SCORE_CODES:
        value = case.answers.get(code)
        if not isinstance(value, int):
            continue
        question = QUESTIONS[code]
        effective: dict[str, Any] = {"effectiveDateTime": when(s.signed_at)}
        if code in PAST_WEEK:
            start = s.signed_at - timedelta(days=7)
            effective = {"effectivePeriod": {"start": when(start), "end": when(s.signed_at)}}
        yield {
            "resourceType": "Observation",
            "id": links.id("Observation", f"{case.key}:{code}"),
            "status": "final",
            "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey"}]}],
            "code": {
                "coding": [PAIN_SEVERITY, coding("pain-score", code, str(question.staff_label))],
                "text": str(question.staff_label),
            },
            "subject": patient_ref(case, links),
            **effective,
            "performer": [source_ref(case, links)],
            "valueInteger": value,
            "derivedFrom": [links.ref("QuestionnaireResponse", case.key)],
        }


def case_resources(case: Case, links: Links) -> Iterator[dict[str, Any]]:
    """Every resource of one case, without empty elements, in English, one at a time."""
    with translation.override("en"):
        yield compact(patient(case, links))
        if case.by_representative:
            yield compact(representative(case, links))
        yield compact(questionnaire_response(case, links))
        if case.screening is not None:
            yield compact(risk_assessment(case, case.screening, links))
        for consent in consents(case, links):
            yield compact(consent)
        # A needling session's consult is its session's Appointment (care.py), listed once.
        for consult in case.consults:
            if consult.kind != Consult.Kind.NEEDLING_SESSION:
                yield compact(appointment(case, consult, links))
        for observation in pain_observations(case, links):
            yield compact(observation)
        for hook in CARE_HOOKS:
            for resource in hook(case, links):
                yield compact(resource)


def bundle(case: Case) -> dict[str, Any]:
    """The case as a collection Bundle; every reference is an entry's urn:uuid fullUrl."""
    links = Links(in_bundle=True)
    return {
        "resourceType": "Bundle",
        "id": links.id("Bundle", case.key),
        "identifier": {
            "system": system("sid/submission-reference"),
            "value": case.submission.reference,
        },
        "type": "collection",
        "entry": [
            {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}
            for resource in case_resources(case, links)
        ],
    }
