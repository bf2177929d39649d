"""Screening one valid answer set: the findings that fire, most severe first, and the outcome."""

# Pure on purpose: no ORM, no request, no settings, no translation machinery. Callers pass the
# Policy in, and a `translate` function (Django's gettext) when texts should be translated.

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from .rules import (
    RULES,
    RULES_BY_ID,
    RULESET_VERSION,
    SAFETY_ADVICE_BY_LEVEL,
    SEVERITY,
    Advice,
    Outcome,
    Policy,
    Translate,
    facts_for,
    untranslated,
)

# Evaluating in severity order (stable: table order within one outcome) makes findings come out
# sorted with no per-screening sort.
_RULES_BY_SEVERITY = tuple(sorted(RULES, key=lambda rule: SEVERITY[rule.outcome]))


@dataclass(frozen=True)
class Finding:
    rule: str
    outcome: Outcome
    reason: str
    advice: Advice | None = None

    def as_dict(self) -> dict[str, str]:
        data = {"rule": self.rule, "outcome": self.outcome, "reason": self.reason}
        if self.advice is not None:
            data["advice"] = self.advice
        return data


@dataclass(frozen=True)
class Result:
    """A screening result; stored with the submission as screened, never recomputed silently."""

    outcome: Outcome
    findings: tuple[Finding, ...]
    ruleset: str
    policy: Policy
    screening_date: date

    def as_dict(self, *, include_screening_date: bool = False) -> dict[str, Any]:
        """The `screen` command's JSON line; with the screening date added for storage."""
        data: dict[str, Any] = {
            "outcome": self.outcome,
            "ruleset": self.ruleset,
            "policy": self.policy.as_dict(),
            "findings": [finding.as_dict() for finding in self.findings],
        }
        if include_screening_date:
            data["screening_date"] = self.screening_date.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, screening_date: date | None = None) -> Result:
        """Rebuild a stored result; the date comes from `data` unless given."""
        if screening_date is None:
            screening_date = date.fromisoformat(data["screening_date"])
        return cls(
            outcome=data["outcome"],
            findings=tuple(
                Finding(f["rule"], f["outcome"], f["reason"], f.get("advice"))
                for f in data["findings"]
            ),
            ruleset=data["ruleset"],
            policy=Policy(**data["policy"]),
            screening_date=screening_date,
        )

    @property
    def advice(self) -> Advice | None:
        """The most pressing advice level among the findings ("now" before "today")."""
        levels = {f.advice for f in self.findings}
        return "now" if "now" in levels else "today" if "today" in levels else None

    def safety_advice(self, translate: Translate = untranslated) -> list[str]:
        """Patient-facing safety texts of the urgent findings, in finding order, no repeats."""
        texts: list[str] = []
        for finding in self.findings:
            if finding.advice is None:
                continue
            rule = RULES_BY_ID.get(finding.rule)
            text = rule.safety_advice(translate) if rule is not None else None
            text = text or translate(SAFETY_ADVICE_BY_LEVEL[finding.advice])
            if text not in texts:
                texts.append(text)
        return texts


def screen(
    answers: Mapping[str, object],
    *,
    screening_date: date,
    policy: Policy,
    translate: Translate = untranslated,
) -> Result:
    """Screen one valid answer set (as cleaned by questions.validate_answers).

    Each finding's reason is `translate(rule.reason)`: pass Django's gettext to store it in the
    active language; the default keeps the English text.
    """
    facts = facts_for(answers, screening_date=screening_date, policy=policy)
    findings = tuple(
        Finding(rule.id, rule.outcome, translate(rule.reason), rule.advice)
        for rule in _RULES_BY_SEVERITY
        if rule.condition(facts)
    )
    return Result(
        outcome=findings[0].outcome if findings else "eligible",
        findings=findings,
        ruleset=RULESET_VERSION,
        policy=policy,
        screening_date=screening_date,
    )
