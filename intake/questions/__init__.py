"""The one answer schema: the question catalogue and the validation of answer sets.

`catalogue` says what is asked (codes, sections, types, wording); `validation` holds the only copy
of every rule an answer must pass. The web forms, the `screen` command, the staff pages and the
exports all use what is imported here.
"""

from __future__ import annotations

from .catalogue import (
    QUESTIONS,
    SCREENED_SECTIONS,
    SECTIONS,
    SECTIONS_BY_CODE,
    Condition,
    Question,
    Section,
)
from .validation import (
    answers_from_post,
    display_value,
    is_shown,
    parse_date,
    validate_and_screen,
    validate_answers,
)

__all__ = [
    "QUESTIONS",
    "SCREENED_SECTIONS",
    "SECTIONS",
    "SECTIONS_BY_CODE",
    "Condition",
    "Question",
    "Section",
    "answers_from_post",
    "display_value",
    "is_shown",
    "parse_date",
    "validate_and_screen",
    "validate_answers",
]
