"""The staff session after an idle sign-out: a keep-alive for "Stay signed in", and the page that
offers to send a form that was posted just after the sign-out (clinic/middleware.py kept it)."""

from __future__ import annotations

import time

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from clinic.middleware import LAST_SEEN_AT, STASHED_POST


@require_POST
@never_cache
def keep_alive(request: HttpRequest) -> HttpResponse:
    """Restart the idle clock (the middleware only notes activity once a minute)."""
    request.session[LAST_SEEN_AT] = int(time.time())
    return HttpResponse(status=204)


def _local(path: object) -> str:
    text = str(path or "")
    return text if text.startswith("/") and url_has_allowed_host_and_scheme(text, None) else ""


@require_GET
@never_cache
def resume(request: HttpRequest) -> HttpResponse:
    """Shown once after signing in again: what was typed, and a button that sends it now."""
    stash = request.session.pop(STASHED_POST, None)
    action = _local(stash.get("action")) if isinstance(stash, dict) else ""
    if not action:
        return redirect("staff:home")
    fields = [
        (str(key), [str(v) for v in values])
        for key, values in dict(stash.get("data") or {}).items()
        if isinstance(values, list)
    ]
    return render(
        request,
        "registration/resume.html",
        {"action": action, "page": _local(stash.get("page")) or "/staff/", "fields": fields},
    )
