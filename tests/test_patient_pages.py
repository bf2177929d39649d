"""The patient journey (issue #15): pages that stay true after a booking, one way to build
emailed links, the clinic's address and what to bring, the favicon, compressed pages, and
dates, times and numbers in the patient's own language."""

from __future__ import annotations

import gzip
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from clinic.links import absolute_url
from consults.booking import (
    book_consult,
    booking_path,
    consult_from_manage_token,
    manage_path,
    send_booking_invite,
)
from consults.models import Consult, Location
from intake import drafts
from tests.helpers import run_tasks
from tests.scheduling import at, make_case, make_profile, next_monday

pytestmark = pytest.mark.django_db

OTHER_SITE = "http://127.0.0.1:8080"


def slot_value(chiro: Any, starts_at: Any) -> str:
    return f"{chiro.pk}|{starts_at.isoformat()}"


def patient_with_submission(submission: Any) -> Client:
    """A browser session that sent `submission` (the confirmation page reads the session)."""
    client = Client()
    session = client.session
    drafts.remember_submission(session, submission)
    session.save()
    return client


# 3. Pages that stay true ------------------------------------------------------------------


def test_the_confirmation_page_shows_the_booked_time_after_a_reload() -> None:
    chiro = make_profile()
    submission = make_case()
    client = patient_with_submission(submission)
    before = client.get("/intake/done/").content.decode()
    assert "Book your consult" in before and "contact you within 2 working days" in before
    response = client.post(
        booking_path(submission), {"slot": slot_value(chiro, at(next_monday(), 10))}
    )
    assert response.status_code == 302
    consult = Consult.objects.get()
    for _reload in range(2):
        page = client.get("/intake/done/")
        text = page.content.decode()
        assert page.status_code == 200
        assert "You have booked:" in text and "10:00 AM" in text
        assert opens(text) == consult
        assert "Book your consult" not in text and "contact you within" not in text


def test_a_used_booking_link_shows_the_booking_with_its_manage_link() -> None:
    chiro = make_profile()
    submission = make_case()
    url = booking_path(submission)
    Client().post(url, {"slot": slot_value(chiro, at(next_monday(), 10))})
    consult = Consult.objects.get()
    page = Client().get(url)
    text = page.content.decode()
    assert page.status_code == 200
    assert "You have booked:" in text and "does not work" not in text
    assert opens(text) == consult


def opens(text: str) -> Consult | None:
    """The consult the page's manage link opens (a link made now may differ by its timestamp)."""
    match = re.search(r"/consult/appointment/([^/\s\"]+)/", text)
    assert match, text
    return consult_from_manage_token(match.group(1))


def test_a_forged_or_spent_booking_link_still_says_it_does_not_work() -> None:
    assert Client().get("/consult/book/forged:1abc:def/").status_code == 404
    chiro = make_profile()
    submission = make_case()
    url = booking_path(submission)
    Client().post(url, {"slot": slot_value(chiro, at(next_monday(), 10))})
    Consult.objects.update(status=Consult.Status.CANCELLED, cancelled_at=timezone.now())
    page = Client().get(url)
    assert page.status_code == 404 and "This link does not work" in page.content.decode()


# 5. One way to build links, and the clinic's place ----------------------------------------


def test_every_emailed_link_follows_clinic_site_url(settings: Any) -> None:
    settings.CLINIC_SITE_URL = OTHER_SITE
    chiro = make_profile()
    submission = make_case()
    assert send_booking_invite(submission=submission, by=None)
    book_consult(
        submission=submission, chiropractor=chiro, starts_at=at(next_monday(), 10), by=None
    )
    run_tasks()
    booking_email, confirmation = mail.outbox
    assert f"{OTHER_SITE}/consult/book/" in str(booking_email.body)
    assert f"{OTHER_SITE}/consult/appointment/" in str(confirmation.body)
    assert "127.0.0.1:8000" not in str(booking_email.body) + str(confirmation.body)


def test_the_resume_link_follows_clinic_site_url_not_the_request_host(settings: Any) -> None:
    settings.CLINIC_SITE_URL = OTHER_SITE
    client = Client(HTTP_HOST="localhost")
    client.post("/intake/about/", {"first_name": "Ana", "action": "later"})
    response = client.post("/intake/later/", {"email": "ana.reyes@example.com"})
    assert response.status_code == 302
    run_tasks()
    assert f"{OTHER_SITE}/intake/resume/" in str(mail.outbox[-1].body)


