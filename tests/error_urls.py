"""The clinic's URLs plus one broken page under a link path, for the error report tests."""

from __future__ import annotations

import smtplib

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from clinic.urls import urlpatterns as clinic_urlpatterns


@login_not_required
def broken(request: HttpRequest, token: str) -> HttpResponse:
    address = "zelda.smith" + "@example.com"  # joined here, so no source line shows it
    raise smtplib.SMTPRecipientsRefused({address: (550, b"no such user")})


urlpatterns = [path("consult/book/<str:token>/broken/", broken), *clinic_urlpatterns]
