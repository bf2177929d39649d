"""Template context shared by every page."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def clinic(request: HttpRequest) -> dict[str, object]:
    number = str(settings.CLINIC_EMERGENCY_NUMBER)
    return {
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        # The staff idle sign-out, for the warning a minute before it (static/js/staff.js).
        "staff_idle_seconds": round(settings.CLINIC_STAFF_IDLE_MINUTES * 60),
        "emergency_number": number,
        # A tel: target holds digits and a leading + only.
        "emergency_tel": "tel:" + "".join(c for c in number if c.isdigit() or c == "+"),
        "clinic_email": settings.CLINIC_EMAIL,
        "clinic_address": settings.CLINIC_ADDRESS,
        "clinic_directions": settings.CLINIC_DIRECTIONS,
    }
