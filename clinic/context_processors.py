"""Template context shared by every page."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def clinic(request: HttpRequest) -> dict[str, str]:
    number = str(settings.CLINIC_EMERGENCY_NUMBER)
    return {
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "emergency_number": number,
        # A tel: target holds digits and a leading + only.
        "emergency_tel": "tel:" + "".join(c for c in number if c.isdigit() or c == "+"),
    }
