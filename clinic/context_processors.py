"""Template context shared by every page."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def clinic(request: HttpRequest) -> dict[str, str]:
    return {
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "clinic_email": settings.CLINIC_EMAIL,
        "clinic_address": settings.CLINIC_ADDRESS,
        "clinic_directions": settings.CLINIC_DIRECTIONS,
    }
