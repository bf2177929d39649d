"""Which questions are asked only when an earlier answer fits: pure data, read in two places.

The rules need to know which answers may be absent (an absent one reads as "no"); the question
catalogue needs the same conditions to decide when to ask. Screening may not import the catalogue
(arrows point screening <- intake), so the conditions live here and the catalogue builds each
question's `when=` from ASKED_WHEN, adding only the patient-facing wording. CONDITIONAL_CODES is
therefore the set of codes with a `when=` by construction, not by a list kept in step by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class AskedWhen:
    """The question applies only while the answer to `code` fits `op` and `value`.

    `op` is declarative (not a lambda) so the form can also describe it to the page.
    """

    code: str
    op: Literal["equals", "not_equals", "contains"]
    value: str | bool

    def holds(self, answer: object) -> bool:
        if self.op == "contains":
            return isinstance(answer, list) and self.value in answer
        # type() check so that 1 never passes for True and "True" never for True.
        same = type(answer) is type(self.value) and answer == self.value
        return same if self.op == "equals" else not same


# Question code -> the condition under which it is asked.
ASKED_WHEN: dict[str, AskedWhen] = {
    "representative_name": AskedWhen("completed_by", "not_equals", "self"),
    "last_steroid_injection": AskedWhen("prior_treatments", "contains", "steroid_injection"),
    "puncture_worsening": AskedWhen("puncture_wound", "equals", True),
    "numb_feet": AskedWhen("diabetes", "equals", True),
}

# Answers that exist only when their condition holds; absent, they read as false in every rule.
CONDITIONAL_CODES = frozenset(ASKED_WHEN)
