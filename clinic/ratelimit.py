"""Per-client rate limits on public endpoints: fixed windows counted in Django's cache.

The cache is Redis when REDIS_URL is set (shared by every worker), else per-process memory.
Limits are (requests, seconds) in settings.CLINIC_RATE_LIMITS; CLINIC_RATE_LIMITS_ENABLED=0
turns them off (load tests). Keys are HMACs: the cache never holds an email address or IP.
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


def hit(scope: str, key: str) -> tuple[bool, int]:
    """Count one request for `key` in `scope`: (still within the limit?, seconds to wait)."""
    if not settings.CLINIC_RATE_LIMITS_ENABLED:
        return True, 0
    limit, window = settings.CLINIC_RATE_LIMITS[scope]
    name, retry_after = _bucket(scope, key, window, time.time())
    try:
        cache.add(name, 0, timeout=window + 1)
        try:
            count = cache.incr(name)
        except ValueError:  # the window ended between add and incr
            cache.set(name, 1, timeout=window + 1)
            count = 1
    except Exception:  # a cache outage must not stop patients: count nothing, log the code
        log.exception("rate limit cache unavailable (scope %s)", scope)
        return True, 0
    return count <= limit, retry_after


def client_key(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


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
