"""URLs of the intake app: patient pages (public) and staff pages (login required)."""

from __future__ import annotations

from django.urls import path

from . import staff_views, two_factor, views

patient_patterns = [
    path("", views.home, name="home"),
    path("dry-needling/", views.dry_needling, name="dry_needling"),
    path("privacy/", views.privacy, name="privacy"),
    path("healthz", views.healthz, name="healthz"),
    path("intake/", views.intake_start, name="start"),
]

staff_patterns = [
    path("", staff_views.home, name="home"),
    path("two-factor/setup/", two_factor.setup, name="two_factor_setup"),
    path("two-factor/verify/", two_factor.verify, name="two_factor_verify"),
    path("two-factor/backup-codes/", two_factor.backup_codes, name="backup_codes"),
    path("two-factor/backup-codes/new/", two_factor.new_backup_codes_view, name="new_backup_codes"),
]
