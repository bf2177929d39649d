"""Per-client rate limits on public endpoints: fixed windows counted in Django's cache.

The cache is Redis when REDIS_URL is set (shared by every worker), else per-process memory.
Limits are (requests, seconds) in settings.CLINIC_RATE_LIMITS; CLINIC_RATE_LIMITS_ENABLED=0
turns them off (load tests). Keys are HMACs: the cache never holds an email address or IP.
IPv6 clients are counted per /64 (see clinic.middleware.remote_addr).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .middleware import remote_addr

log = logging.getLogger(__name__)

View = Callable[..., HttpResponse]


class RateLimited(Exception):
    """Raised by `check`; RateLimitMiddleware turns it into the friendly 429 page."""

    def __init__(self, scope: str, retry_after: int) -> None:
        super().__init__(scope)
        self.scope = scope
        self.retry_after = retry_after


def _bucket(scope: str, key: str, window: int, now: float) -> tuple[str, int]:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"{scope}\n{key}".encode(), hashlib.sha256
    ).hexdigest()[:32]
    started = int(now) // window
    retry_after = window - int(now) % window
    return f"ratelimit:{scope}:{started}:{digest}", retry_after


def _count(scope: str, key: str, window: int, *, add: bool) -> int:
    """Requests counted for `key` in this window of `scope` (after adding one when `add`)."""
    name, _retry_after = _bucket(scope, key, window, time.time())
    try:
        if not add:
            return int(cache.get(name, 0))
        cache.add(name, 0, timeout=window + 1)
        try:
            return int(cache.incr(name))
        except ValueError:  # the window ended between add and incr
            cache.set(name, 1, timeout=window + 1)
            return 1
    except Exception:  # a cache outage must not stop patients: count nothing, log the code
        log.exception("rate limit cache unavailable (scope %s)", scope)
        return 0


def hit(scope: str, key: str) -> tuple[bool, int]:
    """Count one request for `key` in `scope`: (still within the limit?, seconds to wait)."""
    if not settings.CLINIC_RATE_LIMITS_ENABLED:
        return True, 0
    limit, window = settings.CLINIC_RATE_LIMITS[scope]
    _name, retry_after = _bucket(scope, key, window, time.time())
    return _count(scope, key, window, add=True) <= limit, retry_after


def client_key(request: HttpRequest) -> str:
    return remote_addr(request) or "unknown"


# Failed sign-ins per account, whatever the address (django-axes counts per username and
# address). A fixed hour, so a locked account opens again at the top of the next window.
ACCOUNT_SCOPE = "sign_in_account"
ACCOUNT_WINDOW = 3600


def account_locked(username: str) -> bool:
    """True when this username has had CLINIC_ACCOUNT_FAILURE_LIMIT failures this hour."""
    if not settings.CLINIC_RATE_LIMITS_ENABLED:
        return False
    failures = _count(ACCOUNT_SCOPE, username.lower(), ACCOUNT_WINDOW, add=False)
    return failures >= settings.CLINIC_ACCOUNT_FAILURE_LIMIT


def note_failed_sign_in(username: str) -> None:
    if settings.CLINIC_RATE_LIMITS_ENABLED:
        _count(ACCOUNT_SCOPE, username.lower(), ACCOUNT_WINDOW, add=True)


def clear_failed_sign_ins(username: str) -> None:
    """Forget this hour's failures for an account (a clinic admin unlocked it)."""
    name, _retry_after = _bucket(ACCOUNT_SCOPE, username.lower(), ACCOUNT_WINDOW, time.time())
    try:
        cache.delete(name)
    except Exception:
        log.exception("rate limit cache unavailable (scope %s)", ACCOUNT_SCOPE)


def check(request: HttpRequest, scope: str, key: str | None = None) -> None:
    """Raise RateLimited when this client (or `key`, e.g. an email address) is over the limit."""
    allowed, retry_after = hit(scope, (key if key is not None else client_key(request)).lower())
    if not allowed:
        log.warning("rate limited: %s", scope)
        raise RateLimited(scope, retry_after)


def rate_limit(scope: str, *, methods: tuple[str, ...] = ("POST",)) -> Callable[[View], View]:
    """Limit a view per client IP for the given HTTP methods (POST by default)."""

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in methods:
                check(request, scope)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def too_many_requests(request: HttpRequest, retry_after: int = 60) -> HttpResponse:
    response = render(request, "429.html", status=429)
    response["Retry-After"] = str(retry_after)
    return response


class RateLimitMiddleware:
    """Renders the friendly 429 page for RateLimited raised anywhere in a view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RateLimited):
            return too_many_requests(request, exception.retry_after)
        return None
