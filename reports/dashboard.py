"""The dashboard's reports, in page order: the extension point for new figures.

A report is a title, a sentence saying exactly what it counts, a query (filters -> Table) and a
chart builder (Table -> SVG). A report listed without a query is shown as "available once its
records exist" until it gets one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.utils import formats, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import charts, figures
from .figures import Filters, Table

# How long a computed figure is reused for the same filters (page, chart image and CSV share it).
# Tables hold only counts, rates and chiropractors' names: never a patient's data.
CACHE_SECONDS = 60


def cache_key(slug: str, filters: Filters) -> str:
    chiropractor = filters.chiropractor.pk if filters.chiropractor is not None else ""
    return ":".join(
        [
            "reports",
            slug,
            filters.start.isoformat(),
            filters.end.isoformat(),
            str(chiropractor),
            filters.outcome,
            # Column and row labels are translated.
            translation.get_language() or "",
        ]
    )


@dataclass(frozen=True)
class Report:
    slug: str
    title: str | Promise
    description: str | Promise
    query: Callable[[Filters], Table] | None = None
    chart: Callable[[Table, str, str], bytes] | None = None

    @property
    def available(self) -> bool:
        return self.query is not None

    def table(self, filters: Filters) -> Table:
        """The figure for these filters, computed at most once a minute (see CACHE_SECONDS)."""
        assert self.query is not None
        key = cache_key(self.slug, filters)
        table = cache.get(key)
        if table is None:
            table = self.query(filters)
            cache.set(key, table, CACHE_SECONDS)
        return table

    def svg(self, table: Table) -> bytes:
        assert self.chart is not None
        return self.chart(table, str(self.title), str(self.description))


def _horizontal(table: Table, title: str, description: str) -> bytes:
    return charts.bar_chart(table, title, description, horizontal=True)


REPORTS: tuple[Report, ...] = (
    Report(
        "intakes",
        _("Intakes per week by outcome"),
        _(
            "Submitted questionnaires per calendar week (Monday to Sunday, clinic time), by the "
            "outcome staff act on now (after any override)."
        ),
        figures.intakes_per_week,
        charts.line_chart,
    ),
    Report(
        "contact-times",
        _("Time to first successful contact"),
        _(
            "Hours from submission to the first call that reached the patient, for the cases "
            "reached so far: the median and the 90th percentile, beside the target (urgent 2 "
            "hours; refer 1 working day; the others 2 working days, a working day counted as 24 "
            "hours). Cases nobody has reached yet are not in these figures."
        ),
        figures.contact_times,
        charts.bar_chart,
    ),
    Report(
        "overdue",
        _("Overdue rate"),
        _(
            "Of the cases whose target time has passed (submission time plus the target hours), "
            "the share that were reached later than that, or that are still overdue in the queue "
            "now (open, nobody has reached the patient, past the contact deadline). A booking or "
            "closing without a call stops the clock and does not count as overdue. Working days "
            "are counted as 24 hours each, so a case reached on Monday after a Friday submission "
            "may count as late here though the queue did not show it as overdue."
        ),
        figures.overdue_rates,
        charts.bar_chart,
    ),
    Report(
        "conversion",
        _("From intake to consult to treatment plan"),
        _(
            "Cases submitted; of them, cases with any consult booked (whatever became of it); "
            "cases with a consult marked completed; and cases with a treatment plan."
        ),
        figures.conversion,
        _horizontal,
    ),
    Report(
        "no-shows",
        _("No-show rate"),
        _(
            "Of the consults for these cases that have reached their start time and were not "
            "cancelled, the share marked as a no-show, per chiropractor and in all."
        ),
        figures.no_shows,
        charts.bar_chart,
    ),
    # From the course of care (the care app).
    Report(
        "minimal-change",
        _("Minimal important change at 6 and 12 weeks"),
        _(
            "Of the 6-week (and 12-week) check-ins that patients answered, the share showing the "
            "minimal important change: first-step pain (0–10) at least 2 points lower than the "
            "patient's answer in the intake questionnaire, or the mean Patient-Specific "
            "Functional Scale score at least 2 points higher than at the first check-in, counting "
            "only the activities scored both times. Either is enough. Check-ins due but not "
            "answered are shown and left out of the share."
        ),
        figures.minimal_change,
        charts.bar_chart,
    ),
    Report(
        "adverse-events",
        _("Adverse events per 100 sessions"),
        _(
            "Adverse events recorded for these cases (during a session or reported later), mild "
            "and significant, per 100 needling sessions of the same cases (sessions where the "
            "safety check stopped needling are not counted), beside the published rate where "
            "docs/clinical.md gives one (Brady 2014: no significant event in 7,629 treatments)."
        ),
        figures.adverse_events,
        charts.bar_chart,
    ),
)

BY_SLUG: dict[str, Report] = {report.slug: report for report in REPORTS if report.available}


def cell(value: Any, *, localize: bool = False) -> str:
    """How a table cell reads in the CSV (plain) or on the page (localised): a dash for no data."""
    if value is None:
        return "—"
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    if localize and isinstance(value, float):
        return str(formats.localize(value))
    return str(value)


def display_rows(table: Table) -> list[list[str]]:
    return [[cell(value, localize=True) for value in row] for row in table.rows]
