"""Searching the queue and the admin as people type: phone numbers in any form, names in any
order, with or without a comma or accents; one set of rules for both."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from intake.models import Submission
from intake.search import fold, phone_e164, search_text
from tests.helpers import make_clinic_admin, make_front_desk, make_submission, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk() -> Client:
    client = Client()
    sign_in(client, make_front_desk())
    return client


@pytest.fixture
def sasha() -> Submission:
    found = make_submission(
        first_name="Sásha", last_name="Sample", email="sasha@example.com", phone="(555) 010-0001"
    )
    make_submission(first_name="Grace", last_name="Hopper", phone="555 020 0002")
    return found


def found(response) -> list[str]:
    return [s.reference for s in response.context["page"]]


def test_a_submission_stores_the_phone_as_typed_and_in_e164_and_a_folded_search_text(
    sasha: Submission,
) -> None:
    sasha.refresh_from_db()
    assert sasha.phone == "(555) 010-0001"
    assert sasha.phone_e164 == "+15550100001"
    assert sasha.search_text == "sasha sample sasha@example.com"


@pytest.mark.parametrize(
    ("typed", "region", "expected"),
    [
        ("(555) 010-0001", "US", "+15550100001"),
        ("+1 555 010 0001", "US", "+15550100001"),
        ("1-555-010-0001", "US", "+15550100001"),
        ("+44 20 7946 0018", "US", "+442079460018"),
        ("020 7946 0018", "GB", "+442079460018"),
        ("12", "US", ""),
        ("not a number", "US", ""),
    ],
)
def test_phone_numbers_are_normalised_to_e164_in_the_clinic_region(
    typed: str, region: str, expected: str
) -> None:
    assert phone_e164(typed, region) == expected


def test_folding_removes_case_and_accents() -> None:
    assert fold("SÁSHA Núñez") == "sasha nunez"
    assert (
        search_text(first_name="Zoë", last_name="O'Brien", email="Z@X.org") == "zoe o'brien z@x.org"
    )


@pytest.mark.parametrize(
    "query",
    [
        "(555) 010-0001",
        "+1 555 010 0001",
        "15550100001",
        "5550100001",
        "555-0100",  # partial, grouped differently from how it was typed
        "0100-001",
        "010-0001",
        "+15550100001",
    ],
)
def test_the_queue_finds_a_phone_number_in_any_common_form(
    desk: Client, sasha: Submission, query: str
) -> None:
    assert found(desk.get("/staff/", {"q": query})) == [sasha.reference]


@pytest.mark.parametrize(
    "query",
    [
        "Sasha Sample",
        "Sample Sasha",
        "Sample, Sasha",
        "sample,sasha",
        "Sásha",
        "SASHA",
        "samp",
        "sasha@example",
    ],
)
def test_the_queue_finds_names_in_either_order_with_a_comma_and_without_accents(
    desk: Client, sasha: Submission, query: str
) -> None:
    assert found(desk.get("/staff/", {"q": query})) == [sasha.reference]


def test_every_word_must_match_so_other_patients_are_not_found(
    desk: Client, sasha: Submission
) -> None:
    assert found(desk.get("/staff/", {"q": "Sasha Hopper"})) == []


def test_a_reference_is_still_found_exactly(desk: Client, sasha: Submission) -> None:
    assert found(desk.get("/staff/", {"q": sasha.reference.lower()})) == [sasha.reference]


@pytest.mark.parametrize("query", ["+1 555 010 0001", "Sample, Sásha", "15550100001"])
def test_the_admin_search_uses_the_same_rules(sasha: Submission, query: str) -> None:
    client = Client()
    sign_in(client, make_clinic_admin())
    response = client.get("/admin/intake/submission/", {"q": query})
    assert response.status_code == 200
    assert [s.reference for s in response.context["cl"].result_list] == [sasha.reference]


def test_the_migration_backfill_fills_rows_stored_before_the_search_columns(
    sasha: Submission,
) -> None:
    Submission.objects.filter(pk=sasha.pk).update(phone_e164="", search_text="")
    migration = importlib.import_module(
        "intake.migrations.0011_search_columns_and_keyset_queue_indexes"
    )
    migration.backfill(apps, SimpleNamespace(connection=connection))
    sasha.refresh_from_db()
    assert sasha.phone_e164 == "+15550100001"
    assert sasha.search_text.startswith("sasha sample")
