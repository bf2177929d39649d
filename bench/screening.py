"""Screening speed: answer sets/s by the module on one core, and `manage.py screen` on 10,000 sets.

Run by hand from the project root: .venv/bin/python bench/screening.py
Goals (issue 3): >= 20,000 answer sets/s; <= 5 s for 10,000 sets through the command.
"""

from __future__ import annotations

import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Not bench/ itself: its modules (bench/queue.py) would shadow the standard library's.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
# The bench needs no secret; settings refuse to start without one when DEBUG is off.
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-a-secret")

import django  # noqa: E402

django.setup()

from intake.questions import (  # noqa: E402
    SCREENED_SECTIONS,
    SECTIONS,
    Question,
    is_shown,
    validate_answers,  # noqa: E402
)
from screening import Policy, screen  # noqa: E402

SCREENING_DATE = date(2026, 11, 20)
SETS = 10_000
# Yes/no questions where "no" is the worrying answer.
USUALLY_YES = frozenset({"can_bear_weight", "eases_with_rest"})


def random_value(q: Question, rng: random.Random) -> Any:
    values = [value for value, _label in q.choices]
    if q.kind == "text":
        return rng.choice(["Ana", "Luis", "María José", "Walk the dog again"])
    if q.kind == "email":
        return "ana@example.com"
    if q.kind == "phone":
        return "(555) 010-0123"
    if q.kind == "date":
        days = rng.randrange(120 * 365) if q.max_age else rng.randrange(200)
        return (SCREENING_DATE - timedelta(days=days)).isoformat()
    if q.kind == "bool":
        # Each worrying answer in 1 of 12 sets: a mix of outcomes with urgent still common.
        worrying = rng.random() < 1 / 12
        return not worrying if q.code in USUALLY_YES else worrying
    if q.kind == "choice":
        return rng.choice(values)
    if q.kind == "multi":
        if rng.random() < 0.7:
            return ["none"]
        return rng.sample([v for v in values if v != "none"], rng.randint(1, 2))
    assert q.min_value is not None and q.max_value is not None
    if q.kind == "int":
        return rng.randint(int(q.min_value), int(q.max_value))
    return rng.randint(int(q.min_value) * 10, int(q.max_value) * 10) / 10


def valid_answer_sets(count: int, seed: int = 3) -> list[dict[str, Any]]:
    """Deterministic valid answer sets covering every section screened by the command."""
    rng = random.Random(seed)
    questions = [q for s in SECTIONS if s.code in SCREENED_SECTIONS for q in s.questions]
    sets = []
    for _ in range(count):
        answers: dict[str, Any] = {}
        for q in questions:
            if is_shown(q, answers) and (q.required or rng.random() < 0.5):
                answers[q.code] = random_value(q, rng)
        low, high = sorted((answers["nprs_average"], answers["nprs_worst"]))
        answers["nprs_average"], answers["nprs_worst"] = low, high
        sets.append(answers)
    return sets


def pin_to_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity)"


def _rates(run: Any, count: int, rounds: int) -> tuple[float, float]:
    """Median (wall-clock, CPU-time) rates: CPU time stays honest on a shared, busy machine."""
    wall, cpu = [], []
    for _ in range(rounds):
        wall_start, cpu_start = time.perf_counter(), time.process_time()
        run()
        wall.append(count / (time.perf_counter() - wall_start))
        cpu.append(count / (time.process_time() - cpu_start))
    return statistics.median(wall), statistics.median(cpu)


def bench_module(cleaned: list[dict[str, Any]], rounds: int = 5) -> tuple[float, float]:
    policy = Policy()

    def run() -> None:
        for answers in cleaned:
            screen(answers, screening_date=SCREENING_DATE, policy=policy)

    return _rates(run, len(cleaned), rounds)


def bench_validate_and_screen(raw: list[dict[str, Any]], rounds: int = 3) -> tuple[float, float]:
    policy = Policy()

    def run() -> None:
        for answers in raw:
            cleaned, _errors = validate_answers(
                answers, screening_date=SCREENING_DATE, contact_required=False
            )
            screen(cleaned, screening_date=SCREENING_DATE, policy=policy)

    return _rates(run, len(raw), rounds)


def bench_command(raw: list[dict[str, Any]], rounds: int = 3) -> list[tuple[float, float]]:
    """(wall seconds, CPU seconds) per run of the real command in its own process."""
    payload = [{**answers, "as_of": SCREENING_DATE.isoformat()} for answers in raw]
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "answers.json"
        path.write_text(json.dumps(payload))
        for _ in range(rounds):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "manage.py", "screen", str(path)],
                cwd=ROOT,
                capture_output=True,
                check=False,
            )
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            runs.append((wall, cpu))
            lines = done.stdout.decode().splitlines()
            if done.returncode != 0 or len(lines) != len(raw):
                raise SystemExit(f"screen failed: exit {done.returncode}, {len(lines)} lines")
    return runs


def main() -> None:
    raw = valid_answer_sets(SETS)
    cleaned = []
    for answers in raw:
        valid, errors = validate_answers(answers, screening_date=SCREENING_DATE)
        assert not errors, errors
        cleaned.append(valid)
    outcomes = Counter(
        screen(a, screening_date=SCREENING_DATE, policy=Policy()).outcome for a in cleaned
    )
    print(f"{SETS:,} generated answer sets; outcomes: {dict(outcomes.most_common())}")

    # The command runs as a separate process: time it before pinning this one.
    command_runs = bench_command(raw)
    print(pin_to_one_core(), f"; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    module_wall, module_cpu = bench_module(cleaned)
    full_wall, full_cpu = bench_validate_and_screen(raw)

    print("answer sets/s              wall-clock   CPU time   (goal >= 20,000 for screen())")
    print(f"module screen()            {module_wall:>10,.0f} {module_cpu:>10,.0f}")
    print(f"validate_answers + screen  {full_wall:>10,.0f} {full_cpu:>10,.0f}")
    walls = [wall for wall, _cpu in command_runs]
    print(
        f"manage.py screen, {SETS:,} sets (start-up included; goal <= 5 s): "
        + ", ".join(f"{wall:.2f} s wall / {cpu:.2f} s CPU" for wall, cpu in command_runs)
        + f"; median wall {statistics.median(walls):.2f} s"
    )


if __name__ == "__main__":
    main()
