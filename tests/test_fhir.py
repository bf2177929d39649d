"""FHIR export: the Questionnaire from the catalogue, one case as a Bundle, bulk NDJSON, and the
answers read back from a QuestionnaireResponse screening exactly as stored.

Every resource built here is validated by the fhir.resources R4B models: an invalid one fails.
"""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class
from hypothesis import HealthCheck, given, settings

from care.demo import CourseCase, _seed_course, seed_demo_care
from care.models import AdverseEvent, NeedlingSession
from consults.models import Consult
from fhir_export.bundle import bundle
from fhir_export.common import Case
from fhir_export.questionnaire import answers_from_response, catalogue_version, questionnaire
from intake.models import AuditEvent, ScreeningRecord, Submission
from intake.questions import QUESTIONS, SECTIONS
from intake.retention import anonymise
from screening import RULES_BY_ID, Policy, screen
from tests.helpers import make_front_desk, make_submission, sign_in
from tests.scheduling import make_profile, next_monday
from tests.test_access import ROLES, client_for
from tests.test_care import TODAY, chiro_client, consult_today, session_data, start_care
from tests.test_screening_properties import answer_sets

SCREENED_AT = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


def validate(resource: dict[str, Any]) -> None:
    """Raises when the resource is not valid FHIR R4B."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def references(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return found + [ref for v in value.values() for ref in references(v)]
    if isinstance(value, list):
        return [ref for v in value for ref in references(v)]
    return []


def validate_bundle(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Validates the Bundle and each entry; checks every reference resolves inside it."""
    validate(data)
    by_url = {entry["fullUrl"]: entry["resource"] for entry in data["entry"]}
    assert len(by_url) == len(data["entry"]), "two entries share a fullUrl"
    for entry in data["entry"]:
        validate(entry["resource"])
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"
    for ref in references(data):
        assert ref in by_url, f"{ref} does not resolve inside the bundle"
    return by_url


def of_type(data: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == kind]


def stored_screening(submission: Submission) -> ScreeningRecord:
    record = submission.screenings.first()
    assert record is not None
    return record


