"""The home programme's catalogue: the exercises a plan may choose, with short instructions
for the patient. Codes are stored on plan versions; texts are translated when shown."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Exercise:
    code: str
    name: Promise
    instructions: Promise


CATALOGUE: tuple[Exercise, ...] = (
    Exercise(
        "plantar_fascia_stretch",
        _("Plantar-fascia stretch"),
        _(
            "Sit and cross the painful foot over the other knee. Pull the toes back towards the "
            "shin until you feel a stretch in the arch. Hold for 10 seconds, 10 times, three "
            "times a day, and before your first steps in the morning."
        ),
    ),
    Exercise(
        "calf_stretch_gastrocnemius",
        _("Calf stretch, straight knee (gastrocnemius)"),
        _(
            "Face a wall with the painful leg behind, knee straight and heel on the floor. Lean "
            "forward until you feel a stretch in the calf. Hold for 30 seconds, three times, "
            "twice a day."
        ),
    ),
    Exercise(
        "calf_stretch_soleus",
        _("Calf stretch, bent knee (soleus)"),
        _(
            "As the straight-knee stretch, but bend the back knee while keeping the heel down. "
            "You will feel it lower in the calf. Hold for 30 seconds, three times, twice a day."
        ),
    ),
    Exercise(
        "heel_raise_high_load",
        _("High-load heel raises"),
        _(
            "Stand on a step on the painful foot, with a rolled towel under the toes. Rise up on "
            "the toes for 3 seconds, pause for 2, lower for 3. Do sets of 12 every other day; "
            "add weight in a backpack as it gets easy."
        ),
    ),
    Exercise(
        "intrinsic_foot_strengthening",
        _("Foot muscle strengthening (short foot)"),
        _(
            "Sitting, then standing: draw the ball of the foot towards the heel to lift the arch "
            "without curling the toes. Hold for 5 seconds, 10 times, once a day."
        ),
    ),
)

BY_CODE = {exercise.code: exercise for exercise in CATALOGUE}


def choices() -> list[tuple[str, Promise]]:
    return [(exercise.code, exercise.name) for exercise in CATALOGUE]


def chosen(codes: list[str]) -> list[Exercise]:
    """The exercises of a plan, in catalogue order; unknown codes (retired) left out."""
    return [exercise for exercise in CATALOGUE if exercise.code in codes]
