"""The dashboard's figures: each one grouped query over the filtered cases, returned as a table.

No figure loops over submissions in Python: the database groups and counts, Python only lays
out the few grouped rows (one per week, outcome or chiropractor).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from care.models import AdverseEvent, NeedlingSession, OutcomeCheckIn
from care.scores import MIC_NPRS, MIC_PSFS, PSFS_MAX_ACTIVITIES
from consults.models import Chiropractor, Consult
from intake.models import Outcome, Submission
from intake.workflow import overdue_q

# The contact targets of intake/workflow.py contact_deadline in hours, a working day counted as
# 24 hours (tests/test_reports.py keeps these in step with contact_deadline on a weekday).
TARGET_HOURS: dict[str, int] = {
    Outcome.URGENT: 2,
    Outcome.REFER: 24,
    Outcome.NO_NEEDLING: 48,
    Outcome.REVIEW: 48,
    Outcome.ELIGIBLE: 48,
}


@dataclass(frozen=True)
class Filters:
    """What the dashboard counts: cases submitted between two days (inclusive, clinic time),
    optionally one outcome, optionally only cases with a consult with one chiropractor."""

    start: date
    end: date
    chiropractor: Chiropractor | None = None
    outcome: str = ""

    def submissions(self) -> QuerySet[Submission]:
        since = timezone.make_aware(datetime.combine(self.start, time.min))
        until = timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))
        cases = Submission.objects.filter(submitted_at__gte=since, submitted_at__lt=until)
        if self.outcome:
            cases = cases.filter(outcome=self.outcome)
        if self.chiropractor is not None:
            cases = cases.filter(
                Exists(
                    Consult.objects.filter(
                        submission=OuterRef("pk"), chiropractor=self.chiropractor
                    )
                )
            )
        return cases.order_by()

    def consults(self) -> QuerySet[Consult]:
        consults = Consult.objects.filter(submission__in=self.submissions().values("pk"))
        if self.chiropractor is not None:
            consults = consults.filter(chiropractor=self.chiropractor)
        return consults.order_by()

    def outcomes(self) -> list[Any]:
        return [o for o in Outcome if not self.outcome or o.value == self.outcome]


@dataclass
class Table:
    """A figure's numbers: the accessible table beside the chart, the CSV, and the chart's data.

    `rows` hold raw values (numbers, or None for "no data"); the template and CSV format them.
    """

    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    # Chart extras that are not columns (e.g. which columns are plotted).
    series: list[int] = field(default_factory=list)


def rate(part: int, whole: int) -> float | None:
    """A percentage with one decimal, or None when there is nothing to divide by."""
    return round(100 * part / whole, 1) if whole else None


# Intakes per week --------------------------------------------------------------------------------


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def intakes_per_week(filters: Filters) -> Table:
    outcomes = filters.outcomes()
    grouped = (
        filters.submissions()
        .annotate(week=TruncWeek("submitted_at"))
        .values("week")
        .annotate(**{o.value: Count("pk", filter=Q(outcome=o.value)) for o in outcomes})
    )
    by_week = {}
    for row in grouped:
        week = row["week"]
        day = timezone.localtime(week).date() if timezone.is_aware(week) else week.date()
        by_week[day] = [row[o.value] for o in outcomes]
    table = Table(
        columns=[_("Week starting"), *[str(o.label) for o in outcomes], _("Total")],
        series=list(range(1, len(outcomes) + 1)),
    )
    week = _monday(filters.start)
    while week <= filters.end:
        counts = by_week.get(week, [0] * len(outcomes))
        table.rows.append([week, *counts, sum(counts)])
        week += timedelta(days=7)
    return table


# Time to first contact ------------------------------------------------------------------------

_WAIT = ExpressionWrapper(F("first_contact_at") - F("submitted_at"), output_field=DurationField())


class Percentile(Aggregate):
    """PostgreSQL's percentile_cont: the continuous percentile of an ordered set, in SQL."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()

    def __init__(self, expression: Any, fraction: float) -> None:
        # A fixed constant of ours, never user input.
        super().__init__(expression, fraction=float(fraction))


