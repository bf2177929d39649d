"""Django's admin, configured to use the clinic's two-factor admin site."""

from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class ClinicAdminConfig(AdminConfig):
    default_site = "clinic.admin_site.ClinicAdminSite"