def screen_command(answers: dict[str, Any], as_of: date) -> dict[str, Any]:
    out = io.StringIO()
    stdin = io.StringIO(json.dumps({**answers, "as_of": as_of.isoformat()}))
    call_command("screen", "-", stdin=stdin, stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def assert_round_trip(submission: Submission) -> None:
    """The QuestionnaireResponse read back and screened again gives the stored screening."""
    [response] = of_type(bundle(Case.of(submission)), "QuestionnaireResponse")
    answers = answers_from_response(response)
    assert answers == submission.answers
    record = stored_screening(submission)
    result = screen_command(answers, record.screening_date)
    assert result["outcome"] == record.outcome
    assert result["ruleset"] == record.ruleset
    assert [(f["rule"], f["outcome"], f["reason"]) for f in result["findings"]] == [
        (f["rule"], f["outcome"], f["reason"]) for f in record.findings
    ]


# The Questionnaire, generated from the catalogue.


def test_the_questionnaire_is_valid_and_has_one_item_per_question_code() -> None:
    data = questionnaire()
    validate(data)
    groups = data["item"]
    assert [g["linkId"] for g in groups] == [s.code for s in SECTIONS]
    items = {item["linkId"]: item for g in groups for item in g["item"]}
    assert set(items) == set(QUESTIONS)
    for code, question in QUESTIONS.items():
        item = items[code]
        assert item["required"] is question.required
        codes = [o["valueCoding"]["code"] for o in item.get("answerOption", [])]
        assert codes == [value for value, _label in question.choices]
        assert item.get("repeats", False) is (question.kind == "multi")


def test_every_condition_of_the_catalogue_is_an_enable_when() -> None:
    items = {i["linkId"]: i for g in questionnaire()["item"] for i in g["item"]}
    conditional = {code for code, q in QUESTIONS.items() if q.when is not None}
    assert {code for code, item in items.items() if "enableWhen" in item} == conditional
    [rule] = items["numb_feet"]["enableWhen"]
    assert rule == {"question": "diabetes", "operator": "=", "answerBoolean": True}
    [rule] = items["last_steroid_injection"]["enableWhen"]
    assert rule["operator"] == "=" and rule["answerCoding"]["code"] == "steroid_injection"
    [rule] = items["representative_name"]["enableWhen"]
    assert rule["operator"] == "!=" and rule["answerCoding"]["code"] == "self"


def test_the_questionnaire_version_is_the_catalogue_hash_and_stays_put() -> None:
    assert questionnaire()["version"] == catalogue_version() == catalogue_version()
    assert len(catalogue_version()) == 12


@pytest.mark.django_db
def test_staff_read_the_questionnaire_at_a_stable_url_in_english() -> None:
    client = client_for("front_desk")
    response = client.get("/staff/fhir/Questionnaire/intake", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    data = json.loads(response.content)
    assert data["url"].endswith("/staff/fhir/Questionnaire/intake")
    assert data["item"][0]["item"][0]["text"] == "Who is filling in this form?"
    assert data == questionnaire()


# Who may open the new pages: every role, an outsider and anonymous.

FHIR_URLS = [
    ("/staff/fhir/Questionnaire/intake", (302, 200, 200, 200, 302, 403)),
    # The CSV export's permission: intake.export_submission.
    ("/staff/fhir/submissions/{ref}/Bundle", (302, 200, 200, 200, 302, 403)),
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("url", "expected"), FHIR_URLS)
def test_each_fhir_url_answers_each_role_as_expected(
    role: str, url: str, expected: tuple[int, ...]
) -> None:
    submission = make_submission()
    response = client_for(role).get(url.format(ref=submission.reference))
    want = expected[ROLES.index(role)]
    assert response.status_code == want, (role, url)
    if want == 302:
        assert response["Location"].startswith("/staff/login/")
    exported = AuditEvent.objects.filter(action="fhir.bundle.exported").count()
    assert exported == (1 if "Bundle" in url and want == 200 else 0)


@pytest.mark.django_db
def test_the_fhir_urls_refuse_post_and_an_unknown_case_is_404() -> None:
    client = client_for("front_desk")
    submission = make_submission()
    assert client.post(f"/staff/fhir/submissions/{submission.reference}/Bundle").status_code == 405
    assert client.post("/staff/fhir/Questionnaire/intake").status_code == 405
    assert client.get("/staff/fhir/submissions/NOSUCHREF/Bundle").status_code == 404
    assert client_for("no_role").get("/staff/fhir/submissions/NOSUCHREF/Bundle").status_code == 403


# One case as a Bundle.


@pytest.mark.django_db
def test_the_submission_page_links_to_the_bundle_which_is_valid_and_audited() -> None:
    submission = make_submission(calf_swelling=True)
    client = client_for("front_desk")
    page = client.get(f"/staff/submissions/{submission.reference}/")
    link = f"/staff/fhir/submissions/{submission.reference}/Bundle"
    assert link in page.content.decode()

    response = client.get(link)
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    assert f"fhir-{submission.reference}.json" in response["Content-Disposition"]
    data = json.loads(response.content)
    validate_bundle(data)
    assert data["type"] == "collection"
    event = AuditEvent.objects.get(action="fhir.bundle.exported")
    assert event.submission == submission
    assert event.actor is not None and event.actor.username == "desk"
    assert event.detail == {"resources": len(data["entry"])}


@pytest.mark.django_db
def test_the_bundle_holds_patient_answers_triage_consent_and_pain_scores() -> None:
    submission = make_submission(calf_swelling=True, preferred_contact="email", language="es")
    data = bundle(Case.of(submission))
    validate_bundle(data)
    kinds = [e["resource"]["resourceType"] for e in data["entry"]]
    assert kinds == [
        "Patient",
        "QuestionnaireResponse",
        "RiskAssessment",
        "Consent",
        "Consent",
        "Observation",
        "Observation",
        "Observation",
    ]
    [patient] = of_type(data, "Patient")
    assert patient["name"] == [{"use": "official", "family": "Example", "given": ["Ada"]}]
    assert patient["birthDate"] == "1980-04-23"
    assert {"system": "email", "value": "ada@example.com", "rank": 1} in patient["telecom"]
    assert patient["communication"][0]["language"]["coding"][0]["code"] == "es"

    [response] = of_type(data, "QuestionnaireResponse")
    assert response["authored"] == submission.signed_at.isoformat(timespec="seconds")
    assert response["source"] == {"reference": f"urn:uuid:{patient['id']}"}
    assert response["questionnaire"].endswith(f"|{catalogue_version()}")

    [risk] = of_type(data, "RiskAssessment")
    record = stored_screening(submission)
    assert risk["method"]["coding"][0]["code"] == record.ruleset
    assert risk["prediction"][0]["qualitativeRisk"]["coding"][0]["code"] == "urgent"
    finding = record.findings[0]
    first = risk["prediction"][1]
    assert first["outcome"]["coding"][0]["code"] == finding["rule"]
    assert first["outcome"]["text"] == finding["reason"]
    assert first["rationale"] == f"docs/clinical.md: {RULES_BY_ID[finding['rule']].source}"

    consents = of_type(data, "Consent")
    assert {c["policy"][0]["uri"].split("/")[-2] for c in consents} == {"2026-11"}
    assert {c["dateTime"] for c in consents} == {response["authored"]}

    scores = {
        o["code"]["coding"][1]["code"]: (o["code"]["coding"][0]["code"], o["valueInteger"])
        for o in of_type(data, "Observation")
    }
    assert scores == {
        "nprs_first_step": ("72514-3", 7),
        "nprs_average": ("72514-3", 5),
        "nprs_worst": ("72514-3", 8),
    }


@pytest.mark.django_db
def test_a_caregivers_answers_have_the_caregiver_as_their_source() -> None:
    submission = make_submission(
        completed_by="carer",
        representative_name="Rosa Example",
        representative_relationship="Daughter",
    )
    data = bundle(Case.of(submission))
    by_url = validate_bundle(data)
    [response] = of_type(data, "QuestionnaireResponse")
    source = by_url[response["source"]["reference"]]
    assert source["resourceType"] == "RelatedPerson"
    assert source["name"] == [{"text": "Rosa Example"}]
    assert source["relationship"][0]["text"] == "Daughter"
    assert source["relationship"][0]["coding"][0]["code"] == "carer"


@pytest.mark.django_db
def test_the_same_case_exports_the_same_bundle_twice() -> None:
    submission = make_submission()
    assert bundle(Case.of(submission)) == bundle(Case.of(submission))


@pytest.mark.django_db
def test_an_anonymised_case_still_exports_valid_fhir_without_answers_or_names() -> None:
    submission = make_submission()
    anonymise(submission, now=datetime(2027, 1, 1, tzinfo=UTC))
    data = bundle(Case.of(submission))
    validate_bundle(data)
    [patient] = of_type(data, "Patient")
    assert "name" not in patient and "telecom" not in patient
    assert patient["birthDate"] == "1980"
    [response] = of_type(data, "QuestionnaireResponse")
    assert "item" not in response
    assert of_type(data, "Observation") == []


# Every demo case: valid, and its answers screen again exactly as stored.


@pytest.mark.django_db
def test_every_demo_case_exports_valid_fhir_and_screens_the_same_from_its_answers() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    submissions = list(Submission.objects.all())
    assert len(submissions) > 10
    kinds: set[str] = set()
    for submission in submissions:
        data = bundle(Case.of(submission))
        validate_bundle(data)
        kinds |= {e["resource"]["resourceType"] for e in data["entry"]}
        assert_round_trip(submission)
    assert {"Appointment", "RiskAssessment", "QuestionnaireResponse"} <= kinds
    # The three patients part-way through a course: plan, sessions, Bea's bruise.
    assert {"CarePlan", "Procedure", "AdverseEvent"} <= kinds
    bruised = Submission.objects.get(last_name="Bruise")
    data = bundle(Case.of(bruised))
    sessions = [
        a
        for a in of_type(data, "Appointment")
        if a["serviceType"][0]["coding"][0]["code"] == "needling_session"
    ]
    assert [a["status"] for a in sessions] == ["fulfilled", "fulfilled"]
    [event] = of_type(data, "AdverseEvent")
    assert event["seriousness"]["coding"][0]["code"] == "non-serious"
    assert "outcome" not in event
    # docs/fhir.md's table of a case's resources names every type produced.
    doc = (Path(__file__).resolve().parent.parent / "docs" / "fhir.md").read_text()
    assert all(f"| `{kind}`" in doc for kind in kinds), kinds


# Generated answer sets (the screening properties' strategy).


def unsaved_case(answers: dict[str, Any]) -> Case:
    result = screen(answers, screening_date=SCREENED_AT.date(), policy=Policy())
    submission = Submission(
        reference="PROPERTY",
        answers=answers,
        first_name=answers["first_name"],
        last_name=answers["last_name"],
        email=answers["email"],
        phone=answers["phone"],
        date_of_birth=date.fromisoformat(answers["date_of_birth"]),
        consent_version="2026-11",
        signed_at=SCREENED_AT,
        submitted_at=SCREENED_AT,
        screened_outcome=result.outcome,
        outcome=result.outcome,
    )
    record = ScreeningRecord(
        submission=submission,
        outcome=result.outcome,
        findings=[f.as_dict() for f in result.findings],
        ruleset=result.ruleset,
        screening_date=result.screening_date,
        created_at=SCREENED_AT,
    )
    return Case(submission=submission, screening=record, consults=[])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer_sets())
def test_generated_answer_sets_export_valid_fhir_and_read_back_unchanged(
    answers: dict[str, Any],
) -> None:
    data = bundle(unsaved_case(answers))
    validate_bundle(data)
    [response] = of_type(data, "QuestionnaireResponse")
    assert answers_from_response(response) == answers


# Bulk export.


def read_ndjson(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.django_db
def test_bulk_export_writes_valid_ndjson_per_type_with_a_manifest_and_one_audit_entry(
    tmp_path: Path,
) -> None:
    make_submission(calf_swelling=True)
    make_submission()
    old = make_submission(submitted_at=datetime(2020, 1, 6, 12, tzinfo=UTC))
    out = tmp_path / "export"
    call_command("export_fhir", "--since", "2021-01-01", "--out", str(out), stdout=io.StringIO())

    manifest = json.loads((out / "export_manifest.json").read_text())
    assert "transactionTime" in manifest
    outputs = {o["type"]: o for o in manifest["output"]}
    assert set(outputs) >= {"Questionnaire", "Patient", "QuestionnaireResponse", "Observation"}
    ids: set[str] = set()
    refs: list[str] = []
    for kind, output in outputs.items():
        assert output["url"] == (out / f"{kind}.ndjson").resolve().as_uri()
        resources = read_ndjson(out / f"{kind}.ndjson")
        assert len(resources) == output["count"]
        for resource in resources:
            assert resource["resourceType"] == kind
            validate(resource)
            ids.add(f"{kind}/{resource['id']}")
            refs += references(resource)
    # The two recent submissions are the same person (same name, birth date and contacts).
    assert (outputs["Patient"]["count"], outputs["QuestionnaireResponse"]["count"]) == (1, 2)
    assert all(ref in ids for ref in refs)
    assert old.reference not in (out / "QuestionnaireResponse.ndjson").read_text()

    event = AuditEvent.objects.get(action="fhir.bulk.exported")
    assert event.detail["submissions"] == 2
    assert event.detail["resources"]["Patient"] == 1
    assert event.detail["since"] == "2021-01-01"


@pytest.mark.django_db
def test_bulk_export_refuses_a_bad_date_or_a_directory_with_files(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("export_fhir", "--since", "1/11/2026", "--out", str(tmp_path / "a"))
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "Patient.ndjson").write_text("")
    with pytest.raises(CommandError, match="not an empty directory"):
        call_command("export_fhir", "--since", "2026-11-01", "--out", str(tmp_path / "b"))
    assert not AuditEvent.objects.filter(action="fhir.bulk.exported").exists()


@pytest.mark.django_db
def test_the_submission_page_hides_the_fhir_link_without_the_export_permission() -> None:
    user = make_front_desk()
    user.groups.first().permissions.remove(  # type: ignore[union-attr]
        Permission.objects.get(codename="export_submission")
    )
    submission = make_submission()
    client = client_for("anonymous")
    sign_in(client, user)
    page = client.get(f"/staff/submissions/{submission.reference}/").content.decode()
    assert "/Bundle" not in page


def test_the_docs_mapping_table_lists_every_question_with_its_item_type() -> None:
    doc = (Path(__file__).resolve().parent.parent / "docs" / "fhir.md").read_text()
    rows = {
        cells[1].strip("` "): cells[3].strip()
        for line in doc.splitlines()
        if line.startswith("| `") and len(cells := line.split("|")) > 5
    }
    items = {i["linkId"]: i for g in questionnaire()["item"] for i in g["item"]}
    for code, item in items.items():
        assert rows.get(code, "").startswith(item["type"]), code


# The course of care: the plan, its sessions and adverse events (fhir_export/care.py).


def by_id(data: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {f"urn:uuid:{r['id']}": r for r in of_type(data, kind)}


def book_session_now(client: Client, desk: Client, ref: str, consult: Consult) -> Consult:
    """Book the next session through the booking page, then move it to today, right after the
    consult (one chiropractor never has two overlapping consults: PostgreSQL refuses them)."""
    response = desk.post(
        f"/staff/submissions/{ref}/care/session/book/",
        {"chiropractor": consult.chiropractor_id, "starts_at": f"{next_monday(2)}T10:00"},
    )
    assert response.status_code == 302
    booked = Consult.objects.still_to_come().get(submission__reference=ref)
    start = consult.ends_at
    Consult.objects.filter(pk=booked.pk).update(
        starts_at=start, ends_at=start + timedelta(minutes=30)
    )
    return booked


@pytest.mark.django_db
def test_a_course_of_care_exports_its_plan_sessions_once_each_and_the_adverse_event() -> None:
    consult = consult_today()
    client, desk = chiro_client(consult), client_for("front_desk")
    submission = start_care(consult, client)
    ref = submission.reference
    first = book_session_now(client, desk, ref, consult)
    assert (
        client.post(f"/staff/submissions/{ref}/care/session/", session_data(consult)).status_code
        == 302
    )
    session = NeedlingSession.objects.get(submission=submission)
    assert session.consult_id == first.pk
    response = client.post(
        f"/staff/submissions/{ref}/care/adverse-event/",
        {
            "session": session.pk,
            "occurred_on": TODAY().isoformat(),
            "kind": "fainting",
            "severity": "significant",
            "action_taken": "Lay flat, recovered in 10 minutes.",
        },
    )
    assert response.status_code == 302
    event = AdverseEvent.objects.get()
    clear = f"/staff/submissions/{ref}/care/adverse-event/{event.pk}/clear/"
    assert client.post(clear, {"reason": "Seen; fine to continue lying down."}).status_code == 302
    second = desk.post(
        f"/staff/submissions/{ref}/care/session/book/",
        {"chiropractor": consult.chiropractor_id, "starts_at": f"{next_monday(3)}T10:00"},
    )
    assert second.status_code == 302

    data = bundle(Case.of(Submission.objects.get(pk=submission.pk)))
    by_url = validate_bundle(data)

    # Every consult once, as its kind: the consult, the recorded session, the booked one.
    appointments = of_type(data, "Appointment")
    assert len(appointments) == Consult.objects.filter(submission=submission).count() == 3
    kinds = [a["serviceType"][0]["coding"][0]["code"] for a in appointments]
    assert kinds == ["dry_needling", "needling_session", "needling_session"]
    statuses = [a["status"] for a in appointments]
    assert statuses == ["fulfilled", "fulfilled", "booked"]
    assert appointments[1]["description"] == "Needling session 1 of 6"
    assert appointments[2]["description"] == "Needling session 2 of 6"
    assert appointments[1]["minutesDuration"] == 30

    [plan] = of_type(data, "CarePlan")
    assert plan["status"] == "active" and plan["intent"] == "plan"
    assert plan["period"]["end"] == (TODAY() + timedelta(days=28)).isoformat()
    needling, *home = plan["activity"]
    repeat = needling["detail"]["scheduledTiming"]["repeat"]
    assert (repeat["count"], repeat["frequency"], repeat["period"], repeat["periodUnit"]) == (
        6,
        1,
        1,
        "wk",
    )
    assert [by_url[r["reference"]]["status"] for r in needling["outcomeReference"]] == ["fulfilled"]
    assert [a["detail"]["code"]["coding"][0]["code"] for a in home] == [
        "plantar_fascia_stretch",
        "heel_raise_high_load",
    ]
    plan_url = f"urn:uuid:{plan['id']}"
    for appointment in appointments[1:]:
        assert {"reference": plan_url} in appointment["supportingInformation"]

    [procedure] = of_type(data, "Procedure")
    assert procedure["performedDateTime"] == TODAY().isoformat()
    assert [s["coding"][0]["code"] for s in procedure["bodySite"]] == [
        "gastrocnemius",
        "abductor_hallucis",
    ]
    [adverse] = of_type(data, "AdverseEvent")
    assert adverse["actuality"] == "actual"
    assert adverse["subject"] == {"reference": f"urn:uuid:{of_type(data, 'Patient')[0]['id']}"}
    assert adverse["event"]["coding"][0]["code"] == "fainting"
    assert adverse["seriousness"]["coding"][0] == {
        "system": "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness",
        "code": "serious",
        "display": "Serious",
    }
    assert adverse["outcome"]["coding"][0]["code"] == "resolved"
    assert by_url[adverse["suspectEntity"][0]["instance"]["reference"]] == procedure
    assert {e["valueString"] for e in adverse["extension"]} == {
        "Lay flat, recovered in 10 minutes.",
        "Seen; fine to continue lying down.",
    }


@pytest.mark.django_db
def test_a_held_session_and_a_cancelled_session_consult_export_as_such() -> None:
    consult = consult_today()
    client, desk = chiro_client(consult), client_for("front_desk")
    submission = start_care(consult, client)
    ref = submission.reference
    held = session_data(
        consult, new_blood_thinners="True", safety_decision="not_today", safety_reason="Ask GP"
    )
    response = client.post(f"/staff/submissions/{ref}/care/session/", held)
    assert response.status_code == 302
    assert not NeedlingSession.objects.get(submission=submission).needled
    booked = desk.post(
        f"/staff/submissions/{ref}/care/session/book/",
        {"chiropractor": consult.chiropractor_id, "starts_at": f"{next_monday(2)}T10:00"},
    )
    assert booked.status_code == 302
    Consult.objects.filter(kind=Consult.Kind.NEEDLING_SESSION).update(
        status=Consult.Status.CANCELLED, cancelled_at=timezone.now()
    )

    data = bundle(Case.of(Submission.objects.get(pk=submission.pk)))
    validate_bundle(data)
    sessions = of_type(data, "Appointment")[1:]
    assert [a["status"] for a in sessions] == ["fulfilled", "cancelled"]
    assert "Not needled" in sessions[0]["comment"]
    assert sessions[0]["requestedPeriod"] == [
        {"start": TODAY().isoformat(), "end": TODAY().isoformat()}
    ]
    assert of_type(data, "Procedure") == []


def seed_courses(profile: Any, count: int, *, first: int) -> None:
    # Numbers after the demo's own, so each course's consult has an hour of its own.
    for number in range(first, first + count):
        key = uuid.uuid4()
        course = CourseCase(f"Extra{number}", "Course", ("same", "better"), mild_event=True)
        _seed_course(course, number, key, profile, profile.user)


@pytest.mark.django_db
def test_bulk_export_writes_the_course_of_care_with_queries_independent_of_case_count(
    tmp_path: Path,
) -> None:
    profile = make_profile("doc")
    seed_demo_care(profile.user)
    runs = []
    for index, run in enumerate(("a", "b")):
        out = tmp_path / run
        with CaptureQueriesContext(connection) as queries:
            call_command(
                "export_fhir", "--since", "2000-01-01", "--out", str(out), stdout=io.StringIO()
            )
        runs.append(len(queries))
        seed_courses(profile, 3, first=10 + 3 * index)
    # Twice the cases, the same queries: the care records come prefetched per chunk.
    assert runs[0] == runs[1]

    ids: set[str] = set()
    refs: list[str] = []
    for kind in (
        "Appointment",
        "CarePlan",
        "Procedure",
        "AdverseEvent",
        "Patient",
        "QuestionnaireResponse",
    ):
        for resource in read_ndjson(out / f"{kind}.ndjson"):
            validate(resource)
            ids.add(f"{kind}/{resource['id']}")
            refs += references(resource)
    assert all(ref in ids for ref in refs)
    counts = {
        o["type"]: o["count"]
        for o in json.loads((out / "export_manifest.json").read_text())["output"]
    }
    # Three demo courses (3, 3 and 2 sessions) and three more of 2 sessions, each with a consult.
    assert counts["CarePlan"] == 6
    assert counts["Procedure"] == 8 + 6
    assert counts["Appointment"] == 6 + 8 + 6
    assert counts["AdverseEvent"] == 1 + 3


@pytest.mark.django_db
def test_a_returning_patients_submissions_share_one_patient_in_bundles_and_bulk(
    tmp_path: Path,
) -> None:
    first = make_submission()
    second = make_submission()  # same person: same name, birth date, email and phone
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.patient_id == second.patient_id is not None
    ids = {
        next(
            e["resource"]["id"]
            for e in bundle(Case.of(s))["entry"]
            if e["resource"]["resourceType"] == "Patient"
        )
        for s in (first, second)
    }
    assert len(ids) == 1
    call_command(
        "export_fhir", "--since", "2000-01-01", "--out", str(tmp_path), stdout=io.StringIO()
    )
    patients = read_ndjson(tmp_path / "Patient.ndjson")
    assert [p["id"] for p in patients] == list(ids)
    responses = read_ndjson(tmp_path / "QuestionnaireResponse.ndjson")
    assert len(responses) == 2
    assert {r["subject"]["reference"] for r in responses} == {f"Patient/{next(iter(ids))}"}
