"""The one way to build a link that leaves the site (emails, calendar files): CLINIC_SITE_URL.

Never the request's Host header: a link in an email must point at the clinic's real address
whichever address the request came in on (and a forged Host must not end up in a patient's inbox).
"""

from __future__ import annotations

from django.conf import settings


def absolute_url(path: str) -> str:
    """`path` (from reverse(), starting with "/") on the clinic's public address."""
    if not path.startswith("/"):
        raise ValueError("absolute_url takes a path that starts with '/'")
    return f"{settings.CLINIC_SITE_URL.rstrip('/')}{path}"
