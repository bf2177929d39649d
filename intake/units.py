"""Height and weight in the unit the patient chooses, stored in one unit (cm and kg).

The questionnaire offers feet and inches or centimeters, pounds or kilograms (first the
clinic's CLINIC_UNITS). What the patient types is converted here on the way in; the stored,
screened answers stay `height_cm` and `weight_kg`, so the screening and the `screen` command
never see another unit. Numbers may use the language's decimal separator ("72,5" in Spanish).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.utils.formats import get_format
from django.utils.translation import gettext_lazy as _

CM_PER_INCH = 2.54
KG_PER_POUND = 0.45359237
INCHES_PER_FOOT = 12

FEET_INCHES, CENTIMETERS = "ftin", "cm"
POUNDS, KILOGRAMS = "lb", "kg"
# The unit radio's name and the extra inputs of each question (extra POST fields, not answers).
UNIT_FIELD = {"height_cm": "height_unit", "weight_kg": "weight_unit"}
UNIT_CHOICES = {
    "height_cm": ((FEET_INCHES, _("Feet and inches")), (CENTIMETERS, _("Centimeters"))),
    "weight_kg": ((POUNDS, _("Pounds")), (KILOGRAMS, _("Kilograms"))),
}
MEASURED = frozenset(UNIT_FIELD)
NON_METRIC = frozenset({FEET_INCHES, POUNDS})
INPUTS = {
    "height_cm": ("height_ft", "height_in", "height_cm"),
    "weight_kg": ("weight_lb", "weight_kg"),
}

MSG_HEIGHT_FT_IN_RANGE = _("Please enter a height from %(min)s to %(max)s.")
MSG_WEIGHT_LB_RANGE = _("Please enter a weight from %(min)s to %(max)s pounds.")
FT_IN = _("%(feet)s ft %(inches)s in")

_NUMBER = re.compile(r"\d{1,6}(\.\d{1,6})?", re.ASCII)


def default_unit(code: str) -> str:
    metric = settings.CLINIC_UNITS == "metric"
    if code == "height_cm":
        return CENTIMETERS if metric else FEET_INCHES
    return KILOGRAMS if metric else POUNDS


def parse_number(raw: str) -> float | None:
    """A non-negative number typed with "." or with the active language's decimal separator."""
    text = raw.strip()
    separator = get_format("DECIMAL_SEPARATOR")
    if separator != ".":
        text = text.replace(separator, ".", 1)
    if not _NUMBER.fullmatch(text):
        return None
    return float(text)


def localized(number: float) -> str:
    """72.5 as the language writes it ("72,5" in Spanish); whole numbers without a decimal."""
    text = str(int(number)) if float(number).is_integer() else f"{number:.1f}"
    return text.replace(".", get_format("DECIMAL_SEPARATOR"))


def _one_decimal(value: float) -> float | int:
    rounded = round(value, 1)
    return int(rounded) if rounded.is_integer() else rounded


def height_from_feet_inches(feet: str, inches: str) -> float | int | str | None:
    """Centimeters for feet and inches (either may be blank, meaning 0); None when both are
    blank; the typed text when it is not a number, so the validator names the problem."""
    if not feet.strip() and not inches.strip():
        return None
    ft = parse_number(feet) if feet.strip() else 0.0
    inch = parse_number(inches) if inches.strip() else 0.0
    if ft is None or inch is None:
        return f"{feet} {inches}".strip()
    return _one_decimal((ft * INCHES_PER_FOOT + inch) * CM_PER_INCH)


def weight_from_pounds(pounds: str) -> float | int | str | None:
    if not pounds.strip():
        return None
    lb = parse_number(pounds)
    if lb is None:
        return pounds
    return _one_decimal(lb * KG_PER_POUND)


def chosen_unit(code: str, post: Mapping[str, str]) -> str | None:
    """The unit posted for a measured question; None when the post has none (cm and kg, as
    the `screen` command and older forms send)."""
    unit = post.get(UNIT_FIELD[code])
    return unit if unit in dict(UNIT_CHOICES[code]) else None


def converted(code: str, post: Mapping[str, str]) -> float | int | str | None:
    """The answer (in cm or kg) a measured question's POST gives, when a non-metric unit was
    chosen; raises LookupError when the metric field itself carries the answer."""
    unit = chosen_unit(code, post)
    if code == "height_cm" and unit == FEET_INCHES:
        return height_from_feet_inches(post.get("height_ft", ""), post.get("height_in", ""))
    if code == "weight_kg" and unit == POUNDS:
        return weight_from_pounds(post.get("weight_lb", ""))
    raise LookupError(code)


def feet_inches(cm: float) -> tuple[int, float]:
    """181.6 cm as (5, 11.5): inches to one decimal, never 12."""
    total = round(cm / CM_PER_INCH, 1)
    feet = int(total // INCHES_PER_FOOT)
    return feet, round(total - feet * INCHES_PER_FOOT, 1)


def pounds(kg: float) -> float:
    return round(kg / KG_PER_POUND, 1)


def range_message(code: str, unit: str, low: float, high: float) -> str | None:
    """The out-of-range message in the unit the patient typed; None for cm and kg."""
    if code == "height_cm" and unit == FEET_INCHES:
        return str(MSG_HEIGHT_FT_IN_RANGE) % {
            "min": describe_feet_inches(math.ceil(low / CM_PER_INCH) * CM_PER_INCH),
            "max": describe_feet_inches(math.floor(high / CM_PER_INCH) * CM_PER_INCH),
        }
    if code == "weight_kg" and unit == POUNDS:
        return str(MSG_WEIGHT_LB_RANGE) % {
            "min": math.ceil(low / KG_PER_POUND),
            "max": math.floor(high / KG_PER_POUND),
        }
    return None


def describe_feet_inches(cm: float) -> str:
    feet, inches = feet_inches(cm)
    return str(FT_IN) % {"feet": feet, "inches": localized(inches)}


def describe(code: str, value: object) -> str:
    """A stored height or weight in both units, for the review page: "181.6 cm (5 ft 11.5 in)"."""
    if type(value) not in (int, float):
        return str(value)
    number = float(value)  # type: ignore[arg-type]
    if code == "height_cm":
        return f"{localized(number)} cm ({describe_feet_inches(number)})"
    return f"{localized(number)} kg ({localized(pounds(number))} lb)"


@dataclass(frozen=True)
class MeasureInputs:
    """What a measured question's inputs show: the unit checked and each input's text."""

    unit: str
    values: dict[str, str]


def inputs_from_post(code: str, post: Mapping[str, str]) -> MeasureInputs:
    unit = chosen_unit(code, post) or (CENTIMETERS if code == "height_cm" else KILOGRAMS)
    names = INPUTS[code]
    return MeasureInputs(unit, {name: post.get(name, "") for name in names})


def inputs_from_stored(code: str, stored: object) -> MeasureInputs:
    unit = default_unit(code)
    if type(stored) not in (int, float):
        return MeasureInputs(unit, {})
    number = float(stored)  # type: ignore[arg-type]
    if code == "height_cm":
        feet, inches = feet_inches(number)
        return MeasureInputs(
            unit,
            {
                "height_ft": str(feet),
                "height_in": localized(inches),
                "height_cm": localized(number),
            },
        )
    return MeasureInputs(
        unit, {"weight_lb": localized(pounds(number)), "weight_kg": localized(number)}
    )