def test_absolute_url_refuses_a_path_without_its_slash(settings: Any) -> None:
    settings.CLINIC_SITE_URL = OTHER_SITE + "/"
    assert absolute_url("/x/") == f"{OTHER_SITE}/x/"
    with pytest.raises(ValueError):
        absolute_url("x/")


def test_make_run_passes_the_port_to_the_site_url() -> None:
    from pathlib import Path

    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text()
    assert "CLINIC_SITE_URL ?= http://127.0.0.1:$(PORT)" in makefile


def test_the_address_directions_and_what_to_bring_appear_on_pages_emails_and_the_invite(
    settings: Any,
) -> None:
    # The clinic's one location holds the address (made from the settings by the migration).
    Location.objects.update(
        address="12 Elm Road\nRiverside, CA 92501", directions="Ground floor, next to the bakery."
    )
    chiro = make_profile()
    submission = make_case()
    client = patient_with_submission(submission)
    client.post(booking_path(submission), {"slot": slot_value(chiro, at(next_monday(), 10))})
    consult = Consult.objects.get()
    pages = [client.get("/intake/done/"), client.get(manage_path(consult))]
    pages.append(Client().get(booking_path(make_case())))
    for page in pages:
        text = page.content.decode()
        assert "12 Elm Road<br>Riverside, CA 92501" in text
        assert "Ground floor, next to the bakery." in text
        assert "The shoes you usually wear" in text and "A list of the medicines" in text
    run_tasks()
    body = str(mail.outbox[-1].body)
    assert "12 Elm Road\nRiverside, CA 92501" in body and "Any insoles" in body
    ics = mail.outbox[-1].attachments[0][1]
    event = Calendar.from_ical(ics).walk("VEVENT")[0]
    assert str(event["location"]) == "Heel Pain Clinic, 12 Elm Road, Riverside, CA 92501"


def test_the_privacy_page_gives_the_clinic_email_address(settings: Any) -> None:
    settings.CLINIC_EMAIL = "privacy@clinic.example"
    text = Client().get("/privacy/").content.decode()
    assert 'href="mailto:privacy@clinic.example"' in text


def test_favicon_ico_redirects_to_the_static_icon_and_pages_link_it() -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code == 301
    icon = Client().get(response["Location"])
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content).startswith(b"\x00\x00\x01\x00")  # type: ignore[attr-defined]
    assert 'rel="icon"' in Client().get("/").content.decode()


def test_pages_are_gzipped_for_browsers_that_accept_it() -> None:
    response = Client().get("/intake/about/", HTTP_ACCEPT_ENCODING="gzip, br")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    html = gzip.decompress(response.content).decode()
    assert "<html" in html
    assert len(response.content) < len(html) / 3
    plain = Client().get("/intake/about/")
    assert not plain.has_header("Content-Encoding")


def test_brotli_is_installed_so_whitenoise_stores_br_copies() -> None:
    import brotli  # noqa: F401
    from whitenoise.compress import Compressor

    assert Compressor(use_brotli=True).use_brotli


# 4. Formats people use ----------------------------------------------------------------------


def spanish() -> Any:
    from django.utils import translation

    return translation.override("es")


def pain_post(**extra: str) -> dict[str, Any]:
    from tests.answers import make_answers
    from tests.intake_steps import step_data

    answers = make_answers()
    answers.pop("height_cm", None)
    answers.pop("weight_kg", None)
    return step_data("pain", answers, **extra)


def pain_answers(client: Client, **extra: str) -> tuple[Any, dict[str, Any]]:
    """Post the pain step with `extra` fields; the draft's answers after it."""
    from intake.models import Draft

    response = client.post("/intake/pain/", pain_post(**extra))
    draft = Draft.objects.order_by("-created_at").first()
    return response, (draft.answers if draft else {})


