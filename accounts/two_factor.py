"""Two-factor sign-in for staff: enrol an authenticator app, verify a code, backup codes.

An enrolment secret lives only in the session that showed it, and only until the next setup page
view. Replacing an authenticator or making new backup codes asks for the password again.
"""

from __future__ import annotations

from base64 import b32encode
from typing import Any

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import devices_for_user, user_has_device, verify_token
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.middleware import is_verified, two_factor_exempt
from intake import audit
from intake.models import User

# The unconfirmed authenticator shown on this session's latest setup page.
PENDING_DEVICE = "two_factor_pending_device"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        help_text=gettext_lazy("The 6-digit code from your authenticator app, or a backup code."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split()).lower()


class SetupCodeForm(CodeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = gettext_lazy("The 6-digit code your app shows now.")


class PasswordAgainForm(forms.Form):
    """The password once more, before changing how this account signs in.

    Checked through authenticate(), so django-axes counts wrong guesses as it does at sign-in.
    """

    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        user = self.request.user
        checked = authenticate(self.request, username=user.get_username(), password=password)
        if checked is None or checked.pk != user.pk:
            raise ValidationError(_("That password is not right."))
        return password


class ReplaceAuthenticatorForm(SetupCodeForm, PasswordAgainForm):
    """Setting up a new phone while one is enrolled: the new code and the password."""


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return str(settings.LOGIN_REDIRECT_URL)


def _fresh_pending_device(request: HttpRequest, user: User) -> TOTPDevice:
    """A new secret for this page view; any earlier unconfirmed one stops working."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)
    request.session[PENDING_DEVICE] = device.pk
    return device


def _shown_pending_device(request: HttpRequest, user: User) -> TOTPDevice | None:
    """The unconfirmed authenticator this session's setup page showed, if it still exists."""
    pk = request.session.get(PENDING_DEVICE)
    if not isinstance(pk, int):
        return None
    return TOTPDevice.objects.filter(pk=pk, user=user, confirmed=False).first()


def reset_two_factor(user: User) -> int:
    """Remove every device (authenticators and backup codes): the person enrols afresh.

    Returns how many devices went; the caller writes the audit entry with its reason.
    """
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        removed += model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
    return removed


def new_backup_codes(user: User) -> list[str]:
    """Replace the user's backup codes with fresh ones; each works once."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name="Backup codes", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.CLINIC_BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@login_required
@two_factor_exempt
@never_cache
@sensitive_post_parameters("code", "password")
def setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR code, then type one code to confirm."""
    user = request.user
    assert isinstance(user, User)
    replacing = user_has_device(user)
    if replacing and not is_verified(user):
        # Replacing an authenticator needs the current one (or a backup code) first.
        return redirect(f"{_verify_url()}?next={request.get_full_path()}")
    data = request.POST if request.method == "POST" else None
    form = ReplaceAuthenticatorForm(data, request=request) if replacing else SetupCodeForm(data)
    device = _shown_pending_device(request, user) if data is not None else None
    if data is not None and form.is_valid():
        if device is None:
            form.add_error(None, _("That setup key has expired. Scan the new QR code below."))
        elif device.verify_token(form.cleaned_data["code"]):
            return _confirm(request, user, device)
        else:
            form.add_error("code", _("That code did not match. Check the time on your phone."))
    if device is None:
        device = _fresh_pending_device(request, user)
    qr_svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, border=2, omitsize=False, title=_("QR code for your authenticator app")
    )
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": qr_svg,
            "secret": _spaced(b32encode(device.bin_key).decode()),
            "next": _next_url(request),
        },
    )


def _confirm(request: HttpRequest, user: User, device: TOTPDevice) -> HttpResponse:
    """The code matched: this device replaces any other, with a fresh set of backup codes."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = new_backup_codes(user)
        audit.record(audit.ENROLLED_TWO_FACTOR, request=request)
        audit.record(audit.CREATED_BACKUP_CODES, request=request, count=len(codes))
    request.session.pop(PENDING_DEVICE, None)
    request.session.cycle_key()
    otp_login(request, device)
    return render(
        request,
        "registration/backup_codes.html",
        {"codes": codes, "next": _next_url(request), "enrolled": True},
    )


def _spaced(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _verify_url() -> str:
    return reverse("staff:two_factor_verify")


@login_required
@two_factor_exempt
@never_cache
@sensitive_post_parameters("code")
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the authenticator app or a backup code."""
    user = request.user
    assert isinstance(user, User)
    if not user_has_device(user):
        return redirect(f"{_setup_url()}?next={_next_url(request)}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        for device in devices_for_user(user):
            verified = verify_token(user, device.persistent_id, code)
            if verified is not None:
                request.session.cycle_key()
                otp_login(request, verified)
                if isinstance(verified, StaticDevice):
                    left = verified.token_set.count()
                    messages.warning(
                        request,
                        _("You used a backup code. %(left)s backup codes are left.")
                        % {"left": left},
                    )
                return redirect(_next_url(request))
        audit.record(audit.FAILED_TWO_FACTOR, request=request)
        form.add_error("code", _("That code did not work. Try the newest code, or a backup code."))
    return render(
        request, "registration/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )


def _setup_url() -> str:
    return reverse("staff:two_factor_setup")


def _backup_codes_page(request: HttpRequest, form: PasswordAgainForm) -> HttpResponse:
    device = StaticDevice.objects.filter(user=request.user, name="Backup codes").first()
    left = device.token_set.count() if device else 0
    return render(
        request, "registration/backup_codes.html", {"left": left, "codes": None, "form": form}
    )


@never_cache
def backup_codes(request: HttpRequest) -> HttpResponse:
    """How many backup codes are left, and a button (with the password) to make a new set."""
    return _backup_codes_page(request, PasswordAgainForm(request=request))


@require_POST
@never_cache
@sensitive_post_parameters("password")
def new_backup_codes_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = PasswordAgainForm(request.POST, request=request)
    if not form.is_valid():
        return _backup_codes_page(request, form)
    with transaction.atomic():
        codes = new_backup_codes(user)
        audit.record(audit.CREATED_BACKUP_CODES, request=request, count=len(codes))
    return render(
        request,
        "registration/backup_codes.html",
        {"codes": codes, "next": str(settings.LOGIN_REDIRECT_URL)},
    )
