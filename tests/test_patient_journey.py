"""The patient journey: urgent advice the moment it is certain, guardians, and children."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from intake import audit, drafts, retention, urgent
from intake.models import AuditEvent, Draft, Submission
from intake.questions import SECTIONS
from screening import RULES_BY_ID, Policy, screen
from tests.answers import CONSENT, SCREENING_DATE, make_answers
from tests.helpers import make_front_desk, run_tasks, sign_in
from tests.intake_steps import fill_screened_steps, post_step
from tests.test_screening_properties import PROPERTY_SETTINGS, answer_sets

pytestmark = pytest.mark.django_db

DIABETIC = {"diabetes": True, "numb_feet": False}
# Each urgent rule whose answers all come on the red-flags step, with answers that make it fire.
RED_FLAG_RULES: dict[str, dict[str, Any]] = {
    "infection_signs": {"fever_unwell": True, "hot_red_swollen": True},
    "diabetic_foot_wound": {**DIABETIC, "wound_or_ulcer": True},
    "wound_with_fever": {"wound_or_ulcer": True, "fever_unwell": True},
    "puncture_infection_signs": {"puncture_wound": True, "puncture_worsening": True},
    "charcot_signs": {**DIABETIC, "hot_red_swollen": True},
    "cannot_bear_weight": {"can_bear_weight": False},
    "achilles_rupture_signs": {"achilles_pop": True},
    "dvt_signs": {"calf_swelling": True},
    "ischaemia_signs": {"cold_pale_foot": True},
    "cauda_equina_signs": {"saddle_or_bladder": True},
    "neurological_deficit": {"foot_weakness": True},
}


def text_of(response: Any) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", response.content.decode())))


def years_ago(years: int, days: int = 0) -> str:
    today = timezone.localdate()
    return (today.replace(year=today.year - years) - timedelta(days=days)).isoformat()


def until_red_flags(client: Client, answers: dict[str, Any]) -> None:
    for section in ("respondent", "about", "pain"):
        assert post_step(client, section, answers).status_code == 302


def draft_of(client: Client) -> Draft:
    return Draft.objects.get(pk=client.session[drafts.SESSION_DRAFT])


# --- when an urgent rule is certain --------------------------------------------------------


def test_every_urgent_rule_is_listed_here_or_needs_a_later_answer() -> None:
    later = {"fever_immunosuppressed"}  # reads immunosuppressed, on the needling step
    assert set(RED_FLAG_RULES) | later == {rule.id for rule in urgent.URGENT_RULES}


@pytest.mark.parametrize("rule_id", RED_FLAG_RULES)
def test_urgent_advice_comes_right_after_the_red_flags_step(client: Client, rule_id: str) -> None:
    answers = make_answers(**RED_FLAG_RULES[rule_id])
    until_red_flags(client, answers)
    response = post_step(client, "red_flags", answers)
    assert response.status_code == 302 and response["Location"] == "/intake/urgent/"
    draft = draft_of(client)
    assert rule_id in draft.urgent_rules and draft.urgent_advice_shown_at is not None
    event = AuditEvent.objects.get(action=audit.URGENT_ADVICE_SHOWN)
    assert event.detail["draft"] == str(draft.pk) and rule_id in event.detail["rules"]

    page = client.get("/intake/urgent/")
    assert page.status_code == 200
    advice = RULES_BY_ID[rule_id].safety_advice()
    assert advice is not None and advice in text_of(page)
    html = page.content.decode()
    assert 'href="tel:911"' in html
    assert 'href="/intake/needling/"' in html and 'href="/intake/urgent/stopped/"' in html
    assert "within 2 working days" not in html and "while you wait" not in html


def test_a_rule_waits_until_no_later_answer_could_undo_it(client: Client) -> None:
    # Fever alone: fever_immunosuppressed depends on the needling step's answer.
    answers = make_answers(fever_unwell=True, immunosuppressed=True)
    until_red_flags(client, answers)
    assert post_step(client, "red_flags", answers)["Location"] == "/intake/needling/"
    assert draft_of(client).urgent_rules == []
    response = post_step(client, "needling", answers)
    assert response["Location"] == "/intake/urgent/"
    assert draft_of(client).urgent_rules == ["fever_immunosuppressed"]
    assert 'href="/intake/review/"' in client.get("/intake/urgent/").content.decode()


def test_the_same_advice_is_not_shown_twice_but_a_new_rule_is(client: Client) -> None:
    answers = make_answers(calf_swelling=True)
    until_red_flags(client, answers)
    post_step(client, "red_flags", answers)
    assert post_step(client, "red_flags", answers)["Location"] == "/intake/needling/"
    answers["cold_pale_foot"] = True
    assert post_step(client, "red_flags", answers)["Location"] == "/intake/urgent/"
    assert draft_of(client).urgent_rules == ["dvt_signs", "ischaemia_signs"]
    assert AuditEvent.objects.filter(action=audit.URGENT_ADVICE_SHOWN).count() == 2


def test_a_change_from_the_review_returns_to_the_review_after_the_advice(client: Client) -> None:
    fill_screened_steps(client, make_answers())
    answers = make_answers(achilles_pop=True)
    response = post_step(client, "red_flags", answers, from_review="1")
    assert response["Location"] == "/intake/urgent/?then=review"
    page = client.get("/intake/urgent/?then=review").content.decode()
    assert 'href="/intake/review/"' in page


def test_the_urgent_page_without_certain_advice_goes_back_to_the_form(client: Client) -> None:
    assert client.get("/intake/urgent/")["Location"] == "/intake/"
    until_red_flags(client, make_answers())
    assert client.get("/intake/urgent/")["Location"] == "/intake/red-flags/"


def test_stopping_after_urgent_advice_keeps_the_draft_for_staff(client: Client) -> None:
    answers = make_answers(cold_pale_foot=True)
    until_red_flags(client, answers)
    post_step(client, "red_flags", answers)
    page = client.get("/intake/urgent/stopped/")
    assert page.status_code == 200
    advice = str(RULES_BY_ID["ischaemia_signs"].safety_advice())
    assert advice in text_of(page)
    assert "within 2 working days" not in page.content.decode()

    desk = Client()
    sign_in(desk, make_front_desk())
    queue = desk.get("/staff/")
    assert queue.status_code == 200
    text = text_of(queue)
    assert "Urgent advice shown, form not finished" in text
    assert "Ana Reyes" in text and "(555) 010-0123" in text
    assert advice in text


def test_the_staff_list_of_unfinished_urgent_forms_empties_on_submit(client: Client) -> None:
    answers = make_answers(cold_pale_foot=True)
    fill_screened_steps(client, answers)
    client.post("/intake/review/", {**dict.fromkeys(CONSENT, "true"), "signature": "Ana Reyes"})
    assert Submission.objects.count() == 1 and not Draft.objects.exists()
    desk = Client()
    sign_in(desk, make_front_desk())
    assert "Urgent advice shown, form not finished" not in text_of(desk.get("/staff/"))


def test_drafts_that_showed_urgent_advice_follow_the_normal_draft_purge(client: Client) -> None:
    answers = make_answers(cold_pale_foot=True)
    until_red_flags(client, answers)
    post_step(client, "red_flags", answers)
    later = timezone.now() + timedelta(days=31)
    assert list(retention.stale_drafts(later)) == [draft_of(client)]


@PROPERTY_SETTINGS
@given(answer_sets(), answer_sets(), st.integers(1, 5))
def test_no_later_answer_can_undo_a_certain_urgent_rule(
    first: dict[str, Any], later: dict[str, Any], steps_done: int
) -> None:
    # The answers of the first steps from one set, and of the later steps from another.
    done = {s.code for s in SECTIONS[:steps_done]}
    so_far = {code: v for code, v in first.items() if SECTION_OF[code] in done}
    completed = {**{c: v for c, v in later.items() if SECTION_OF[c] not in done}, **so_far}
    certain = set(urgent.certain_rules(so_far))
    assert certain <= {f.rule for f in screened(completed).findings}
    if steps_done == 5:  # everything answered: certain is exactly what screening finds urgent
        assert certain == {f.rule for f in screened(so_far).findings if f.outcome == "urgent"}


SECTION_OF = {q.code: s.code for s in SECTIONS for q in s.questions}


def screened(answers: dict[str, Any]) -> Any:
    return screen(answers, screening_date=SCREENING_DATE, policy=Policy())


# --- the emergency number and the confirmation ---------------------------------------------


def test_the_emergency_number_is_a_setting_used_everywhere(client: Client, settings: Any) -> None:
    settings.CLINIC_EMERGENCY_NUMBER = "112"
    home = client.get("/").content.decode()
    assert 'href="tel:112"' in home and "911" not in home
    answers = make_answers(calf_swelling=True, language="en")
    until_red_flags(client, answers)
    post_step(client, "red_flags", answers)
    page = client.get("/intake/urgent/").content.decode()
    assert "call 112 at once" in re.sub(r"<[^>]+>", "", page) and "911" not in page
    fill_screened_steps(client, answers)
    client.post("/intake/review/", {**dict.fromkeys(CONSENT, "true"), "signature": "Ana Reyes"})
    done = client.get("/intake/done/").content.decode()
    assert 'href="tel:112"' in done and "911" not in done
    run_tasks()
    body = mail.outbox[-1].body
    assert "If you get short of breath or have chest pain, call 112 at once." in body
    assert "911" not in body and "within 2 working days" not in body


def test_the_emergency_box_comes_before_the_start_button(client: Client) -> None:
    home = client.get("/").content.decode()
    assert home.index("Is this an emergency?") < home.index("Start the form")


# --- guardians and children ----------------------------------------------------------------

GUARDIAN = {
    "completed_by": "parent_guardian",
    "representative_name": "Rosa Reyes",
    "representative_relationship": "Mother",
}


def test_who_fills_in_the_form_comes_first(client: Client) -> None:
    assert client.get("/intake/")["Location"] == "/intake/who/"
    assert "Who is filling in this form?" in text_of(client.get("/intake/who/"))


def test_a_guardian_must_give_their_name_and_relationship(client: Client) -> None:
    response = post_step(client, "respondent", {"completed_by": "parent_guardian"})
    assert response.status_code == 200
    assert 'id="representative_name-error"' in response.content.decode()
    assert 'id="representative_relationship-error"' in response.content.decode()
    assert post_step(client, "respondent", GUARDIAN)["Location"] == "/intake/about/"


def test_a_guardian_filling_in_for_a_12_year_old_is_asked_about_the_patient(
    client: Client,
) -> None:
    answers = make_answers(**GUARDIAN, date_of_birth=years_ago(12), first_name="Lucia")
    post_step(client, "respondent", answers)
    about = text_of(client.get("/intake/about/"))
    assert "About the patient" in about
    assert "What is the patient's first name?" in about
    assert "What is the patient's date of birth?" in about
    assert post_step(client, "about", answers)["Location"] == "/intake/pain/"
    assert "answer every question about the patient" in text_of(client.get("/intake/pain/"))
    fill_screened_steps(client, answers)
    review = text_of(client.get("/intake/review/"))
    assert "I am the patient's parent or legal guardian" in review
    assert "Type your own full name to sign for the patient." in review
    response = client.post(
        "/intake/review/", {**dict.fromkeys(CONSENT, "true"), "signature": "Rosa Reyes"}
    )
    assert response["Location"] == "/intake/done/"
    submission = Submission.objects.get()
    assert submission.answers["representative_relationship"] == "Mother"
    assert submission.signature == "Rosa Reyes"
    assert "minor" in [f["rule"] for f in submission.screenings.get().findings]


def test_a_16_year_old_alone_is_asked_to_hand_over_to_a_guardian(client: Client) -> None:
    answers = make_answers(date_of_birth=years_ago(16))
    post_step(client, "respondent", answers)
    response = post_step(client, "about", answers)
    assert response["Location"] == "/intake/guardian/"
    page = client.get("/intake/guardian/")
    assert "A parent or guardian needs to fill in this form" in text_of(page)
    # The form does not go on without a guardian.
    assert client.get("/intake/pain/")["Location"] == "/intake/guardian/"
    assert client.get("/intake/review/")["Location"] == "/intake/guardian/"

    response = client.post("/intake/guardian/")
    assert response["Location"] == "/intake/who/"
    draft = draft_of(client)
    assert draft.answers["completed_by"] == "parent_guardian"
    assert draft.answers["first_name"] == "Ana"  # the patient's answers are kept
    assert post_step(client, "respondent", GUARDIAN)["Location"] == "/intake/about/"
    assert post_step(client, "about", answers)["Location"] == "/intake/pain/"


def test_an_18_year_old_fills_in_the_form_alone(client: Client) -> None:
    answers = make_answers(date_of_birth=years_ago(18))
    post_step(client, "respondent", answers)
    assert post_step(client, "about", answers)["Location"] == "/intake/pain/"


def test_a_baby_cannot_be_seen_through_the_form(client: Client, settings: Any) -> None:
    answers = make_answers(**GUARDIAN, date_of_birth=years_ago(0, days=28))
    post_step(client, "respondent", answers)
    assert post_step(client, "about", answers)["Location"] == "/intake/too-young/"
    page = client.get("/intake/too-young/")
    assert page.status_code == 200
    assert "We cannot treat children under 5 through this form." in text_of(page)
    assert f'href="tel:{settings.CLINIC_PHONE}"' in page.content.decode()
    assert client.get("/intake/pain/")["Location"] == "/intake/too-young/"
    assert client.get("/intake/review/")["Location"] == "/intake/too-young/"


def test_a_5_year_old_can_be_brought_by_a_guardian(client: Client) -> None:
    answers = make_answers(**GUARDIAN, date_of_birth=years_ago(5))
    post_step(client, "respondent", answers)
    assert post_step(client, "about", answers)["Location"] == "/intake/pain/"


def test_the_guardian_pages_are_in_spanish(client: Client, settings: Any) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    answers = make_answers(date_of_birth=years_ago(16))
    post_step(client, "respondent", answers)
    post_step(client, "about", answers)
    assert "Un padre, una madre o un tutor debe llenar" in text_of(client.get("/intake/guardian/"))
