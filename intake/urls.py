"""URLs of the intake app: patient pages (public) and staff pages (login required)."""

from __future__ import annotations

from django.urls import path

from . import staff_views, views

patient_patterns = [
    path("", views.home, name="home"),
    path("dry-needling/", views.dry_needling, name="dry_needling"),
    path("privacy/", views.privacy, name="privacy"),
    path("healthz", views.healthz, name="healthz"),
    path("intake/", views.intake_start, name="start"),
]

staff_patterns = [
    path("", staff_views.home, name="home"),
]
