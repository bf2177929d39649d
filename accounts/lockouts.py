"""Locked accounts: sign-ins django-axes (or the per-account ceiling) stopped, with one button
for a clinic admin to unlock each, audited."""

from __future__ import annotations

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from clinic import ratelimit
from intake import audit
from intake.models import User

UNLOCK = "axes.delete_accessattempt"


def _require_unlock(request: HttpRequest) -> None:
    if not request.user.has_perm(UNLOCK):
        raise PermissionDenied


@require_GET
def locked_accounts(request: HttpRequest) -> HttpResponse:
    _require_unlock(request)
    attempts = AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    ).order_by("-attempt_time")
    return render(request, "registration/locked_accounts.html", {"attempts": attempts})


@require_POST
def unlock(request: HttpRequest) -> HttpResponse:
    _require_unlock(request)
    username = request.POST.get("username", "").strip()[:150]
    if not username:
        messages.error(request, _("Please type the username to unlock."))
        return redirect("staff:locked_accounts")
    removed = reset(username=username)
    ratelimit.clear_failed_sign_ins(username)
    user = User.objects.filter(username__iexact=username).first()
    audit.record(
        audit.STAFF_UNLOCKED,
        request=request,
        user=user.pk if user else None,
        username=username,
        attempts=removed,
    )
    messages.success(request, _("%(username)s can sign in again.") % {"username": username})
    return redirect("staff:locked_accounts")
