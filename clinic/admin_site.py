"""The admin site: staff sign in through the staff login and must pass two-factor first."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from .middleware import is_verified


class ClinicAdminSite(admin.AdminSite):
    site_header = "Clinic administration"

    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        if not settings.CLINIC_REQUIRE_2FA:
            return True
        return is_verified(request.user)

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # One sign-in page for everybody, with the lockout and two-factor steps.
        next_url = request.GET.get("next") or reverse("admin:index")
        return redirect_to_login(next_url, reverse("login"))
