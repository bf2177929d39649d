"""docs/clinical.md documents every question and rule; each rule's source is a heading there."""

from __future__ import annotations

import re
from pathlib import Path

from intake.questions import QUESTIONS
from screening import RULES

CLINICAL = Path(__file__).resolve().parent.parent / "docs" / "clinical.md"


def rule_headings() -> set[str]:
    """The `###` headings of the Rules section: the only places a rule's source may point."""
    text = CLINICAL.read_text(encoding="utf-8")
    rules_section = text.split("\n## Rules\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^### (.+?)\s*$", rules_section, re.MULTILINE))


def test_every_rule_source_is_a_heading_of_the_rules_section() -> None:
    headings = rule_headings()
    unresolved = [(rule.id, rule.source) for rule in RULES if rule.source not in headings]
    assert unresolved == [], "Name a `### ...` heading under `## Rules` in docs/clinical.md"


def test_every_rule_is_described_under_the_heading_its_source_names() -> None:
    text = CLINICAL.read_text(encoding="utf-8")
    for rule in RULES:
        section = text.split(f"\n### {rule.source}\n", 1)[1].split("\n#", 1)[0]
        assert f"- `{rule.id}`:" in section, rule.id


def test_every_heading_of_the_rules_section_is_used_by_a_rule() -> None:
    assert rule_headings() == {rule.source for rule in RULES}


def test_every_question_code_appears_in_the_clinical_docs() -> None:
    text = CLINICAL.read_text(encoding="utf-8")
    missing = [code for code in QUESTIONS if f"| `{code}` |" not in text]
    assert missing == [], "Add these questions to docs/clinical.md"


def test_every_short_citation_is_listed_in_the_references() -> None:
    text = CLINICAL.read_text(encoding="utf-8")
    body, references = text.split("\n## References\n", 1)
    cited = set(re.findall(r"\[([A-Z][^\]]*\d{4}|NICE NG\d+)\]", body))
    listed = set(re.findall(r"^- \*\*\[([^\]]+)\]\*\*", references, re.MULTILINE))
    assert cited - listed == set()
    assert listed - cited == set()
