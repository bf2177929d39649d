"""The clinic's one date style in English, used by every page, email and template filter.

Month name first, 12-hour clock: "November 30, 2026, 4:00 PM". Short, same order, with the
weekday staff think in: "Mon, Nov 30, 2026, 4:00 PM" (queue, timelines). Appointments add the
full weekday (consults/templatetags/consults.py: "Monday, November 30, 2026, 4:00 PM").
Exports use ISO 8601 instead (staff/export.py), so that spreadsheets sort them.
"""

DATE_FORMAT = "F j, Y"
DATETIME_FORMAT = "F j, Y, g:i A"
TIME_FORMAT = "g:i A"
SHORT_DATE_FORMAT = "M j, Y"
SHORT_DATETIME_FORMAT = "D, M j, Y, g:i A"
MONTH_DAY_FORMAT = "F j"