def percentile(ordered: list[float], fraction: float) -> float:
    """percentile_cont over a sorted list: linear interpolation between the closest ranks."""
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _hours(wait: timedelta | None) -> float | None:
    return None if wait is None else round(wait.total_seconds() / 3600, 1)


def _wait_percentiles(reached: QuerySet[Submission]) -> dict[str, tuple[int, Any, Any]]:
    """Per outcome: (cases reached, median wait, 90th percentile wait)."""
    if connection.vendor == "postgresql":
        grouped = reached.values("outcome").annotate(
            n=Count("pk"), median=Percentile(_WAIT, 0.5), p90=Percentile(_WAIT, 0.9)
        )
        return {row["outcome"]: (row["n"], row["median"], row["p90"]) for row in grouped}
    # SQLite (development and tests only) has no percentile function: read the waits of the
    # reached cases, sorted by the database, and interpolate the same way percentile_cont does.
    waits: dict[str, list[float]] = {}
    for outcome, wait in (
        reached.annotate(wait=_WAIT).values_list("outcome", "wait").order_by("outcome", "wait")
    ):
        waits.setdefault(outcome, []).append(wait.total_seconds())
    return {
        outcome: (
            len(values),
            timedelta(seconds=percentile(values, 0.5)),
            timedelta(seconds=percentile(values, 0.9)),
        )
        for outcome, values in waits.items()
    }


def contact_times(filters: Filters) -> Table:
    figures = _wait_percentiles(filters.submissions().filter(first_contact_at__isnull=False))
    table = Table(
        columns=[
            _("Outcome"),
            _("Target (hours)"),
            _("Cases reached"),
            _("Median (hours)"),
            _("90th percentile (hours)"),
        ],
        series=[3, 4, 1],
    )
    for outcome in filters.outcomes():
        n, median, p90 = figures.get(outcome.value, (0, None, None))
        table.rows.append(
            [str(outcome.label), TARGET_HOURS[outcome.value], n, _hours(median), _hours(p90)]
        )
    return table


# Overdue rate ---------------------------------------------------------------------------------


def overdue_rates(filters: Filters, now: datetime | None = None) -> Table:
    now = now or timezone.now()
    counts: dict[str, Any] = {}
    for outcome in filters.outcomes():
        target = timedelta(hours=TARGET_HOURS[outcome.value])
        this = Q(outcome=outcome.value, submitted_at__lte=now - target)
        late = Q(first_contact_at__gt=F("submitted_at") + target)
        still = overdue_q(now) & Q(first_contact_at__isnull=True)
        counts[f"{outcome.value}__due"] = Count("pk", filter=this)
        counts[f"{outcome.value}__late"] = Count("pk", filter=this & late)
        counts[f"{outcome.value}__still"] = Count("pk", filter=this & still)
    totals = filters.submissions().aggregate(**counts)
    table = Table(
        columns=[
            _("Outcome"),
            _("Target (hours)"),
            _("Cases past their target"),
            _("Reached late"),
            _("Still overdue"),
            _("Overdue rate (%)"),
        ],
        series=[5],
    )
    for outcome in filters.outcomes():
        due, late, still = (totals[f"{outcome.value}__{k}"] for k in ("due", "late", "still"))
        table.rows.append(
            [
                str(outcome.label),
                TARGET_HOURS[outcome.value],
                due,
                late,
                still,
                rate(late + still, due),
            ]
        )
    return table


# Conversion -----------------------------------------------------------------------------------


