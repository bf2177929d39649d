"""Which locations there are, and which ones a staff member works at (docs/locations.md).

Staff with no StaffLocation rows work everywhere. A submission belongs to the location of its
latest consult (`Submission.location`, written by intake/workflow.py when a consult is booked or
moved); one with no consult yet is visible to every staff member (front desks call new cases
before anyone knows where they will be seen).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.cache import cache
from django.db.models import Exists, Model, OuterRef, Q, QuerySet

from .models import Consult, Location, StaffLocation

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Places:
    """A staff member's locations, worked out once per request (one query)."""

    limited: list[int] | None  # the location ids they are limited to; None: every location
    usable: list[Location]  # the active locations they may book at and filter by


_CACHE_ATTRIBUTE = "_clinic_places"
# Every staff page asks: the answer is cached (shared through Redis in production) for a
# minute, and forgotten at once when locations or assignments change (forget_places()).
_GENERATION_KEY = "consults:places:generation"
PLACES_SECONDS = 60


def forget_places() -> None:
    """Call after changing locations or who works where: every cached answer is dropped."""
    cache.set(_GENERATION_KEY, uuid.uuid4().hex, None)


def places_for(user: Any) -> Places:
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if isinstance(cached, Places):
        return cached
    user_pk = getattr(user, "pk", None) or 0
    generation = cache.get_or_set(_GENERATION_KEY, "0", None)
    key = f"consults:places:{generation}:{user_pk}"
    places = cache.get(key)
    if not isinstance(places, Places):
        places = _places_from_db(user_pk)
        cache.set(key, places, PLACES_SECONDS)
    if user_pk:
        # Kept on the request's user object too: the queue asks several times.
        setattr(user, _CACHE_ATTRIBUTE, places)
    return places


def _places_from_db(user_pk: int) -> Places:
    everywhere: list[Any] = list(
        Location.objects.annotate(
            mine=Exists(StaffLocation.objects.filter(user_id=user_pk, location=OuterRef("pk")))
        )
    )
    limited = [place.pk for place in everywhere if place.mine] or None
    allowed = set(limited) if limited is not None else {place.pk for place in everywhere}
    usable: list[Location] = [
        place for place in everywhere if place.is_active and place.pk in allowed
    ]
    return Places(limited, usable)


def active_locations() -> list[Location]:
    return list(Location.objects.filter(is_active=True))


def limited_to(user: Any) -> list[int] | None:
    """The location ids a staff member is limited to, or None for every location."""
    return places_for(user).limited


def locations_for(user: Any) -> list[Location]:
    """The active locations this staff member may work with (all of them when not limited)."""
    return places_for(user).usable


def case_at(location_ids: list[int]) -> Q:
    """Submissions booked at one of these locations (their latest consult is there)."""
    return Q(location_id__in=location_ids)


def visible_submissions(queryset: QuerySet[M], user: Any) -> QuerySet[M]:
    """The submissions this staff member may see: all, or those booked at their locations and
    the ones not booked anywhere yet."""
    allowed = limited_to(user)
    if allowed is None:
        return queryset
    return queryset.filter(case_at(allowed) | Q(location_id__isnull=True))


def may_see_consult(consult: Consult, user: Any) -> bool:
    allowed = limited_to(user)
    return allowed is None or consult.location_id in allowed