@pytest.mark.parametrize(
    ("fields", "height"),
    [
        ({"height_unit": "ftin", "height_ft": "5", "height_in": "11.5"}, 181.6),
        ({"height_unit": "ftin", "height_ft": "6", "height_in": "0"}, 182.9),
        ({"height_unit": "ftin", "height_ft": "6", "height_in": ""}, 182.9),
        ({"height_unit": "ftin", "height_ft": "", "height_in": "70"}, 177.8),
        ({"height_unit": "cm", "height_cm": "172.5"}, 172.5),
        ({"height_cm": "172.5"}, 172.5),  # no unit posted: centimeters, as before
    ],
)
def test_height_in_feet_and_inches_or_centimeters_is_stored_in_cm(
    fields: dict[str, str], height: float
) -> None:
    response, answers = pain_answers(Client(), **fields)
    assert response.status_code == 302, response.content.decode()
    assert answers["height_cm"] == height


def test_250_pounds_is_stored_as_113_4_kg_and_kilograms_stay_kilograms() -> None:
    _response, answers = pain_answers(Client(), weight_unit="lb", weight_lb="250")
    assert answers["weight_kg"] == 113.4
    _response, answers = pain_answers(Client(), weight_unit="kg", weight_kg="80")
    assert answers["weight_kg"] == 80


def test_spanish_accepts_comma_decimals_in_every_unit() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    fields = {"height_unit": "cm", "height_cm": "172,5", "weight_unit": "kg", "weight_kg": "72,5"}
    _response, answers = pain_answers(client, **fields)
    assert answers["height_cm"] == 172.5 and answers["weight_kg"] == 72.5
    fields = {"height_unit": "ftin", "height_ft": "5", "height_in": "11,5"}
    _response, answers = pain_answers(client, **fields)
    assert answers["height_cm"] == 181.6


def test_an_english_comma_is_refused_with_a_plain_example() -> None:
    response, _answers = pain_answers(Client(), height_unit="cm", height_cm="72,5")
    assert response.status_code == 200
    assert "Please enter a number, like 7 or 7.5." in response.content.decode()