def conversion(filters: Filters) -> Table:
    """The cases joined to their consults and plan, counted once each (a case may have several
    consults): hash joins, where an EXISTS per case and step cost three index probes a case."""
    cases = filters.submissions()
    consults = "consults"
    if filters.chiropractor is not None:
        cases = cases.annotate(
            chosen=FilteredRelation(
                "consults", condition=Q(consults__chiropractor=filters.chiropractor)
            )
        )
        consults = "chosen"
    completed = Q(**{f"{consults}__attendance": Consult.Attendance.COMPLETED})
    totals = cases.aggregate(
        intakes=Count("pk", distinct=True),
        booked=Count(f"{consults}__submission", distinct=True),
        completed=Count(f"{consults}__submission", distinct=True, filter=completed),
        planned=Count("treatment_plan", distinct=True),
    )
    intakes = totals["intakes"]
    table = Table(columns=[_("Step"), _("Cases"), _("Share of intakes (%)")], series=[1])
    table.rows = [
        [_("Intake submitted"), intakes, rate(intakes, intakes)],
        [_("Consult booked"), totals["booked"], rate(totals["booked"], intakes)],
        [_("Consult completed"), totals["completed"], rate(totals["completed"], intakes)],
        [_("Treatment plan started"), totals["planned"], rate(totals["planned"], intakes)],
    ]
    return table


# No-shows -------------------------------------------------------------------------------------


def no_shows(filters: Filters, now: datetime | None = None) -> Table:
    now = now or timezone.now()
    grouped = (
        filters.consults()
        .filter(starts_at__lte=now, status__in=[Consult.Status.ACTIVE, Consult.Status.MISSED])
        .values("chiropractor__display_name")
        .annotate(
            due=Count("pk"),
            missed=Count("pk", filter=Q(attendance=Consult.Attendance.NO_SHOW)),
        )
        .order_by("chiropractor__display_name")
    )
    table = Table(
        columns=[
            _("Chiropractor"),
            _("Consults that reached their time"),
            _("No-shows"),
            _("No-show rate (%)"),
        ],
        series=[3],
    )
    due_total = missed_total = 0
    for row in grouped:
        due_total += row["due"]
        missed_total += row["missed"]
        table.rows.append(
            [
                row["chiropractor__display_name"],
                row["due"],
                row["missed"],
                rate(row["missed"], row["due"]),
            ]
        )
    table.rows.append([_("All"), due_total, missed_total, rate(missed_total, due_total)])
    return table


# Minimal important change at 6 and 12 weeks ----------------------------------------------------

WEEK_OCCASIONS = (OutcomeCheckIn.Occasion.WEEK_6, OutcomeCheckIn.Occasion.WEEK_12)


def _score(path: str, json_field: str) -> Case:
    """One integer out of a JSON field: SQL NULL when missing or skipped (JSON null, which
    SQLite's text extraction would otherwise read as the word "null" and cast to 0)."""
    return Case(
        When(Q(**{f"{json_field}__{path}": None}), then=Value(None)),
        default=Cast(KeyTextTransform(path, json_field), IntegerField()),
        output_field=IntegerField(),
    )


