"""The consults app: chiropractors' availability, booking, invitations and reminders."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "consults"
    verbose_name = _("Consults")
