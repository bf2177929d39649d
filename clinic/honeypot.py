"""A honeypot field on public forms: people never see it, form-filling bots fill it in.

Templates add it with {% include "includes/honeypot.html" %} inside the <form>; views are
wrapped in @honeypot(redirect_to=...). A filled-in honeypot gets an ordinary-looking redirect
and nothing is stored.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

log = logging.getLogger(__name__)

FIELD = "website"

View = Callable[..., HttpResponse]


def tripped(request: HttpRequest) -> bool:
    return request.method == "POST" and bool(request.POST.get(FIELD, "").strip())


def honeypot(*, redirect_to: str) -> Callable[[View], View]:
    """Answer a bot's POST with a redirect to `redirect_to` (a URL name) and do nothing else."""

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if tripped(request):
                log.info("honeypot field filled in; nothing stored")
                return redirect(redirect_to)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