def test_out_of_range_heights_and_weights_are_told_in_the_unit_typed() -> None:
    response, _answers = pain_answers(
        Client(),
        height_unit="ftin",
        height_ft="9",
        height_in="0",
        weight_unit="lb",
        weight_lb="900",
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "Please enter a height from 1 ft 8 in to 8 ft 2 in." in text
    assert "Please enter a weight from 45 to 771 pounds." in text
    response, _answers = pain_answers(Client(), height_unit="cm", height_cm="300")
    assert "Please enter a number from 50 to 250." in response.content.decode()
    response, _answers = pain_answers(Client(), height_unit="ftin", height_ft="five")
    assert "Please enter a number, like 7 or 7.5." in response.content.decode()


def test_the_form_shows_the_clinics_units_first_and_a_stored_height_in_them(settings: Any) -> None:
    client = Client()
    pain_answers(client, height_unit="cm", height_cm="181.6", weight_unit="kg", weight_kg="68")
    page = client.get("/intake/pain/").content.decode()
    assert 'id="id_height_cm_unit_ftin" value="ftin" checked' in page
    assert 'name="height_ft" id="id_height_ft" value="5"' in page
    assert 'name="height_in" id="id_height_in" value="11.5"' in page
    assert 'name="weight_lb" id="id_weight_lb" value="149.9"' in page
    settings.CLINIC_UNITS = "metric"
    page = client.get("/intake/pain/").content.decode()
    assert 'id="id_height_cm_unit_cm" value="cm" checked' in page


def test_date_errors_use_the_patients_language_and_date_form() -> None:
    from intake.questions import validate_answers
    from tests.answers import SCREENING_DATE, make_answers

    answers = make_answers(date_of_birth="2027-01-01")
    _cleaned, errors = validate_answers(answers, screening_date=SCREENING_DATE, sections=("about",))
    assert errors["date_of_birth"] == ["This date can't be later than Friday, November 20, 2026."]
    with spanish():
        _cleaned, errors = validate_answers(
            answers, screening_date=SCREENING_DATE, sections=("about",)
        )
    assert "viernes 20 de noviembre de 2026" in errors["date_of_birth"][0]


def test_an_unticked_consent_box_asks_for_a_tick() -> None:
    from intake.questions import validate_answers
    from tests.answers import SCREENING_DATE

    _cleaned, errors = validate_answers({}, screening_date=SCREENING_DATE, sections=("consent",))
    assert errors["consent_privacy"] == ["Please tick this box to go on."]
    _cleaned, errors = validate_answers(
        {"consent_privacy": False}, screening_date=SCREENING_DATE, sections=("consent",)
    )
    assert errors["consent_privacy"] == ["Please tick this box to go on."]


def test_the_slot_picker_and_the_confirmations_use_one_time_format() -> None:
    chiro = make_profile()
    submission = make_case()
    url = booking_path(submission)
    picker = Client().get(url, {"day": next_monday().isoformat()}).content.decode()
    assert "10:00 AM" in picker and ">10:00<" not in picker
    Client().post(url, {"slot": slot_value(chiro, at(next_monday(), 10))})
    consult = Consult.objects.get()
    assert "10:00 AM" in Client().get(manage_path(consult)).content.decode()
    run_tasks()
    assert "10:00 AM" in str(mail.outbox[-1].body)


def test_spanish_pages_and_emails_write_dates_in_spanish_with_lowercase_months() -> None:
    chiro = make_profile()
    submission = make_case()
    submission.language = "es"
    submission.save()
    url = booking_path(submission)
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    picker = client.get(url, {"day": next_monday().isoformat()}).content.decode()
    with spanish():
        from clinic.dates import long_day, short_day

        day_button, heading = short_day(next_monday()), long_day(next_monday())
    assert day_button in picker and heading in picker and "10:00" in picker
    assert "10:00 AM" not in picker  # the 24-hour clock in Spanish
    assert day_button == day_button.lower()
    client.post(url, {"slot": slot_value(chiro, at(next_monday(), 10))})
    run_tasks()
    body = str(mail.outbox[-1].body)
    assert "lunes" in body and " de " in body and ", 10:00" in body
    months = [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ]
    assert any(month in body for month in months)
    assert not any(month.title() in body for month in months)


def test_the_review_shows_height_and_weight_in_both_units() -> None:
    from intake import units

    assert units.describe("height_cm", 181.6) == "181.6 cm (5 ft 11.5 in)"
    assert units.describe("weight_kg", 113.4) == "113.4 kg (250 lb)"
    assert units.feet_inches(182.88) == (6, 0.0)


# 6. Shorter on a phone: the page weight ----------------------------------------------------


def test_a_step_page_with_its_css_and_script_weighs_under_100_kb_as_served() -> None:
    """The pain step (the longest) as a phone downloads it: the HTML gzipped by Django, each
    stylesheet and script brotli-compressed as whitenoise serves them once collected."""
    import re

    import brotli
    from django.contrib.staticfiles import finders

    response = Client().get("/intake/pain/", HTTP_ACCEPT_ENCODING="gzip")
    total = len(response.content)
    html = gzip.decompress(response.content).decode()
    assets = re.findall(r'(?:href|src)="/static/([^"]+\.(?:css|js|svg|ico))"', html)
    assert any(a.endswith(".css") for a in assets) and any(a.endswith(".js") for a in assets)
    for asset in assets:
        path = finders.find(asset)
        assert path, asset
        with open(str(path), "rb") as f:
            total += len(brotli.compress(f.read()))
    assert total < 100 * 1024, total


def test_a_blank_height_shows_the_clinics_unit_even_after_another_clinic_unit_was_shown(
    settings: Any,
) -> None:
    # Blank questions are rendered once and reused (intake/steps.py): the unit is in that key.
    from tests.answers import make_answers
    from tests.intake_steps import post_step

    client = Client()
    for section in ("respondent", "about"):
        assert post_step(client, section, make_answers()).status_code == 302
    settings.CLINIC_UNITS = "us"
    page = client.get("/intake/pain/").content.decode()
    assert 'id="id_height_cm_unit_ftin" value="ftin" checked' in page
    assert 'name="height_ft" id="id_height_ft" value=""' in page
    settings.CLINIC_UNITS = "metric"
    page = client.get("/intake/pain/").content.decode()
    assert 'id="id_height_cm_unit_cm" value="cm" checked' in page
    assert 'id="id_weight_kg_unit_kg" value="kg" checked' in page
