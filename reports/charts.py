"""Server-rendered SVG charts (pygal), self-contained: no script, no remote file, no web font.

Each chart is served as an image from our own URL (reports/views.py), so its embedded <style>
stays inside the image and the page's Content Security Policy needs no exception. Each series
has a pattern (bars) or a dash (lines) as well as a colour, so charts read in print, in grey and
for colour-blind readers; the data table beside each chart carries the same numbers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree

import pygal
from pygal.etree import etree as pygal_etree
from pygal.style import Style

from .figures import Table

SVG_NS = "http://www.w3.org/2000/svg"
# Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
# Line dashes, one per series (pygal's stroke_style dasharray).
DASHES = ("", "8,4", "2,4", "12,4,2,4", "4,4", "16,6", "1,3")
# Bar fills: solid, then white lines over the colour in a different direction for each series.
PATTERNS = (
    "",
    "M0,8 L8,0",
    "M0,4 H8",
    "M4,0 V8",
    "M0,0 L8,8",
    "M0,8 L8,0 M0,0 L8,8",
    "M0,4 H8 M4,0 V8",
)

STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#212529",
    foreground_strong="#000000",
    foreground_subtle="#6c757d",
    colors=COLOURS,
    font_family="system-ui, sans-serif",
    title_font_size=18,
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=14,
    value_font_size=13,
)
CONFIG: dict[str, Any] = {
    "style": STYLE,
    "js": [],  # pygal would otherwise reference a remote script
    "disable_xml_declaration": True,
    "width": 800,
    "height": 400,
    "legend_at_bottom": True,
    "legend_at_bottom_columns": 3,
    "no_data_text": "",
    "tooltip_border_radius": 0,
}


def _tag(element: Any) -> str:
    return str(element.tag).rsplit("}", 1)[-1]


def _cleaner(title: str, description: str, patterns: bool) -> Callable[[Any], Any]:
    """A pygal xml filter: drop the script and the tooltips' hidden data (they need the script),
    add the chart's <desc> after its <title>, label the image and add the bar patterns."""

    def clean(root: Any) -> Any:
        for parent in list(root.iter()):
            for child in list(parent):
                if (
                    callable(child.tag)
                    or _tag(child) == "script"
                    or (_tag(child) in ("desc", "title") and parent is not root)
                ):  # a comment (pygal's credits)
                    parent.remove(child)
                else:
                    _round(child)
        title_element = next(child for child in root if _tag(child) == "title")
        title_element.text = title
        desc = pygal_etree.Element("desc")
        desc.text = description
        root.insert(list(root).index(title_element) + 1, desc)
        root.set("role", "img")
        if patterns:
            _add_patterns(root)
        return root

    return clean


_DECIMALS = re.compile(r"(\d+\.\d)\d+")


def _round(element: Any) -> None:
    """Coordinates to a tenth of a pixel: pygal writes fifteen digits, which only adds bytes."""
    for name in ("x", "y", "width", "height", "d", "transform", "points", "cx", "cy"):
        value = element.get(name)
        if value:
            element.set(name, _DECIMALS.sub(r"\1", value))


def _add_patterns(root: Any) -> None:
    chart_id = root.get("id")
    defs = next(child for child in root if _tag(child) == "defs")
    rules = []
    for index, (colour, path) in enumerate(zip(COLOURS, PATTERNS, strict=True)):
        if not path:
            continue
        pattern_id = f"{chart_id}-pattern-{index}"
        pattern = pygal_etree.SubElement(
            defs,
            "pattern",
            id=pattern_id,
            patternUnits="userSpaceOnUse",
            width="8",
            height="8",
        )
        pygal_etree.SubElement(pattern, "rect", width="8", height="8", fill=colour)
        pygal_etree.SubElement(pattern, "path", d=path, stroke="#ffffff", **{"stroke-width": "2"})
        rules.append(f"#{chart_id} .color-{index}{{fill:url(#{pattern_id})}}")
    style = pygal_etree.SubElement(defs, "style", type="text/css")
    style.text = "".join(rules)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _render(chart: Any) -> bytes:
    return str(chart.render()).encode()


def line_chart(table: Table, title: str, description: str) -> bytes:
    """One line per plotted column, each with its own dash; x is the first column."""
    chart = pygal.Line(
        **CONFIG,
        show_dots=False,
        stroke_style={"width": 3},
        x_label_rotation=-45,
        show_minor_x_labels=False,
        x_labels_major_every=max(1, len(table.rows) // 12),
    )
    chart.add_xml_filter(_cleaner(title, description, patterns=False))
    chart.x_labels = [row[0].isoformat() for row in table.rows]
    for index, column in enumerate(table.series):
        chart.add(
            table.columns[column],
            [_number(row[column]) for row in table.rows],
            stroke_style={"width": 3, "dasharray": DASHES[index % len(DASHES)]},
        )
    return _render(chart)


def bar_chart(table: Table, title: str, description: str, *, horizontal: bool = False) -> bytes:
    """Bars per row (first column) for each plotted column, each series with its own pattern."""
    kind = pygal.HorizontalBar if horizontal else pygal.Bar
    chart = kind(
        **CONFIG,
        print_values=True,
    )
    chart.add_xml_filter(_cleaner(title, description, patterns=True))
    rows = [row for row in table.rows if any(row[c] is not None for c in table.series)]
    chart.x_labels = [str(row[0]) for row in rows]
    for column in table.series:
        chart.add(table.columns[column], [_number(row[column]) for row in rows])
    return _render(chart)


def parse(svg: bytes) -> ElementTree.Element:
    """The chart as XML (what tests and the size check read)."""
    return ElementTree.fromstring(svg)
