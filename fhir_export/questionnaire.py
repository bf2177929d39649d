"""The intake as a FHIR Questionnaire, generated from the question catalogue, and the way back.

Nothing here is written by hand per question: each catalogue question becomes one item whose
linkId is its code, its choices become coded answer options, and its `when=` an enableWhen. The
version is a hash of the generated items, so any change to the catalogue gives a new version.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from clinic.links import absolute_url
from intake.questions import QUESTIONS, SECTIONS, Question
from intake.questions.catalogue import NONE_VALUE, Condition

from .links import system

# The catalogue's answer kinds as Questionnaire item types (R4B) and answer value keys.
ITEM_TYPES = {
    "text": "string",
    "email": "string",
    "phone": "string",
    "date": "date",
    "bool": "boolean",
    "choice": "choice",
    "multi": "choice",
    "int": "integer",
    "decimal": "decimal",
}
VALUE_KEYS = {
    "text": "valueString",
    "email": "valueString",
    "phone": "valueString",
    "date": "valueDate",
    "bool": "valueBoolean",
    "choice": "valueCoding",
    "multi": "valueCoding",
    "int": "valueInteger",
    "decimal": "valueDecimal",
}
# Free text longer than this is a multi-line "text" item rather than a one-line "string".
LONG_TEXT = 250
ENABLE_WHEN_OPERATORS = {"equals": "=", "not_equals": "!=", "contains": "="}
EXT = "http://hl7.org/fhir/StructureDefinition/"
ITEM_CONTROL = "http://hl7.org/fhir/questionnaire-item-control"


def answer_system(code: str) -> str:
    """The code system of one question's answer codes (codes repeat across questions)."""
    return system(f"CodeSystem/intake-answer/{code}")


def canonical_url() -> str:
    return absolute_url(reverse("fhir:questionnaire"))


def answer_coding(code: str, value: str) -> dict[str, str]:
    question = QUESTIONS[code]
    return {"system": answer_system(code), "code": value, "display": question.choice_label(value)}


def _limit(question: Question, which: str, value: float | None) -> list[dict[str, Any]]:
    if value is None:
        return []
    key = "valueInteger" if question.kind == "int" else "valueDecimal"
    return [{"url": f"{EXT}{which}", key: value}]


def _enable_when(condition: Condition) -> dict[str, Any]:
    source = QUESTIONS[condition.code]
    rule: dict[str, Any] = {
        "question": condition.code,
        "operator": ENABLE_WHEN_OPERATORS[condition.op],
    }
    if source.kind == "bool":
        rule["answerBoolean"] = condition.value
    else:
        rule["answerCoding"] = {"system": answer_system(source.code), "code": condition.value}
    return rule


def _option(question: Question, value: str, label: Any) -> dict[str, Any]:
    option: dict[str, Any] = {
        "valueCoding": {
            "system": answer_system(question.code),
            "code": value,
            "display": str(label),
        }
    }
    if question.kind == "multi" and value == NONE_VALUE:
        # "None of these" cannot be ticked together with another option.
        option["extension"] = [{"url": f"{EXT}questionnaire-optionExclusive", "valueBoolean": True}]
    return option


def _help(question: Question) -> list[dict[str, Any]]:
    if not question.help_text:
        return []
    control = {"coding": [{"system": ITEM_CONTROL, "code": "help"}]}
    return [
        {
            "linkId": f"{question.code}.help",
            "type": "display",
            "text": str(question.help_text),
            "extension": [
                {"url": f"{EXT}questionnaire-itemControl", "valueCodeableConcept": control}
            ],
        }
    ]


def question_item(question: Question) -> dict[str, Any]:
    item_type = ITEM_TYPES[question.kind]
    if question.kind == "text" and (question.max_length or 0) > LONG_TEXT:
        item_type = "text"
    item: dict[str, Any] = {
        "linkId": question.code,
        "text": str(question.label),
        "type": item_type,
        "required": question.required,
    }
    if question.kind == "multi":
        item["repeats"] = True
    if question.max_length and item_type == "string":
        item["maxLength"] = question.max_length
    extensions = _limit(question, "minValue", question.min_value)
    extensions += _limit(question, "maxValue", question.max_value)
    if extensions:
        item["extension"] = extensions
    if question.when is not None:
        item["enableWhen"] = [_enable_when(question.when)]
    if question.choices:
        item["answerOption"] = [_option(question, v, label) for v, label in question.choices]
    if help_items := _help(question):
        item["item"] = help_items
    return item


def _items() -> tuple[str, str]:
    return _items_for(settings.CLINIC_SITE_URL)


@cache
def _items_for(site_url: str) -> tuple[str, str]:
    """The items as JSON, and their version (a hash); English, whatever the request's language.

    Cached per site address, which the answer code systems' URIs contain."""
    with translation.override("en"):
        items = [
            {
                "linkId": section.code,
                "text": str(section.title),
                "type": "group",
                "item": [question_item(q) for q in section.questions],
            }
            for section in SECTIONS
        ]
    text = json.dumps(items, sort_keys=True, ensure_ascii=False)
    # The clinic's address is in the answer code systems' URIs, not part of the catalogue.
    content = text.replace(site_url, "")
    return text, hashlib.sha256(content.encode()).hexdigest()[:12]


def catalogue_version() -> str:
    """Changes whenever a question, its wording, its choices or its condition changes."""
    return _items()[1]


def questionnaire_reference() -> str:
    """The canonical reference a QuestionnaireResponse gives: url|version."""
    return f"{canonical_url()}|{catalogue_version()}"


def questionnaire() -> dict[str, Any]:
    text, version = _items()
    return {
        "resourceType": "Questionnaire",
        "id": "intake",
        "url": canonical_url(),
        "version": version,
        "name": "HeelPainIntake",
        "title": "Heel pain intake",
        "status": "active",
        "subjectType": ["Patient"],
        "language": "en",
        "item": json.loads(text),
    }


def response_items(answers: dict[str, Any]) -> list[dict[str, Any]]:
    """QuestionnaireResponse items for stored answers, grouped by section as the Questionnaire."""
    groups = []
    for section in SECTIONS:
        items = [
            {"linkId": q.code, "text": str(q.staff_label), "answer": _answers(q, answers[q.code])}
            for q in section.questions
            if answers.get(q.code) not in (None, "", [])
        ]
        if items:
            groups.append({"linkId": section.code, "item": items})
    return groups


def _answers(question: Question, value: Any) -> list[dict[str, Any]]:
    key = VALUE_KEYS[question.kind]
    if question.kind == "multi":
        return [{key: answer_coding(question.code, v)} for v in value]
    if question.kind == "choice":
        return [{key: answer_coding(question.code, value)}]
    return [{key: value}]


def answers_from_response(response: dict[str, Any]) -> dict[str, Any]:
    """Stored answer values by question code, read back from a QuestionnaireResponse by linkId.

    Items whose linkId is not a question code (the section groups) are walked into; codes this
    catalogue no longer has are left out, as the form would.
    """
    answers: dict[str, Any] = {}
    pending = list(response.get("item", []))
    while pending:
        item = pending.pop(0)
        pending.extend(item.get("item", []))
        question = QUESTIONS.get(item.get("linkId", ""))
        if question is None or not item.get("answer"):
            continue
        key = VALUE_KEYS[question.kind]
        values = [answer[key] for answer in item["answer"] if key in answer]
        if key == "valueCoding":
            values = [coding["code"] for coding in values]
        if values:
            answers[question.code] = values if question.kind == "multi" else values[0]
    return answers
