"""The patient questionnaire in real Chromium at phone size, checked with axe-core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core import mail

from intake.models import Submission
from intake.questions import SECTIONS_BY_CODE, Question
from intake.steps import SCALE_MAX
from screening import RULES_BY_ID
from tests.answers import CONSENT, make_answers
from tests.helpers import assert_no_axe_violations, run_tasks
from tests.intake_steps import resume_link

SCREENED = ("respondent", "about", "pain", "red_flags", "needling")


@pytest.fixture(autouse=True)
def _http_cookies(settings: Any, transactional_db: None, live_server: Any) -> None:
    # The live server speaks plain http; secure-only cookies would never come back.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.CLINIC_SITE_URL = live_server.url  # emailed links point at the live server


def option_index(question: Question, value: Any) -> int:
    if question.kind == "bool":
        return 0 if value else 1
    if question.kind == "int":
        return int(value)
    return [v for v, _label in question.choices].index(value)


def is_scale(question: Question) -> bool:
    return question.kind == "int" and question.max_value == SCALE_MAX


def fill_step(page: Any, section: str, answers: dict[str, Any]) -> None:
    """Answer a step by tapping and typing, in the catalogue's order (conditions first)."""
    for q in SECTIONS_BY_CODE[section].questions:
        if q.code not in answers:
            continue
        value = answers[q.code]
        folded = page.locator(f"details:not([open]):has(#q-{q.code})")
        if folded.count():
            folded.locator("summary").click()  # skippable questions are folded: open them
        if q.kind in ("bool", "choice") or is_scale(q):
            if q.must_be_true:
                page.check(f"#id_{q.code}")
            else:
                page.click(f"label[for=id_{q.code}_{option_index(q, value)}]")
        elif q.kind == "multi":
            for item in value:
                page.check(f"#id_{q.code}_{option_index(q, item)}")
        else:
            if q.code in ("height_cm", "weight_kg"):
                page.check(f"#id_{q.code}_unit_{q.code[-2:]}")  # type in the metric unit
            page.fill(f"#id_{q.code}", str(value))


def next_step(page: Any, name: str = "Next") -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def shot(page: Any, artifacts_dir: Path, name: str) -> None:
    page.screenshot(path=str(artifacts_dir / f"intake-{name}.png"), full_page=True)


def walk_to_confirmation(
    page: Any, live_server: Any, artifacts_dir: Path, answers: dict[str, Any], prefix: str
) -> None:
    page.goto(live_server.url + "/")
    # The first step's question is on the landing page; its button starts the form.
    fill_step(page, SCREENED[0], answers)
    shot(page, artifacts_dir, f"{prefix}-1-{SCREENED[0]}")
    assert_no_axe_violations(page)
    next_step(page, "Start the form")
    for number, section in enumerate(SCREENED[1:], start=2):
        assert page.get_by_text(f"Step {number} of 6").is_visible()
        fill_step(page, section, answers)
        shot(page, artifacts_dir, f"{prefix}-{number}-{section}")
        assert_no_axe_violations(page)
        next_step(page)
        if "/intake/urgent/" in page.url:
            # Urgent advice as soon as it is certain; this patient chooses to finish the form.
            assert_no_axe_violations(page)
            with page.expect_navigation():
                page.get_by_role("link", name="Finish the form").click()
    assert page.get_by_text("Step 6 of 6").is_visible()
    fill_step(page, "consent", CONSENT)
    shot(page, artifacts_dir, f"{prefix}-6-review")
    assert_no_axe_violations(page)
    next_step(page, "Sign and send my answers")
    assert "/intake/done/" in page.url
    shot(page, artifacts_dir, f"{prefix}-7-confirmation")
    assert_no_axe_violations(page)


def test_an_eligible_patient_goes_from_the_landing_page_to_confirmation(
    page: Any, live_server: Any, artifacts_dir: Path
) -> None:
    walk_to_confirmation(page, live_server, artifacts_dir, make_answers(), "eligible")
    submission = Submission.objects.get()
    assert submission.outcome == "eligible"
    assert page.get_by_text(submission.reference).is_visible()
    assert page.get_by_role("alert").count() == 0
    run_tasks()
    assert len(mail.outbox) == 1


def test_an_urgent_patient_sees_the_safety_advice_first(
    page: Any, live_server: Any, artifacts_dir: Path
) -> None:
    answers = make_answers(cold_pale_foot=True, diabetes=True, numb_feet=False)
    walk_to_confirmation(page, live_server, artifacts_dir, answers, "urgent")
    alert = page.get_by_role("alert")
    assert alert.is_visible()
    assert RULES_BY_ID["ischaemia_signs"].safety_advice() in alert.inner_text()
    assert alert.get_by_role("link", name="Call 911 now").get_attribute("href") == "tel:911"
    top = page.evaluate("document.querySelector('main').innerText")
    assert top.index("Do not wait for our call") < top.index("Your reference")


