"""The progress chart on the episode page: first-step pain, the PSFS mean and home-programme
adherence over time, sessions marked on the time axis, and the minimal important change as a
band (docs/care.md#outcomes). A pygal SVG served from our own URL, with no script and nothing
fetched from elsewhere; its <title> and <desc> say what it shows in words."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, datetime, time

import pygal
from django.utils import timezone
from django.utils.translation import gettext as _
from pygal.style import Style

from clinic import dates

from . import scores
from .outcomes import Progress, intake_nprs, psfs_point

SVG_NS = "http://www.w3.org/2000/svg"
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#212529",
    foreground_strong="#212529",
    foreground_subtle="#6c757d",
    # Pain, activities, adherence, sessions, the pain band, the activities target.
    colors=("#b02a37", "#0a58ca", "#146c43", "#495057", "#b02a37", "#0a58ca"),
    font_family="system-ui, sans-serif",
    opacity=".25",
    opacity_hover=".35",
)


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment).replace(tzinfo=None)


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12))


def render(progress: Progress) -> str:
    submission = progress.submission
    pain: list[tuple[datetime, float]] = []
    intake_pain = intake_nprs(submission)
    if intake_pain is not None and submission.submitted_at:
        pain.append((_local(submission.submitted_at), intake_pain))
    activities: list[tuple[datetime, float]] = []
    adherence: list[tuple[datetime, float]] = []
    for checkin in progress.checkins:
        assert checkin.answered_at is not None
        when = _local(checkin.answered_at)
        if checkin.nprs_first_step is not None:
            pain.append((when, checkin.nprs_first_step))
        mean = psfs_point(checkin)
        if mean is not None:
            activities.append((when, mean))
        if checkin.adherence_days is not None:
            adherence.append((when, checkin.adherence_days))
    sessions = [(_noon(s.date), 0.0) for s in progress.sessions]
    moments = [m for m, _v in pain + activities + adherence + sessions]

    chart = pygal.DateTimeLine(
        style=STYLE,
        js=[],
        css=[],
        disable_xml_declaration=True,
        width=720,
        height=360,
        explicit_size=False,
        range=(0, 10),
        include_x_axis=True,
        legend_at_bottom=True,
        legend_at_bottom_columns=2,
        truncate_legend=-1,
        show_x_guides=False,
        x_value_formatter=lambda d: dates.short_day(d) if isinstance(d, datetime) else "",
        x_label_rotation=0,
        dots_size=4,
        print_values=False,
    )
    chart.add(_("First-step pain (0–10)"), pain)
    chart.add(_("Activities, PSFS mean (0–10)"), activities)
    chart.add(
        _("Home exercises (days of the last 7)"), adherence, stroke_style={"dasharray": "2,4"}
    )
    chart.add(_("Sessions"), sessions, stroke=False, dots_size=6)
    if moments and intake_pain is not None and intake_pain >= scores.MIC_NPRS:
        span = [min(moments), max(moments)]
        target = intake_pain - scores.MIC_NPRS
        chart.add(
            _("Pain down by the minimal important change (2 points) or more"),
            [(m, target) for m in span],
            fill=True,
            show_dots=False,
            stroke_style={"width": 1},
        )
    summary = progress.summary
    if moments and summary and summary.baseline_psfs is not None:
        psfs_target = min(summary.baseline_psfs + scores.MIC_PSFS, 10)
        chart.add(
            _("Activities up by the minimal important change (2 points)"),
            [(m, psfs_target) for m in [min(moments), max(moments)]],
            show_dots=False,
            stroke_style={"width": 1, "dasharray": "6,4"},
        )
    if not moments:
        chart.no_data_text = _("No answers yet")
    return _finish(chart, description=describe(progress, pain, activities, adherence))


def describe(
    progress: Progress,
    pain: list[tuple[datetime, float]],
    activities: list[tuple[datetime, float]],
    adherence: list[tuple[datetime, float]],
) -> str:
    """The chart in words (its <desc>), for screen readers and anyone who cannot see it."""

    def points(series: list[tuple[datetime, float]]) -> str:
        return ", ".join(f"{value:g} ({dates.plain_date(when.date())})" for when, value in series)

    parts = [progress.words]
    if pain:
        parts.append(_("First-step pain: %(points)s.") % {"points": points(pain)})
    if activities:
        parts.append(_("Activities (PSFS mean): %(points)s.") % {"points": points(activities)})
    if adherence:
        parts.append(
            _("Days with home exercises, of the last 7: %(points)s.")
            % {"points": points(adherence)}
        )
    if progress.sessions:
        parts.append(
            _("Sessions: %(days)s.")
            % {"days": ", ".join(dates.plain_date(s.date) for s in progress.sessions)}
        )
    return " ".join(parts)


def _finish(chart: pygal.DateTimeLine, *, description: str) -> str:
    """Drop pygal's script, put our title and description first, serialise."""
    ET.register_namespace("", SVG_NS)
    root = chart.render_tree()
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag in ("script", f"{{{SVG_NS}}}script"):
                parent.remove(child)
    root.set("role", "img")
    root.set("aria-labelledby", "chart-title chart-desc")
    title = ET.Element("title", {"id": "chart-title"})
    title.text = _("Progress over the course of care")
    desc = ET.Element("desc", {"id": "chart-desc"})
    desc.text = description
    root.insert(0, desc)
    root.insert(0, title)
    return ET.tostring(root, encoding="unicode")
