"""Cross-cutting request handling: request ids, client IPs, headers, staff sessions, 2FA, limits."""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .logs import current_request_id

log = logging.getLogger(__name__)

Handler = Callable[[HttpRequest], HttpResponse]

SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

# Session keys for staff session limits (seconds since the epoch).
SIGNED_IN_AT = "clinic_signed_in_at"
LAST_SEEN_AT = "clinic_last_seen_at"
# Writing the session on every click is wasteful; a minute of slack on the idle clock is fine.
LAST_SEEN_RESOLUTION = 60
# A form posted just after the idle sign-out: kept in the new session until signed in again
# (accounts/session.py offers to send it). Never logged; capped in size.
STASHED_POST = "clinic_stashed_post"
STASH_MAX_CHARS = 20_000


def remote_addr(request: HttpRequest) -> str | None:
    """The client as rate limits and django-axes count it: the address (already corrected for
    our proxy by ProxyClientIPMiddleware), or for IPv6 its /64 network's first address, since
    one household or server is given a whole /64 and can use a new address for every try."""
    address = request.META.get("REMOTE_ADDR") or None
    if address is None:
        return None
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6 and parsed.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return address


class RequestIdMiddleware:
    """Gives each request an id (X-Request-ID when sane, else a new one) for logs and replies."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if SANE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.id = request_id  # type: ignore[attr-defined]
        token = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class ProxyClientIPMiddleware:
    """Behind our reverse proxy, REMOTE_ADDR becomes the address the proxy saw.

    The proxy appends the client's address to X-Forwarded-For, so only the last entry is
    trusted; earlier entries come from the client and may be forged.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.CLINIC_BEHIND_PROXY:
            forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
            last = forwarded.split(",")[-1].strip()
            with contextlib.suppress(ValueError):
                request.META["REMOTE_ADDR"] = str(ipaddress.ip_address(last))
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """Turns off browser features the clinic never uses (camera, microphone, location...)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.CLINIC_PERMISSIONS_POLICY)
        return response


class StaffSessionTimeoutMiddleware:
    """Signs staff out after CLINIC_STAFF_IDLE_MINUTES idle, or CLINIC_STAFF_SESSION_HOURS.

    Only signed-in sessions are touched: a patient's anonymous session is never cut here.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            # A form posted from our staff page after the session is gone: keep it too. A post
            # without a valid CSRF token goes on to the usual 403.
            if request.method == "POST" and _needs_staff_sign_in(request) and _csrf_ok(request):
                return _to_sign_in(request)
            return self.get_response(request)
        expired = self._expired(request)
        if expired:
            logout(request)
            messages.info(request, expired)
            return _to_sign_in(request)
        response = self.get_response(request)
        # Pages seen signed in hold patient data: no copy in the browser's or a proxy's cache
        # (the Back button after signing out on a shared front-desk computer shows nothing).
        patch_cache_control(response, no_store=True, private=True)
        return response

    def _expired(self, request: HttpRequest) -> str:
        session = request.session
        now = int(time.time())
        signed_in_at = session.setdefault(SIGNED_IN_AT, now)
        last_seen_at = session.get(LAST_SEEN_AT, now)
        if now - last_seen_at > settings.CLINIC_STAFF_IDLE_MINUTES * 60:
            minutes = max(1, round(settings.CLINIC_STAFF_IDLE_MINUTES))
            return ngettext(
                "You were signed out after %(minutes)s minute without activity. "
                "Please sign in again.",
                "You were signed out after %(minutes)s minutes without activity. "
                "Please sign in again.",
                minutes,
            ) % {"minutes": minutes}
        if now - signed_in_at > settings.CLINIC_STAFF_SESSION_HOURS * 3600:
            # "a 12-hour limit": the number is part of an adjective, never plural.
            return _("Your session reached its %(hours)s-hour limit. Please sign in again.") % {
                "hours": settings.CLINIC_STAFF_SESSION_HOURS
            }
        if now - last_seen_at >= LAST_SEEN_RESOLUTION or LAST_SEEN_AT not in session:
            session[LAST_SEEN_AT] = now
        return ""


