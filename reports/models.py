"""The dashboard's permission. Reports store nothing: every figure is computed from live rows."""

from __future__ import annotations

from django.db import models


class Dashboard(models.Model):
    """No table (managed = False): only the home of the `reports.view_dashboard` permission,
    which Django ties to a model's content type."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_dashboard", "Can see the clinic dashboard and its downloads")]

    def __str__(self) -> str:
        return "dashboard"