def minimal_change(filters: Filters, now: datetime | None = None) -> Table:
    """care/scores.py's rule on the 6- and 12-week check-ins, in SQL: first-step pain at least
    MIC_NPRS below the intake's answer, or the PSFS mean over the activities scored both there
    and in the PSFS baseline check-in at least MIC_PSFS higher. In integers: the mean change of
    the n paired activities reaches MIC_PSFS when the sum of (change - MIC_PSFS) over them is at
    least 0, with n > 0. An activity's (change - MIC_PSFS) is NULL unless it was scored both
    times, so the pairs need no CASE of their own."""
    now = now or timezone.now()
    items = range(PSFS_MAX_ACTIVITIES)
    checkins = (
        OutcomeCheckIn.objects.filter(
            submission__in=filters.submissions().values("pk"), occasion__in=WEEK_OCCASIONS
        )
        # The plan's PSFS baseline joined once (a subquery per item, repeated in every
        # expression that uses it, made PostgreSQL's JIT compile for seconds). Only the
        # baseline that named activities has scores: an earlier one with none is left out,
        # so the join adds at most one row.
        .annotate(
            baseline=FilteredRelation(
                "plan__checkins",
                condition=Q(
                    plan__checkins__psfs_baseline=True,
                    plan__checkins__answered_at__isnull=False,
                )
                & ~Q(plan__checkins__psfs_scores=[]),
            )
        )
        .annotate(
            pain_drop=_score("nprs_first_step", "submission__answers") - F("nprs_first_step"),
            **{
                f"beyond_{i}": _score(str(i), "psfs_scores")
                - _score(str(i), "baseline__psfs_scores")
                - Value(MIC_PSFS)
                for i in items
            },
        )
    )
    checkins = checkins.annotate(
        paired=Coalesce(*(F(f"beyond_{i}") for i in items)),
        margin=sum((Coalesce(F(f"beyond_{i}"), Value(0)) for i in items), Value(0)),
    )
    reached = Q(pain_drop__gte=MIC_NPRS) | Q(
        psfs_baseline=False, paired__isnull=False, margin__gte=0
    )
    answered = Q(answered_at__isnull=False)
    grouped = (
        checkins.order_by()
        .values("occasion")
        .annotate(
            due=Count("pk", filter=Q(due_at__lte=now)),
            answered=Count("pk", filter=answered),
            reached=Count("pk", filter=answered & reached),
        )
    )
    totals = {row["occasion"]: row for row in grouped}
    table = Table(
        columns=[
            _("Check-in"),
            _("Check-ins due"),
            _("Answered"),
            _("Reached the minimal important change"),
            _("Share of answered (%)"),
        ],
        series=[4],
    )
    for occasion, label in zip(WEEK_OCCASIONS, (_("6 weeks"), _("12 weeks")), strict=True):
        row = totals.get(occasion, {})
        due, answered, hits = (row.get(k, 0) for k in ("due", "answered", "reached"))
        table.rows.append([label, due, answered, hits, rate(hits, answered)])
    return table


# Adverse events per 100 sessions ---------------------------------------------------------------

# The published figures docs/clinical.md gives as numbers (per 100 treatments), for reference
# only: Brady 2014, no significant event in 7,629 treatments. The docs give no number for mild
# events (only "common"), so none is shown for them here.
PUBLISHED_PER_100: dict[str, float | None] = {
    AdverseEvent.Severity.MILD: None,
    AdverseEvent.Severity.SIGNIFICANT: 0.0,
}


def _published_source(severity: str) -> str:
    if PUBLISHED_PER_100[severity] is None:
        return _("No figure given: see docs/clinical.md (Brady 2014, Boyce 2020)")
    return _("Brady 2014: none in 7,629 treatments")


def per_100(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 2) if whole else None


def adverse_events(filters: Filters) -> Table:
    """Needled sessions and events by severity in one query: two grouped counts joined by
    UNION ALL (a group missing from the answer counted nothing)."""
    cases = filters.submissions().values("pk")
    sessions = (
        NeedlingSession.objects.filter(submission__in=cases)
        .exclude(safety_decision=NeedlingSession.SafetyDecision.NOT_TODAY)
        .order_by()
        .values(group=Value("sessions"))
        .annotate(n=Count("pk"))
    )
    events = (
        AdverseEvent.objects.filter(submission__in=cases)
        .order_by()
        .values(group=F("severity"))
        .annotate(n=Count("pk"))
    )
    counts = {row["group"]: row["n"] for row in sessions.union(events, all=True)}
    sessions_count = counts.get("sessions", 0)
    table = Table(
        columns=[
            _("Severity"),
            _("Adverse events"),
            _("Needling sessions"),
            _("Per 100 sessions"),
            _("Published, per 100 treatments"),
            _("Published source"),
        ],
        series=[3, 4],
    )
    for severity in AdverseEvent.Severity:
        count = counts.get(severity.value, 0)
        table.rows.append(
            [
                str(severity.label),
                count,
                sessions_count,
                per_100(count, sessions_count),
                PUBLISHED_PER_100[severity.value],
                _published_source(severity.value),
            ]
        )
    return table
