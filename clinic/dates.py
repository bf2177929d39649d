"""Dates and times as people write them in each language: the one place for their formats.

"Monday, November 30, 2026, 4:00 PM" in English, "lunes 30 de noviembre de 2026, 16:00" in
Spanish (months and weekdays lowercase, as Spanish writes them). The format strings are
translated (pgettext), so a new language brings its own. Pages, error messages, emails and the
slot picker all format through these.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import dateformat
from django.utils.translation import pgettext_lazy

DAY_FORMAT = pgettext_lazy("date format: weekday, day and month", "l, F j")
DATE_FORMAT = pgettext_lazy("date format: weekday and full date", "l, F j, Y")
WHEN_FORMAT = pgettext_lazy("date format: weekday, full date and time", "l, F j, Y, g:i A")
# A day button of the slot picker: "Mon, Nov 30" / "lun 30 nov".
SHORT_DAY_FORMAT = pgettext_lazy("date format: short weekday, day and month", "D, M j")
# A date without the weekday, for dates of birth and answers: "September 30, 1983" (as
# DATE_FORMAT in clinic/formats/, which the staff pages use).
PLAIN_DATE_FORMAT = pgettext_lazy("date format: full date without weekday", "F j, Y")
# The time of day alone: "10:00 AM" / "10:00". The slot picker and every confirmation use it.
TIME_FORMAT = pgettext_lazy("time format: hours and minutes", "g:i A")

Moment = date | datetime | time


def _format(value: Moment | None, fmt: str) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, time):
        return dateformat.time_format(value, fmt)
    return dateformat.format(value, fmt)


def long_day(value: Moment | None) -> str:
    return _format(value, str(DAY_FORMAT))


def long_date(value: Moment | None) -> str:
    return _format(value, str(DATE_FORMAT))


def when(value: Moment | None) -> str:
    return _format(value, str(WHEN_FORMAT))


def short_day(value: Moment | None) -> str:
    return _format(value, str(SHORT_DAY_FORMAT))


def plain_date(value: Moment | None) -> str:
    return _format(value, str(PLAIN_DATE_FORMAT))


def clock(value: Moment | None) -> str:
    return _format(value, str(TIME_FORMAT))