def test_a_mistake_is_shown_on_every_step_and_corrected(
    page: Any, live_server: Any, artifacts_dir: Path
) -> None:
    answers = make_answers(diabetes=True, numb_feet=False)
    page.goto(live_server.url + "/intake/")
    for section in (*SCREENED, "consent"):
        # Nothing answered: the error summary appears and takes the focus.
        next_step(page, "Sign and send my answers" if section == "consent" else "Next")
        summary = page.locator("#error-summary")
        assert summary.is_visible()
        assert page.evaluate("document.activeElement.id") == "error-summary"
        assert_no_axe_violations(page)
        if section == "about":
            shot(page, artifacts_dir, "mistake-1-about-errors")
            page.fill("#id_email", "ana.reyes@example")
            fill_step(page, section, {k: v for k, v in answers.items() if k != "email"})
            next_step(page)
            assert "valid email address" in summary.inner_text()
            summary.get_by_role("link").first.click()
            assert page.evaluate("document.activeElement.id") == "id_email"
            page.fill("#id_email", "ana.reyes@example.com")
            next_step(page)
        else:
            fill_step(page, section, CONSENT if section == "consent" else answers)
            if section == "red_flags":
                # The conditional question appears only once diabetes is answered Yes.
                assert page.locator("#q-numb_feet").is_visible()
                page.click("label[for=id_diabetes_1]")
                assert page.locator("#q-numb_feet").is_hidden()
                page.click("label[for=id_diabetes_0]")
                page.click("label[for=id_numb_feet_1]")
            next_step(page, "Sign and send my answers" if section == "consent" else "Next")
        assert page.locator("#error-summary").count() == 0, section
    assert "/intake/done/" in page.url
    assert Submission.objects.get().answers["numb_feet"] is False


def test_leaving_after_step_two_and_resuming_from_the_emailed_link_on_another_device(
    page: Any, live_server: Any, artifacts_dir: Path, browser: Any
) -> None:
    answers = make_answers(prior_treatments=["stretching", "insoles"], height_cm=170.5)
    page.goto(live_server.url + "/intake/")
    fill_step(page, "respondent", answers)
    next_step(page)
    fill_step(page, "about", answers)
    next_step(page)
    fill_step(page, "pain", answers)
    next_step(page)
    page.get_by_role("button", name="Save and finish later").click()
    assert page.locator("#id_email").input_value() == "ana.reyes@example.com"
    shot(page, artifacts_dir, "later-1-email")
    assert_no_axe_violations(page)
    next_step(page, "Email me a link")
    assert page.get_by_text("Check your email").first.is_visible()
    assert_no_axe_violations(page)
    run_tasks()
    link = resume_link(str(mail.outbox[-1].body))

    other = browser.new_context(viewport={"width": 390, "height": 844})
    phone = other.new_page()
    assert link.startswith(live_server.url)  # emailed links follow CLINIC_SITE_URL
    phone.goto(link)
    assert_no_axe_violations(phone)
    next_step(phone, "Continue my form")
    assert phone.url.endswith("/intake/red-flags/")
    shot(phone, artifacts_dir, "later-2-resumed")
    # Reflow: at 320 CSS pixels wide (a small phone, or 400% zoom) nothing scrolls sideways.
    for url in ("/intake/pain/", "/intake/red-flags/"):
        phone.set_viewport_size({"width": 320, "height": 640})
        phone.goto(live_server.url + url)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 320, url
    shot(phone, artifacts_dir, "later-3-320px")
    phone.set_viewport_size({"width": 390, "height": 844})
    next_step(phone, "Back")
    assert phone.locator("#id_height_cm").input_value() == "170.5"
    assert phone.locator("#id_nprs_worst_8").is_checked()
    assert phone.locator("#id_prior_treatments_0").is_checked()
    next_step(phone, "Back")
    assert phone.locator("#id_first_name").input_value() == "Ana"
    assert phone.locator("#id_date_of_birth").input_value() == "1983-09-30"
    assert phone.locator("#id_language_1").is_checked()
    # The link worked once; opened again it explains how to get a new one.
    phone.goto(link)
    assert phone.get_by_role("heading", name="This link no longer works").is_visible()
    assert_no_axe_violations(phone)
    other.close()


def keyboard_fill(page: Any, answers: dict[str, Any], *, until: str) -> None:
    """Tab through the page answering with the keyboard alone, then press Enter on `until`."""
    done: set[str] = set()
    for _ in range(400):
        page.keyboard.press("Tab")
        active = page.evaluate(
            "(() => { const e = document.activeElement;"
            " return {name: e.name || '', type: e.type || '', value: e.value || '',"
            " text: (e.innerText || '').trim()}; })()"
        )
        if active["text"] == until:
            with page.expect_navigation():
                page.keyboard.press("Enter")
            return
        code = active["name"]
        if code not in answers or (code in done and active["type"] == "radio"):
            continue
        value = answers[code]
        if active["type"] in ("radio",):
            wanted = "true" if value is True else "false" if value is False else str(value)
            if active["value"] == wanted:
                page.keyboard.press("Space")
            for _step in range(12):
                if page.evaluate("document.activeElement.value") == wanted:
                    break
                page.keyboard.press("ArrowRight")
            done.add(code)
        elif active["type"] == "checkbox":
            wanted_list = value if isinstance(value, list) else ["true"]
            if active["value"] in wanted_list:
                page.keyboard.press("Space")
        elif active["type"] == "date":
            year, month, day = str(value).split("-")
            page.keyboard.type(month + day + year)
        else:
            page.keyboard.type(str(value))
    raise AssertionError(f"never reached the {until!r} button")


def test_the_whole_form_can_be_completed_with_the_keyboard_alone(
    page: Any, live_server: Any, artifacts_dir: Path
) -> None:
    answers = make_answers(prior_treatments=["stretching"], diabetes=True, numb_feet=False)
    page.goto(live_server.url + "/intake/")
    for _section in SCREENED:
        keyboard_fill(page, answers, until="Next")
        assert page.locator("#error-summary").count() == 0, page.locator("main").inner_text()
    keyboard_fill(page, CONSENT, until="Sign and send my answers")
    assert "/intake/done/" in page.url, page.locator("main").inner_text()
    shot(page, artifacts_dir, "keyboard-confirmation")
    submission = Submission.objects.get()
    assert submission.answers == {**answers, **CONSENT}
