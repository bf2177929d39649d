"""`manage.py screen PATH|-`: screen answer sets from JSON without storing anything."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from intake.questions import SCREENED_SECTIONS, parse_date, validate_and_screen
from screening import Policy

EXIT_INVALID = 2
AS_OF = "as_of"

MSG_NOT_OBJECT = _("An answer set must be a JSON object of question codes and answers.")
MSG_AS_OF = _("as_of must be a real date written YYYY-MM-DD, like 2026-11-20.")
MSG_DUPLICATE = _("This key appears more than once in the answer set.")


class _JSONObject(dict[str, Any]):
    """A parsed JSON object that remembers keys given twice (json keeps only the last one)."""

    duplicates: frozenset[str] = frozenset()


def _object_from_pairs(pairs: list[tuple[str, Any]]) -> _JSONObject:
    obj = _JSONObject(pairs)
    if len(obj) != len(pairs):
        keys = [key for key, _value in pairs]
        obj.duplicates = frozenset(key for key in obj if keys.count(key) > 1)
    return obj


def _reject_constant(name: str) -> None:
    # Python's json accepts NaN and Infinity; JSON does not.
    raise ValueError(f"{name} is not valid JSON")


def parse_json(raw: str | bytes) -> Any:
    """Strict JSON: no NaN/Infinity; duplicate keys recorded on each object for the caller."""
    return json.loads(raw, parse_constant=_reject_constant, object_pairs_hook=_object_from_pairs)


def screen_item(item: object, *, today: date, policy: Policy) -> dict[str, Any]:
    """The output line (as a dict) for one element of the input."""
    if not isinstance(item, dict):
        return {"errors": {"__all__": [str(MSG_NOT_OBJECT)]}}
    answers = dict(item)
    errors: dict[str, list[str]] = {}
    screening_date = today
    if AS_OF in answers:
        as_of = parse_date(answers.pop(AS_OF))
        if as_of is None:
            # Still validate the rest (against today) so every failing code is named.
            errors[AS_OF] = [str(MSG_AS_OF)]
        else:
            screening_date = as_of
    for key in sorted(getattr(item, "duplicates", ())):
        errors.setdefault(key, []).append(str(MSG_DUPLICATE))
    # The consent section is not screened: its codes are accepted with any value and ignored.
    result, answer_errors = validate_and_screen(
        answers,
        screening_date=screening_date,
        policy=policy,
        sections=SCREENED_SECTIONS,
        contact_required=False,
    )
    for code, messages in answer_errors.items():
        errors.setdefault(code, []).extend(messages)
    if errors or result is None:
        return {"errors": errors}
    return result.as_dict()


def clinic_today() -> date:
    """Today in the clinic's time zone, whatever USE_TZ says."""
    return datetime.now(ZoneInfo(settings.TIME_ZONE)).date()


class Command(BaseCommand):
    help = (
        "Screen answer sets (a JSON object or an array of objects) from PATH, or standard input "
        "when PATH is -, and print one JSON result per line. Nothing is stored. "
        "Exit status 2 when any answer set is invalid or the input cannot be read."
    )
    # A read-only batch tool: skip the system checks' start-up cost.
    requires_system_checks: list[str] = []
    # Tests pass a stream instead of replacing sys.stdin.
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="a JSON file, or - for standard input")

    def handle(self, *args: Any, **options: Any) -> None:
        path: str = options["path"]
        data = self._load(path, options.get("stdin"))
        if isinstance(data, dict):
            items: list[Any] = [data]
        elif isinstance(data, list):
            items = data
        else:
            raise CommandError(
                gettext("The input must be a JSON object or an array of objects."),
                returncode=EXIT_INVALID,
            )

        today, policy = clinic_today(), Policy.from_settings(settings)
        lines, invalid = [], 0
        for item in items:
            line = screen_item(item, today=today, policy=policy)
            invalid += "errors" in line
            lines.append(json.dumps(line))
        if lines:
            self.stdout.write("\n".join(lines))
        if invalid:
            raise CommandError(
                gettext("%(invalid)d of %(total)d answer sets are invalid.")
                % {"invalid": invalid, "total": len(items)},
                returncode=EXIT_INVALID,
            )

    def _load(self, path: str, stdin: IO[Any] | None) -> Any:
        try:
            if path == "-":
                stream = stdin if stdin is not None else sys.stdin
                raw: str | bytes = (
                    stream.buffer.read() if hasattr(stream, "buffer") else stream.read()
                )
            else:
                raw = Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(
                gettext("Cannot read %(path)s: %(reason)s")
                % {"path": path, "reason": exc.strerror or exc.__class__.__name__},
                returncode=EXIT_INVALID,
            ) from exc
        try:
            return parse_json(raw)
        except (ValueError, RecursionError) as exc:
            # The message names a position, never the content: answers are health data.
            reason = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
            raise CommandError(
                gettext("The input is not valid JSON: %(reason)s") % {"reason": reason},
                returncode=EXIT_INVALID,
            ) from exc
