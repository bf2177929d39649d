"""Spanish: patients who ask for it get the pages, questions, messages and emails in Spanish.

The catalogue tests read locale/es/LC_MESSAGES/django.po with a small parser (no new dependency)
so that a string added without a translation, a fuzzy guess or a forgotten compilemessages
fails here instead of reaching a patient in the wrong language.
"""

from __future__ import annotations

import ast
import gettext
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import translation

from intake.demo import eligible_answers
from intake.drafts import send_receipt
from intake.questions import QUESTIONS, SECTIONS
from intake.submissions import create_submission
from screening import OUTCOME_LABELS, RULES, SAFETY_ADVICE_BY_LEVEL
from tests.helpers import run_tasks

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
PO_FILE = LOCALE_DIR / "es" / "LC_MESSAGES" / "django.po"
MO_FILE = LOCALE_DIR / "es" / "LC_MESSAGES" / "django.mo"

# Placeholders and markup that a translation must keep exactly.
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|<[^>]+>")

# Words that are the same in both languages (the translation may equal the English).
SAME_IN_SPANISH = {"No", "Diabetes", "Español", "Error:", "Agenda", "—"}


@pytest.fixture(autouse=True)
def _back_to_english() -> Iterator[None]:
    """A Spanish request leaves Spanish active in this thread; later tests expect the default."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def spanish_client() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    return client


def text_of(response: object) -> str:
    """The page's visible text with whitespace squeezed, for exact-sentence assertions."""
    html = response.content.decode()  # type: ignore[attr-defined]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- Pages ----------------------------------------------------------------------------------


def test_the_landing_page_is_in_spanish_when_the_browser_asks_for_spanish() -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="es").get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="es">' in html
    assert "¿Le duele el talón? Veamos cómo podemos ayudarle." in html
    assert "Empezar el formulario" in html
    assert 'Llame al <a href="tel:911">911</a> o vaya ahora mismo' in html
    assert "Heel pain? Let" not in html


def test_english_stays_the_default() -> None:
    html = Client().get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Start the form" in html and "Empezar el formulario" not in html


@pytest.mark.django_db
def test_the_language_switch_turns_the_site_spanish() -> None:
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/intake/about/"})
    assert response.status_code == 302 and response["Location"] == "/intake/about/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert "¿Cuál es su nombre?" in client.get("/intake/about/").content.decode()
    # And back again.
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "What is your first name?" in client.get("/intake/about/").content.decode()


@pytest.mark.django_db
def test_the_first_intake_step_is_in_spanish() -> None:
    client = spanish_client()
    assert client.get("/intake/")["Location"] == "/intake/who/"
    assert "Quién llena el formulario" in text_of(client.get("/intake/who/"))
    response = client.get("/intake/about/")
    text = text_of(response)
    assert response.status_code == 200
    assert "Sobre usted" in text
    assert "Paso 2 de" in text
    assert "¿Cuál es su nombre?" in text
    assert "¿Cuál es su fecha de nacimiento?" in text
    assert "Llamada telefónica" in text and "Mensaje de texto" in text
    assert "Guardar y terminar después" in text
    assert "What is your" not in text


@pytest.mark.django_db
def test_the_question_steps_show_spanish_choices() -> None:
    client = spanish_client()
    client.get("/intake/about/")
    text = text_of(client.get("/intake/pain/"))
    assert "¿En qué parte del talón le duele más?" in text
    assert "De 2 a 6 semanas" in text
    assert "0 significa sin dolor. 10 significa el peor dolor que se pueda imaginar." in text


@pytest.mark.django_db
def test_error_messages_are_in_spanish() -> None:
    client = spanish_client()
    client.get("/intake/about/")
    response = client.post("/intake/about/", {"first_name": "Ana", "email": "ana at example"})
    text = text_of(response)
    assert response.status_code == 200
    assert "Revise estas respuestas" in text
    assert "Conteste esta pregunta." in text
    assert "Escriba un correo electrónico válido, como nombre@ejemplo.com." in text
    assert "Please answer this question." not in text


def test_the_not_found_page_is_in_spanish() -> None:
    response = spanish_client().get("/no-such-page/")
    text = text_of(response)
    assert response.status_code == 404
    assert "No pudimos encontrar esa página." in text
    assert "Ir a la página principal" in text


def test_the_privacy_and_dry_needling_pages_are_in_spanish() -> None:
    client = spanish_client()
    assert "Aviso de privacidad" in text_of(client.get("/privacy/"))
    assert "¿Qué es la punción seca?" in text_of(client.get("/dry-needling/"))


@pytest.mark.django_db
def test_the_receipt_email_is_in_spanish_for_a_spanish_speaking_patient() -> None:
    submission = create_submission(
        answers=eligible_answers(language="es"),
        draft_key=uuid.uuid4(),
        ip_address="192.0.2.1",
        user_agent="Test browser",
        language="es",
    )
    send_receipt(submission)
    run_tasks()
    receipt = mail.outbox[0]
    assert receipt.subject == f"Recibimos su formulario (referencia {submission.reference})"
    assert "Qué pasa ahora:" in receipt.body
    assert "En una emergencia, llame al 911." in receipt.body


def test_urgent_safety_advice_is_in_spanish() -> None:
    with translation.override("es"):
        assert translation.gettext(SAFETY_ADVICE_BY_LEVEL["now"]) == (
            "Llame al 911 o vaya ahora mismo a la sala de emergencias más cercana. "
            "No espere nuestra llamada."
        )


