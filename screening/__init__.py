"""Triage: one valid answer set in, an outcome and its findings out (see docs/clinical.md).

Pure on purpose: it imports nothing from Django and runs without settings. Callers pass the Policy
in, and Django's gettext as `translate` where texts should come out translated. `rules` holds the
rule table and the terms the rules read; `triage` runs them and shapes the result; `conditional`
says which questions are asked only under a condition (the question catalogue reads it too).
"""

from __future__ import annotations

from .conditional import ASKED_WHEN, CONDITIONAL_CODES, AskedWhen
from .rules import (
    DURATION_UPPER_WEEKS,
    OUTCOME_LABELS,
    OUTCOMES,
    RULES,
    RULES_BY_ID,
    RULESET_VERSION,
    SAFETY_ADVICE_BY_LEVEL,
    SEVERITY,
    Policy,
    Rule,
    Translate,
    age_on,
    untranslated,
)
from .triage import Finding, Result, screen

__all__ = [
    "ASKED_WHEN",
    "CONDITIONAL_CODES",
    "DURATION_UPPER_WEEKS",
    "OUTCOME_LABELS",
    "OUTCOMES",
    "RULES",
    "RULES_BY_ID",
    "RULESET_VERSION",
    "SAFETY_ADVICE_BY_LEVEL",
    "SEVERITY",
    "AskedWhen",
    "Finding",
    "Policy",
    "Result",
    "Rule",
    "Translate",
    "age_on",
    "screen",
    "untranslated",
]
