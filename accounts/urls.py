"""Two-factor pages under /staff/two-factor/."""

from __future__ import annotations

from django.urls import path

from . import two_factor

urlpatterns = [
    path("two-factor/setup/", two_factor.setup, name="two_factor_setup"),
    path("two-factor/verify/", two_factor.verify, name="two_factor_verify"),
    path("two-factor/backup-codes/", two_factor.backup_codes, name="backup_codes"),
    path("two-factor/backup-codes/new/", two_factor.new_backup_codes_view, name="new_backup_codes"),
]
