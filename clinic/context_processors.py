"""Template context shared by every page."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def clinic(request: HttpRequest) -> dict[str, object]:
    return {
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        # The staff idle sign-out, for the warning a minute before it (static/js/staff.js).
        "staff_idle_seconds": round(settings.CLINIC_STAFF_IDLE_MINUTES * 60),
    }
