"""The `screen` command: the shared examples, input errors and exit status, run for real."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from intake.management.commands.screen import clinic_today
from tests.answers import CONSENT, make_answers

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = Path(__file__).resolve().parent / "fixtures" / "examples"
EXAMPLE_NAMES = sorted(
    p.name.removesuffix(".json")
    for p in EXAMPLES.glob("*.json")
    if not p.name.endswith(".expected.json")
)


def run_screen(path: str, *, stdin: str | None = None) -> tuple[int, str]:
    """Run the real command in-process; return (exit status, stdout)."""
    out = io.StringIO()
    options: dict[str, Any] = {"stdout": out, "stderr": io.StringIO()}
    if stdin is not None:
        options["stdin"] = io.StringIO(stdin)
    try:
        call_command("screen", path, **options)
    except CommandError as exc:
        return exc.returncode, out.getvalue()
    return 0, out.getvalue()


def screen_json(data: Any) -> tuple[int, list[dict[str, Any]]]:
    status, out = run_screen("-", stdin=json.dumps(data))
    return status, [json.loads(line) for line in out.splitlines()]


def as_of(answers: dict[str, Any], day: str = "2026-11-20") -> dict[str, Any]:
    return {**answers, "as_of": day}


def subprocess_screen(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or "test-only"}
    return subprocess.run(
        [sys.executable, "manage.py", "screen", *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )


def test_the_examples_are_all_here() -> None:
    assert EXAMPLE_NAMES == [
        "eligible",
        "invalid",
        "no_needling_declines",
        "refer_inflammatory_bilateral",
        "review_blood_thinners_and_pregnancy",
        "urgent_infection",
    ]


@pytest.mark.parametrize("name", [n for n in EXAMPLE_NAMES if n != "invalid"])
def test_each_valid_example_screens_as_expected(name: str) -> None:
    expected = json.loads((EXAMPLES / f"{name}.expected.json").read_text())
    status, out = run_screen(str(EXAMPLES / f"{name}.json"))
    assert status == 0
    [line] = out.splitlines()
    result = json.loads(line)
    assert result["outcome"] == expected["outcome"]
    assert [f["rule"] for f in result["findings"]] == expected["rules"]
    advice = {f["rule"]: f["advice"] for f in result["findings"] if "advice" in f}
    assert advice == expected.get("advice", {})
    assert result["policy"] == {
        "min_duration_weeks": 6,
        "steroid_window_weeks": 12,
        "age_of_majority": 18,
    }
    assert set(result) == {"outcome", "ruleset", "policy", "findings"}


def test_the_invalid_example_names_every_failing_code_and_exits_2() -> None:
    expected = json.loads((EXAMPLES / "invalid.expected.json").read_text())
    status, out = run_screen(str(EXAMPLES / "invalid.json"))
    assert status == 2
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == len(expected)
    for line, want in zip(lines, expected, strict=True):
        assert set(line) == {"errors"}
        assert set(want["errors"]) <= set(line["errors"])


def test_the_command_reads_standard_input_in_a_real_process() -> None:
    stdin = (EXAMPLES / "urgent_infection.json").read_bytes()
    done = subprocess_screen("-", stdin=stdin)
    assert (done.returncode, done.stderr) == (0, b"")
    assert json.loads(done.stdout)["outcome"] == "urgent"


def test_a_real_process_exits_2_on_an_invalid_answer_set_and_still_prints_every_line() -> None:
    done = subprocess_screen(str(EXAMPLES / "invalid.json"))
    assert done.returncode == 2
    assert len(done.stdout.decode().splitlines()) == 2


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["/nonexistent/answers.json"], b""),
        (["-"], b"not json"),
        (["-"], b'{"nprs_worst": NaN}'),
        (["-"], b"42"),
    ],
)
def test_a_real_process_rejects_bad_input_with_one_stderr_line_and_no_output(
    args: list[str], stdin: bytes
) -> None:
    done = subprocess_screen(*args, stdin=stdin)
    assert done.returncode == 2
    assert done.stdout == b""
    assert len(done.stderr.decode().strip().splitlines()) == 1


def test_an_array_gives_one_line_per_answer_set_in_input_order() -> None:
    sets = [
        as_of(make_answers(fever_unwell=True, hot_red_swollen=True)),
        as_of(make_answers()),
        as_of(make_answers(nprs_average=11)),
        as_of(make_answers(needle_willing="no")),
    ]
    status, lines = screen_json(sets)
    assert status == 2
    assert [line.get("outcome", "errors") for line in lines] == [
        "urgent",
        "eligible",
        "errors",
        "no_needling",
    ]
    assert lines[2] == {"errors": {"nprs_average": [lines[2]["errors"]["nprs_average"][0]]}}


def test_an_empty_array_prints_nothing_and_exits_0() -> None:
    assert run_screen("-", stdin="[]") == (0, "")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{",
        "{'date_of_birth': '1980-01-01'}",
        "{} {}",
        "NaN",
        "[Infinity]",
        '{"height_cm": -Infinity}',
        '{"height_cm": NaN}',
        "[" * 100_000,
    ],
)
def test_input_that_is_not_json_is_rejected_with_exit_2_and_no_output(text: str) -> None:
    assert run_screen("-", stdin=text) == (2, "")


@pytest.mark.parametrize("text", ["3", '"answers"', "null", "true"])
def test_a_top_level_value_that_is_neither_object_nor_array_is_rejected(text: str) -> None:
    assert run_screen("-", stdin=text) == (2, "")


def test_an_unreadable_path_is_rejected(tmp_path: Path) -> None:
    assert run_screen(str(tmp_path / "missing.json")) == (2, "")
    assert run_screen(str(tmp_path)) == (2, "")


def test_a_file_that_is_not_text_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "binary.json"
    path.write_bytes(b"\x00\xff\xfe garbage")
    assert run_screen(str(path)) == (2, "")


def test_the_error_message_names_the_problem_not_the_content() -> None:
    with pytest.raises(CommandError, match="not valid JSON") as raised:
        call_command("screen", "-", stdin=io.StringIO('{"first_name": "Ana",'))
    assert "Ana" not in str(raised.value)
    assert raised.value.returncode == 2


def test_array_elements_that_are_not_objects_are_errors_under_all() -> None:
    status, lines = screen_json([1, "x", None, [], as_of(make_answers())])
    assert status == 2
    assert [list(line.get("errors", {})) for line in lines] == [["__all__"]] * 4 + [[]]
    assert lines[4]["outcome"] == "eligible"


@pytest.mark.parametrize("bad", ["2026-13-01", "2026-02-30", "20261120", "", 20261120, None])
def test_a_malformed_as_of_is_an_error_under_as_of(bad: Any) -> None:
    status, [line] = screen_json(as_of(make_answers(), bad))
    assert status == 2
    assert list(line["errors"]) == ["as_of"]


def test_as_of_sets_the_screening_date_for_ages_and_windows() -> None:
    answers = make_answers(date_of_birth="2008-11-20")
    _status, [before, on] = screen_json([as_of(answers, "2026-11-19"), as_of(answers)])
    assert "minor" in [f["rule"] for f in before["findings"]]
    assert "minor" not in [f["rule"] for f in on["findings"]]
    status, [line] = screen_json(as_of(answers, "2008-11-19"))
    assert (status, list(line["errors"])) == (2, ["date_of_birth"])


def test_without_as_of_the_screening_date_is_today_in_the_clinic_time_zone() -> None:
    today = clinic_today()
    treated = make_answers(prior_treatments=["steroid_injection"])
    status, [line] = screen_json({**treated, "last_steroid_injection": today.isoformat()})
    assert status == 0
    assert "recent_steroid_injection" in [f["rule"] for f in line["findings"]]
    tomorrow = (today + timedelta(days=1)).isoformat()
    status, [line] = screen_json({**treated, "last_steroid_injection": tomorrow})
    assert (status, list(line["errors"])) == (2, ["last_steroid_injection"])


def test_contact_details_are_optional_but_validated_when_present() -> None:
    minimal = make_answers()
    for code in ("first_name", "last_name", "email", "phone", "preferred_contact", "language"):
        del minimal[code]
    status, [line] = screen_json(as_of(minimal))
    assert (status, line["outcome"]) == (0, "eligible")
    status, [line] = screen_json(as_of({**minimal, "phone": "call me"}))
    assert (status, list(line["errors"])) == (2, ["phone"])


def test_consent_codes_are_accepted_with_any_value_and_ignored() -> None:
    odd_consent = {"consent_privacy": "maybe", "consent_risks": None, "signature": 5}
    status, [line] = screen_json(as_of({**make_answers(), **CONSENT, **odd_consent}))
    assert (status, line["outcome"]) == (0, "eligible")


def test_a_code_given_twice_is_an_error_rather_than_a_silent_choice() -> None:
    text = json.dumps(as_of(make_answers()))[:-1] + ', "fever_unwell": true}'
    status, out = run_screen("-", stdin=text)
    assert status == 2
    assert list(json.loads(out)["errors"]) == ["fever_unwell"]


def test_the_command_screens_ten_thousand_answer_sets_from_one_file(tmp_path: Path) -> None:
    variants = [
        as_of(make_answers()),
        as_of(make_answers(calf_swelling=True)),
        as_of(make_answers(pregnant="yes")),
        as_of(make_answers(needle_fear="phobia")),
    ]
    path = tmp_path / "many.json"
    path.write_text(json.dumps(variants * 2500))
    status, out = run_screen(str(path))
    assert status == 0
    outcomes = [json.loads(line)["outcome"] for line in out.splitlines()]
    assert outcomes == ["eligible", "urgent", "review", "no_needling"] * 2500
