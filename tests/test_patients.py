"""Patients: matching a new submission to earlier ones, staff's decisions and undo, the History
panel and queue marker, the migration over existing data, retention and subject access."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from intake import audit, patients
from intake.models import AuditEvent, MatchState, Patient, PatientLink, Status, Submission
from intake.retention import anonymise
from tests.helpers import make_clinic_admin, make_front_desk, make_submission, sign_in

pytestmark = pytest.mark.django_db

ADA = {
    "first_name": "Ada",
    "last_name": "Example",
    "date_of_birth": "1980-04-23",
    "email": "ada@example.com",
    "phone": "555 010 1234",
}


def submit(**changes: Any) -> Submission:
    """A submission from Ada unless the changes say otherwise."""
    return make_submission(**{**ADA, **changes})


def identity(**changes: Any) -> patients.Identity:
    fields = {
        "first_name": "Ada",
        "last_name": "Example",
        "email": "ada@example.com",
        "phone_e164": "+15550101234",
        "date_of_birth": date(1980, 4, 23),
        **changes,
    }
    return patients.Identity(**fields)


@pytest.fixture
def desk() -> Client:
    client = Client()
    sign_in(client, make_front_desk())
    return client


# Scoring: pure, no database.


@pytest.mark.parametrize(
    ("changes", "automatic", "reasons"),
    [
        ({}, True, {"date_of_birth", "email", "phone", "name"}),
        ({"first_name": "Example", "last_name": "Ada"}, True, {"name_swapped"}),
        ({"first_name": "ÁDA", "last_name": "Exámple"}, True, {"name"}),
        ({"email": "ada@exmaple.com"}, True, {"phone", "name"}),
        ({"first_name": "Eva", "email": "", "phone_e164": "+15550101234"}, False, {"phone"}),
        ({"email": "other@example.com", "phone_e164": ""}, False, {"date_of_birth", "name"}),
        ({"date_of_birth": date(1980, 4, 24)}, False, {"email", "phone", "name"}),
    ],
    ids=[
        "exact",
        "swapped names",
        "accents and capitals",
        "typo in email, same phone",
        "twin: other first name",
        "same name and birth date, no contact detail in common",
        "birth date differs",
    ],
)
def test_score_says_how_alike_two_people_are_and_why(
    changes: dict[str, Any], automatic: bool, reasons: set[str]
) -> None:
    match = patients.score(identity(**changes), identity(), patient_id=1)
    assert match.automatic is automatic
    assert reasons <= set(match.reasons)


def test_a_one_letter_typo_in_a_name_is_similar_but_a_different_name_is_not() -> None:
    assert patients.name_similarity(identity(first_name="Adda"), identity())[0] >= 0.85
    assert patients.name_similarity(identity(first_name="Eva"), identity())[0] < 0.85


# Matching new submissions.


def test_the_first_submission_makes_a_new_patient() -> None:
    first = submit()
    assert first.patient is not None
    assert first.match_state == MatchState.NEW
    assert first.patient.email == "ada@example.com"
    assert first.patient.phone_e164 == "+15550101234"


def test_the_same_person_again_is_linked_automatically_as_a_returning_patient() -> None:
    first = submit()
    second = submit(first_name="Exámple", last_name="ADA", email="ADA@example.com")
    assert second.patient_id == first.patient_id
    assert second.match_state == MatchState.RETURNING
    assert set(second.match_reasons) >= {"date_of_birth", "email", "phone", "name_swapped"}
    entry = AuditEvent.objects.get(action=audit.PATIENT_MATCHED, submission=second)
    assert entry.detail["patient"] == first.patient_id
    link = PatientLink.objects.get(submission=second)
    assert link.kind == PatientLink.Kind.MATCHED and link.by is None


def test_a_typo_in_the_email_with_the_same_phone_still_links() -> None:
    first = submit()
    second = submit(email="ada@exmaple.com")
    assert second.patient_id == first.patient_id
    assert second.match_state == MatchState.RETURNING


def test_twins_are_never_merged_automatically() -> None:
    first = submit(first_name="Ada", email="family@example.com")
    twin = submit(first_name="Eve", email="family@example.com")
    assert twin.patient_id != first.patient_id
    assert twin.match_state == MatchState.POSSIBLE
    assert twin.match_candidate_id == first.patient_id


def test_someone_who_shares_only_a_birth_date_is_a_new_patient() -> None:
    first = submit()
    other = submit(first_name="Bo", last_name="Other", email="bo@example.com", phone="555 010 9999")
    assert other.patient_id != first.patient_id
    assert other.match_state == MatchState.NEW
    assert other.match_candidate is None


# Staff decisions, through the real URLs.


def test_staff_confirm_a_possible_match_and_can_undo_it(desk: Client) -> None:
    first = submit(email="ada.one@example.com", phone="555 010 7777")
    maybe = submit(email="ada.two@example.com", phone="555 010 8888")
    assert maybe.match_state == MatchState.POSSIBLE
    own_patient = maybe.patient_id
    assert own_patient is not None

    page = desk.get(f"/staff/submissions/{maybe.reference}/").content.decode()
    assert "Possible match" in page and "Same person" in page and "Different person" in page
    assert desk.get("/staff/").content.decode().count("Possible match") >= 1

    response = desk.post(f"/staff/submissions/{maybe.reference}/patient/same/")
    assert response.status_code == 302
    maybe.refresh_from_db()
    assert maybe.patient_id == first.patient_id
    assert maybe.match_state == MatchState.RETURNING
    assert Patient.objects.get(pk=own_patient).merged_into_id == first.patient_id
    entry = AuditEvent.objects.filter(submission=maybe).latest("pk")
    assert entry.action == audit.PATIENT_SAME_PERSON
    assert entry.detail["previous_patient"] == own_patient

    assert desk.post(f"/staff/submissions/{maybe.reference}/patient/undo/").status_code == 302
    maybe.refresh_from_db()
    assert maybe.patient_id == own_patient
    assert maybe.match_state == MatchState.POSSIBLE
    assert maybe.match_candidate_id == first.patient_id
    assert Patient.objects.get(pk=own_patient).merged_into is None
    assert AuditEvent.objects.filter(submission=maybe).latest("pk").action == audit.PATIENT_UNDONE
    assert PatientLink.objects.get(submission=maybe, kind="same_person").undone_at is not None


def test_staff_say_different_person_and_the_match_is_dismissed(desk: Client) -> None:
    submit(first_name="Ada", email="family@example.com")
    twin = submit(first_name="Eve", email="family@example.com")
    desk.post(f"/staff/submissions/{twin.reference}/patient/different/")
    twin.refresh_from_db()
    assert twin.match_state == MatchState.NEW
    assert twin.match_candidate is None
    entry = AuditEvent.objects.filter(submission=twin).latest("pk")
    assert entry.action == audit.PATIENT_DIFFERENT_PERSON


def test_an_automatic_link_can_be_split_off_and_put_back(desk: Client) -> None:
    first = submit()
    second = submit()
    desk.post(f"/staff/submissions/{second.reference}/patient/different/")
    second.refresh_from_db()
    assert second.patient_id != first.patient_id
    desk.post(f"/staff/submissions/{second.reference}/patient/undo/")
    second.refresh_from_db()
    assert second.patient_id == first.patient_id
    assert second.match_state == MatchState.RETURNING


def test_deciding_without_a_match_says_so_and_changes_nothing(desk: Client) -> None:
    only = submit()
    response = desk.post(f"/staff/submissions/{only.reference}/patient/same/", follow=True)
    assert "There is no possible match to decide on." in response.content.decode()
    response = desk.post(f"/staff/submissions/{only.reference}/patient/undo/", follow=True)
    assert "There is no decision to undo." in response.content.decode()
    assert not AuditEvent.objects.filter(action__startswith="intake.patient.").exists()


def test_the_decision_urls_refuse_get(desk: Client) -> None:
    only = submit()
    for action in ("same", "different", "undo"):
        url = f"/staff/submissions/{only.reference}/patient/{action}/"
        assert desk.get(url).status_code == 405


# History panel and open case.


def test_a_returning_patient_sees_earlier_submissions_and_a_link_to_the_open_case(
    desk: Client,
) -> None:
    first = submit(submitted_at=timezone.now() - timedelta(days=30))
    second = submit()
    page = desk.get(f"/staff/submissions/{second.reference}/").content.decode()
    assert "Returning patient" in page
    assert f"this patient has an open case, {first.reference}" in page
    assert f'href="/staff/submissions/{first.reference}/"' in page
    queue = desk.get("/staff/").content.decode()
    assert "Returning patient" in queue


def test_a_closed_earlier_case_is_history_not_an_open_case(desk: Client) -> None:
    from intake import workflow

    first = submit(submitted_at=timezone.now() - timedelta(days=300))
    workflow.close_case(
        submission=first, to=Status.NOT_PROCEEDING, reason="Better.", by=make_front_desk("d2")
    )
    second = submit()
    page = desk.get(f"/staff/submissions/{second.reference}/").content.decode()
    assert "Earlier submissions" in page and first.reference in page
    assert "open case" not in page


# Migration over existing data.


def test_the_migration_gives_every_seeded_submission_a_patient_and_links_duplicates() -> None:
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    demo = Submission.objects.order_by("pk").first()
    assert demo is not None
    again = submit(
        first_name=demo.last_name,
        last_name=demo.first_name,
        date_of_birth=demo.date_of_birth.isoformat(),
        email=demo.email,
        phone=demo.phone,
    )
    # As before patients existed: no patient on any row.
    Submission.objects.update(patient=None, match_state="", match_candidate=None)
    PatientLink.objects.all().delete()
    Patient.objects.all().delete()

    filled = patients.fill_existing(
        apps.get_model("intake", "Submission"), apps.get_model("intake", "Patient")
    )

    assert filled == Submission.objects.count()
    assert not Submission.objects.filter(patient__isnull=True).exists()
    demo.refresh_from_db()
    again.refresh_from_db()
    assert again.patient_id == demo.patient_id
    assert again.match_state == MatchState.RETURNING
    # Deterministic: the demo's distinct people each have a patient of their own.
    assert Patient.objects.count() == Submission.objects.count() - 1


# Retention and subject access.


def test_the_patient_is_blanked_once_all_their_submissions_are_anonymised() -> None:
    first = submit()
    second = submit()
    assert first.patient is not None
    anonymise(first, now=timezone.now())
    first.patient.refresh_from_db()
    assert first.patient.email == "ada@example.com"
    second.refresh_from_db()
    anonymise(second, now=timezone.now())
    first.patient.refresh_from_db()
    assert first.patient.anonymised_at is not None
    assert first.patient.first_name == "" and first.patient.email == ""
    assert first.patient.date_of_birth is None
    # An anonymised patient is never offered as a match again.
    assert submit().match_state == MatchState.NEW


def test_subject_access_includes_the_patient_link() -> None:
    first = submit()
    second = submit()
    client = Client()
    sign_in(client, make_clinic_admin())
    response = client.get(f"/staff/submissions/{second.reference}/export.json")
    data = json.loads(response.content)
    record = data["patient_record"]
    assert record["patient_id"] == first.patient_id
    assert record["submissions"] == [first.reference, second.reference]
    assert record["links"][0]["kind"] == "matched"


def test_the_patient_form_is_never_pre_filled_for_a_returning_patient() -> None:
    submit()
    client = Client()
    client.get("/intake/", follow=True)
    page = client.get("/intake/about/", follow=True).content.decode()
    assert 'name="first_name"' in page
    assert "ada@example.com" not in page
    assert "Example" not in page


def test_the_match_reasons_and_markers_are_in_spanish() -> None:
    from django.utils import translation

    with translation.override("es"):
        assert patients.reason_labels(["email", "name_swapped"]) == [
            "mismo correo electrónico",
            "mismo nombre, con nombre y apellido invertidos",
        ]
        assert str(MatchState.POSSIBLE.label) == "Posible coincidencia"
