"""My account: one page with the password, the authenticator and the backup codes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from intake import audit
from intake.models import User

from .forms import role_of


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@require_GET
def account(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    backup = StaticDevice.objects.filter(user=user, name="Backup codes").first()
    return render(
        request,
        "registration/account.html",
        {
            "role": role_of(user),
            "authenticators": TOTPDevice.objects.filter(user=user, confirmed=True),
            "backup_codes_left": backup.token_set.count() if backup else 0,
        },
    )


@require_http_methods(["GET", "POST"])
@never_cache
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
def password_change(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)  # stay signed in on this device
        audit.record(audit.STAFF_PASSWORD_CHANGED, request=request, user=user.pk)
        messages.success(request, _("Your password has been changed."))
        return redirect("staff:account")
    status = 400 if form.is_bound else 200
    return render(request, "registration/password_change_form.html", {"form": form}, status=status)
