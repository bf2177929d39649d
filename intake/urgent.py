"""Urgent advice: which urgent rules the answers so far already make certain, and their advice
with the clinic's emergency number, as one set of texts for every page and email.

A rule is certain when it fires whatever the questions not yet answered turn out to be: the rule
is run on the answers so far, and whenever it reads an unanswered code it is run again with each
value that code could take. Only yes/no and single-choice codes are tried; a rule that reads
anything else unanswered (a date, a derived term like age) is not certain yet. The rules are
screening's own, so what the patient sees early is exactly what the final screening says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.utils.translation import gettext

from screening import ASKED_WHEN, RULES, RULES_BY_ID, SAFETY_ADVICE_BY_LEVEL, Result, Rule

from .questions import QUESTIONS

URGENT_RULES: tuple[Rule, ...] = tuple(rule for rule in RULES if rule.outcome == "urgent")
# The number the advice texts are written with; replaced by CLINIC_EMERGENCY_NUMBER on display.
WRITTEN_NUMBER = "911"


class _Unanswered(Exception):
    def __init__(self, code: str) -> None:
        self.code = code


def _usable(code: str, value: object) -> bool:
    """A stored value the rules can read: drafts may hold unchecked answers of unfinished steps."""
    q = QUESTIONS.get(code)
    if q is None:
        return False
    if q.kind == "bool":
        return type(value) is bool
    if q.kind == "choice":
        return isinstance(value, str) and value in q.choice_values
    return True


class _AnswersSoFar(dict[str, Any]):
    """The answers as a rule reads them, raising for a code that is not answered yet."""

    def __missing__(self, code: str) -> Any:
        condition = ASKED_WHEN.get(code)
        if (
            condition is not None
            and condition.code in self
            and not condition.holds(self[condition.code])
        ):
            return False  # not asked, so it reads as "no", as in screening
        raise _Unanswered(code)


def _possible_values(code: str) -> tuple[object, ...]:
    q = QUESTIONS.get(code)
    if q is not None and q.kind == "bool":
        return (True, False)
    if q is not None and q.kind == "choice":
        return tuple(value for value, _label in q.choices)
    return ()


def _fires_whatever_comes(rule: Rule, answers: Mapping[str, Any]) -> bool:
    try:
        return bool(rule.condition(_AnswersSoFar(answers)))  # type: ignore[arg-type]
    except _Unanswered as unanswered:
        values = _possible_values(unanswered.code)
        # An empty tuple (a code that cannot be enumerated) makes all() true: refuse it.
        return bool(values) and all(
            _fires_whatever_comes(rule, {**answers, unanswered.code: value}) for value in values
        )
    except (AttributeError, KeyError, TypeError, ValueError):
        return False


def certain_rules(answers: Mapping[str, Any]) -> list[str]:
    """Ids of the urgent rules that fire whatever the unanswered questions turn out to be."""
    known = {code: value for code, value in answers.items() if _usable(code, value)}
    return [rule.id for rule in URGENT_RULES if _fires_whatever_comes(rule, known)]


# --- the advice as patients read it ---------------------------------------------------------


def emergency_number() -> str:
    return str(settings.CLINIC_EMERGENCY_NUMBER)


def tel_href(number: str) -> str:
    """A tel: link target: digits and a leading + only."""
    return "tel:" + "".join(c for c in number if c.isdigit() or c == "+")


def _with_number(text: str) -> str:
    return text.replace(WRITTEN_NUMBER, emergency_number())


def advice_for_rules(rule_ids: Iterable[str]) -> list[str]:
    """Each rule's advice in the active language, in rule order, no repeats."""
    texts: list[str] = []
    for rule_id in rule_ids:
        rule = RULES_BY_ID.get(rule_id)
        text = rule.safety_advice(gettext) if rule is not None else None
        if text is not None and _with_number(text) not in texts:
            texts.append(_with_number(text))
    return texts


def advice_for_result(result: Result) -> list[str]:
    """The advice of a stored screening's urgent findings (older rulesets get the level text)."""
    texts = result.safety_advice(gettext)
    if not texts and result.advice is not None:
        texts = [gettext(SAFETY_ADVICE_BY_LEVEL[result.advice])]
    return [_with_number(text) for text in texts]


def linked(texts: Sequence[str]) -> list[list[tuple[str, bool]]]:
    """Each text cut into (part, is_the_emergency_number) pieces, so a page can link the number."""
    number = emergency_number()
    paragraphs = []
    for text in texts:
        pieces: list[tuple[str, bool]] = []
        for n, part in enumerate(text.split(number)):
            if n:
                pieces.append((number, True))
            if part:
                pieces.append((part, False))
        paragraphs.append(pieces)
    return paragraphs
