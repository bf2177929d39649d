"""Response headers (CSP, framing, HSTS, permissions, request ids) and the deploy check."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.test import Client

from tests.test_foundation import ROOT

pytestmark = pytest.mark.django_db

PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "k7Yq2-not-a-real-secret-but-long-and-varied-9fZr0pLm4xW8vB3nT6hJ1sD5",
    "DJANGO_ALLOWED_HOSTS": "intake.clinic.example",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://intake.clinic.example",
    "DJANGO_BEHIND_PROXY": "1",
    "DJANGO_SECURE_SSL_REDIRECT": "1",
    "DJANGO_HSTS_SECONDS": "31536000",
    "DJANGO_HSTS_PRELOAD": "1",
}


def csp_directives(header: str) -> dict[str, list[str]]:
    parts = [part.strip().split() for part in header.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


@pytest.mark.parametrize("url", ["/", "/intake/", "/staff/login/", "/no-such-page/"])
def test_every_page_sends_a_strict_content_security_policy(client: Client, url: str) -> None:
    response = client.get(url)
    policy = csp_directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


def test_pages_cannot_be_framed_sniffed_or_leak_the_referrer(client: Client) -> None:
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    permissions = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in permissions


def test_hsts_is_sent_over_https_when_configured(client: Client, settings) -> None:
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_session_and_csrf_cookies_are_secure_http_only_and_same_site_lax(settings) -> None:
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
    assert settings.SESSION_COOKIE_HTTPONLY and settings.CSRF_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"


def test_the_language_cookie_is_secure_http_only_and_same_site_lax(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/"})
    cookie = response.cookies["django_language"]
    assert cookie.value == "es"
    assert cookie["secure"] and cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_every_response_carries_a_request_id(client: Client) -> None:
    first = client.get("/")["X-Request-ID"]
    second = client.get("/")["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_a_sane_incoming_request_id_is_kept_and_a_strange_one_replaced(client: Client) -> None:
    assert client.get("/", HTTP_X_REQUEST_ID="proxy-1234abcd")["X-Request-ID"] == "proxy-1234abcd"
    strange = client.get("/", HTTP_X_REQUEST_ID="<script>alert(1)</script>")["X-Request-ID"]
    assert "<" not in strange and len(strange) == 32


def test_behind_the_proxy_the_client_address_is_the_last_forwarded_entry(
    client: Client, settings
) -> None:
    from intake.models import AuditEvent
    from tests.helpers import make_front_desk

    settings.CLINIC_BEHIND_PROXY = True
    user = make_front_desk()
    client.post(
        "/staff/login/",
        {"username": user.username, "password": "wrong"},
        HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7",
    )
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"
    assert not AuditEvent.objects.exists()


def test_manage_check_deploy_with_production_settings_prints_no_warning() -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**clean, **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
