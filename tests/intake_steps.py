"""Helpers that walk the intake steps on Django's test client."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from intake.questions import SECTIONS_BY_CODE
from intake.steps import posted_value

STEP_URLS = {
    "respondent": "/intake/who/",
    "about": "/intake/about/",
    "pain": "/intake/pain/",
    "red_flags": "/intake/red-flags/",
    "needling": "/intake/needling/",
    "consent": "/intake/review/",
}


def step_data(section: str, answers: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """What the browser posts for a section's answers (yes/no as "true"/"false")."""
    data: dict[str, Any] = {}
    for q in SECTIONS_BY_CODE[section].questions:
        if q.code in answers:
            value = answers[q.code]
            if isinstance(value, list):
                data[q.code] = [posted_value(v) for v in value]
            else:
                data[q.code] = posted_value(value)
    data.update(extra)
    return data


def post_step(client: Client, section: str, answers: dict[str, Any], **extra: Any) -> Any:
    return client.post(STEP_URLS[section], step_data(section, answers, **extra))


def fill_screened_steps(client: Client, answers: dict[str, Any]) -> None:
    for section in ("respondent", "about", "pain", "red_flags", "needling"):
        response = post_step(client, section, answers)
        assert response.status_code == 302, response.content.decode()


def resume_link(body: str) -> str:
    match = re.search(r"https?://\S+/intake/resume/\S+/", body)
    assert match, body
    return match.group(0)