def test_every_question_label_help_text_and_choice_has_a_spanish_translation() -> None:
    texts = [section.title for section in SECTIONS]
    for q in QUESTIONS.values():
        texts += [q.label, q.staff_label, q.help_text, *(label for _value, label in q.choices)]
        if q.when is not None:
            texts.append(q.when.description)
    untranslated = []
    for text in texts:
        if not text:
            continue
        with translation.override("en"):
            english = str(text)
        with translation.override("es"):
            spanish = str(text)
        if spanish == english and english not in SAME_IN_SPANISH:
            untranslated.append(english)
    assert untranslated == [], "Add Spanish for these to the .po and compile it (docs: Languages)"


def test_every_screening_text_has_a_spanish_translation() -> None:
    # Screening marks its texts without translating them; gettext must still find each one.
    texts = [*OUTCOME_LABELS.values(), *SAFETY_ADVICE_BY_LEVEL.values()]
    for rule in RULES:
        texts += [rule.reason, *([rule.told] if rule.told else [])]
    with translation.override("es"):
        untranslated = [text for text in texts if translation.gettext(text) == text]
    assert untranslated == [], "Add Spanish for these to the .po and compile it (docs: Languages)"


def test_an_urgent_rule_tells_a_spanish_speaker_in_spanish_where_to_go() -> None:
    rule = next(rule for rule in RULES if rule.id == "ischaemia_signs")
    with translation.override("es"):
        advice = rule.safety_advice(translation.gettext)
    assert advice is not None
    assert advice.endswith("No espere nuestra llamada.")
    assert advice != rule.safety_advice()


# --- The catalogue --------------------------------------------------------------------------


@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    refs: list[str] = field(default_factory=list)


def parse_po(path: Path) -> list[Entry]:
    """The entries of a .po file (header and obsolete entries left out)."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int] | None = None

    def finish() -> None:
        if entry.msgid:
            entries.append(entry)

    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            finish()
            entry, target = Entry(), None
        elif line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#:"):
            entry.refs += line[2:].split()
        elif line.startswith("#"):
            continue
        else:
            match = re.match(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$', line)
            value = ast.literal_eval(match.group(3) if match else line)
            if match:
                key, index = match.group(1), int(match.group(2) or 0)
                target = (key.split("[")[0], index)
                if target[0] == "msgstr":
                    entry.msgstr[index] = ""
                elif target[0] == "msgid_plural":
                    entry.msgid_plural = ""
                elif target[0] == "msgctxt":
                    entry.msgctxt = ""
            assert target is not None, line
            kind, index = target
            if kind == "msgctxt":
                entry.msgctxt = (entry.msgctxt or "") + value
            elif kind == "msgid":
                entry.msgid += value
            elif kind == "msgid_plural":
                entry.msgid_plural = (entry.msgid_plural or "") + value
            elif kind == "msgstr":
                entry.msgstr[index] += value
    return entries


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    return parse_po(PO_FILE)


def test_the_spanish_catalogue_is_complete_with_no_fuzzy_guesses(catalogue: list[Entry]) -> None:
    assert len(catalogue) > 700
    untranslated = [e.msgid for e in catalogue if not all(e.msgstr.values()) or not e.msgstr]
    fuzzy = [e.msgid for e in catalogue if "fuzzy" in e.flags]
    assert untranslated == [], "Translate these in the .po (docs: Languages)"
    assert fuzzy == [], "Check these fuzzy guesses, then remove the fuzzy flag"


def test_translations_keep_every_placeholder_and_tag(catalogue: list[Entry]) -> None:
    broken = []
    for e in catalogue:
        sources = [e.msgid] if e.msgid_plural is None else [e.msgid, e.msgid_plural]
        expected = sorted(set(PLACEHOLDER.findall(" ".join(sources))))
        for text in e.msgstr.values():
            if sorted(set(PLACEHOLDER.findall(text))) != expected:
                broken.append((e.msgid, text))
    assert broken == []


def test_the_compiled_catalogue_matches_the_po_file(catalogue: list[Entry]) -> None:
    """Catches a .po edit without compilemessages (the .mo is committed: `make run` needs it)."""
    with MO_FILE.open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = []
    for e in catalogue:
        if e.msgctxt is not None:
            if compiled.pgettext(e.msgctxt, e.msgid) != e.msgstr[0]:
                stale.append(e.msgid)
        elif e.msgid_plural is None:
            if compiled.gettext(e.msgid) != e.msgstr[0]:
                stale.append(e.msgid)
        elif compiled.ngettext(e.msgid, e.msgid_plural, 1) != e.msgstr[0]:
            stale.append(e.msgid)
    assert stale == [], "Run compilemessages and commit the .mo file (docs: Languages)"


def test_consult_dates_read_naturally_in_english_and_spanish() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from consults.templatetags.consults import long_day, when

    starts = datetime(2026, 11, 30, 16, 0, tzinfo=ZoneInfo("America/Chicago"))
    with translation.override("en"):
        assert when(starts) == "Monday, November 30, 2026, 4:00 PM"
    with translation.override("es"):
        assert when(starts) == "lunes 30 de noviembre de 2026, 16:00"
        assert long_day(starts.date()) == "lunes 30 de noviembre"