def _to_sign_in(request: HttpRequest) -> HttpResponse:
    """To the sign-in page; a form's content is kept and offered again afterwards (never a
    redirect back to the form's POST address, which would be a bare 405)."""
    if request.method == "POST":
        stash = _stash_of(request) if _csrf_ok(request) else None
        if stash is not None:
            request.session[STASHED_POST] = stash
            return redirect_to_login(reverse("staff:resume"), reverse("login"))
        return redirect_to_login(_page_of(request), reverse("login"))
    return redirect_to_login(request.get_full_path(), reverse("login"))


def _needs_staff_sign_in(request: HttpRequest) -> bool:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    staff = bool(StaffOnlyMiddleware.STAFF_NAMESPACES.intersection(match.namespaces))
    return staff and getattr(match.func, "login_required", True)


def _csrf_ok(request: HttpRequest) -> bool:
    """Only a post from our own page is kept: another site cannot plant text to be saved."""

    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse()

    checker = CsrfViewMiddleware(view)
    return checker.process_view(request, view, (), {}) is None


def _page_of(request: HttpRequest) -> str:
    """The page a form was posted from (its Referer on this site), else the staff home."""
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parsed = urlsplit(referer)
        return parsed.path + (f"?{parsed.query}" if parsed.query else "")
    return reverse("staff:home")


def _stash_of(request: HttpRequest) -> dict[str, Any] | None:
    """What a form held (without its CSRF token), or None when too big to keep."""
    data = {key: values for key, values in request.POST.lists() if key != "csrfmiddlewaretoken"}
    size = sum(len(key) + sum(len(v) for v in values) for key, values in data.items())
    if not data or size > STASH_MAX_CHARS:
        return None
    return {"action": request.path, "page": _page_of(request), "data": data}


class StaffOnlyMiddleware:
    """Signed-in accounts without staff status get 403 on every staff page (the sign-in refuses
    them too; this also covers a session that outlived the status)."""

    STAFF_NAMESPACES = frozenset({"staff", "consults_staff", "care_staff", "fhir", "reports"})

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        user = request.user
        match = request.resolver_match
        if not user.is_authenticated or user.is_staff or match is None:
            return None
        if self.STAFF_NAMESPACES.intersection(match.namespaces):
            raise PermissionDenied
        return None


def is_verified(user: Any) -> bool:
    """True when django-otp verified this signed-in user's session with a second factor."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def two_factor_exempt(view: Any) -> Any:
    """Marks a view that a signed-in but not yet verified staff member may open."""
    view.two_factor_exempt = True
    return view


class TwoFactorRequiredMiddleware:
    """With CLINIC_REQUIRE_2FA, staff pages and the admin need a session verified by a code.

    Staff without an authenticator are sent to enrol one; the others to type a code.
    """

    EXEMPT_URL_NAMES = frozenset({"login", "logout", "set_language"})

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if not settings.CLINIC_REQUIRE_2FA:
            return None
        user = request.user
        if not user.is_authenticated or is_verified(user):
            return None
        match = request.resolver_match
        if getattr(view_func, "two_factor_exempt", False) or (
            match is not None and match.url_name in self.EXEMPT_URL_NAMES
        ):
            return None
        is_admin = match is not None and match.app_name == "admin"
        if not is_admin and not getattr(view_func, "login_required", True):
            return None  # a public page
        from django_otp import user_has_device

        step = "staff:two_factor_verify" if user_has_device(user) else "staff:two_factor_setup"
        return redirect_to_login(request.get_full_path(), reverse(step))


class RequestFieldLimitsMiddleware:
    """Refuses form posts with NUL bytes or overlong fields (400) before any view sees them.

    PostgreSQL cannot store NUL in text, and no honest answer is longer than
    CLINIC_MAX_FIELD_LENGTH characters.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if request.method not in {"POST", "PUT", "PATCH"}:
            return None
        items = list(request.POST.lists())
        limit = settings.CLINIC_MAX_FIELD_LENGTH
        for key, values in items:
            if len(key) > 200 or "\x00" in key:
                return self._bad_request(request, "field_name")
            for value in values:
                if "\x00" in value:
                    return self._bad_request(request, "nul")
                if len(value) > limit:
                    return self._bad_request(request, "too_long")
        return None

    def _bad_request(self, request: HttpRequest, reason: str) -> HttpResponse:
        log.warning("refused form post: %s", reason)
        try:
            return render(request, "400.html", status=400)
        except Exception:  # the 400 page must never turn into a 500
            return HttpResponseBadRequest()
