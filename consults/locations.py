"""Which locations there are, and which ones a staff member works at (docs/locations.md).

Staff with no StaffLocation rows work everywhere. A submission belongs to the locations of its
consults; one with no consult yet is visible to every staff member (front desks call new cases
before anyone knows where they will be seen).
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Exists, Model, OuterRef, Q, QuerySet

from .models import Consult, Location, StaffLocation

M = TypeVar("M", bound=Model)


def active_locations() -> list[Location]:
    return list(Location.objects.filter(is_active=True))


def has_several() -> bool:
    """More than one location taking bookings: only then is there anything to choose."""
    return Location.objects.filter(is_active=True).count() > 1


def limited_to(user: Any) -> list[int] | None:
    """The location ids a staff member is limited to, or None for every location."""
    if not getattr(user, "pk", None):
        return None
    ids = list(StaffLocation.objects.filter(user_id=user.pk).values_list("location_id", flat=True))
    return ids or None


def locations_for(user: Any) -> list[Location]:
    """The active locations this staff member may work with (all of them when not limited)."""
    allowed = limited_to(user)
    locations = Location.objects.filter(is_active=True)
    if allowed is not None:
        locations = locations.filter(pk__in=allowed)
    return list(locations)


def case_at(location_ids: list[int]) -> Q:
    """Submissions with a consult at one of these locations."""
    return Q(
        Exists(
            Consult.objects.filter(submission=OuterRef("pk"), location_id__in=location_ids)
        )
    )


def case_without_consult() -> Q:
    return ~Q(Exists(Consult.objects.filter(submission=OuterRef("pk"))))


def visible_submissions(queryset: QuerySet[M], user: Any) -> QuerySet[M]:
    """The submissions this staff member may see: all, or those at their locations and the
    ones not booked anywhere yet."""
    allowed = limited_to(user)
    if allowed is None:
        return queryset
    return queryset.filter(case_at(allowed) | case_without_consult())


def may_see_consult(consult: Consult, user: Any) -> bool:
    allowed = limited_to(user)
    return allowed is None or consult.location_id in allowed
