"""Triage of SCREENING.md: one valid answer set in, an outcome and its findings out.

Pure on purpose: no ORM, no request, no settings import; callers pass the Policy in. `rules` holds
the rule table and the terms the rules read; `triage` runs them and shapes the result.
"""

from __future__ import annotations

from .rules import (
    CONDITIONAL_CODES,
    DURATION_UPPER_WEEKS,
    OUTCOMES,
    RULES,
    RULES_BY_ID,
    RULESET_VERSION,
    SAFETY_ADVICE_BY_LEVEL,
    SEVERITY,
    Policy,
    Rule,
    age_on,
)
from .triage import Finding, Result, screen

__all__ = [
    "CONDITIONAL_CODES",
    "DURATION_UPPER_WEEKS",
    "OUTCOMES",
    "RULES",
    "RULES_BY_ID",
    "RULESET_VERSION",
    "SAFETY_ADVICE_BY_LEVEL",
    "SEVERITY",
    "Finding",
    "Policy",
    "Result",
    "Rule",
    "age_on",
    "screen",
]
