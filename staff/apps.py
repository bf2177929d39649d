from __future__ import annotations

from django.apps import AppConfig


class StaffConfig(AppConfig):
    """The staff review screens: queue, submission page and its actions, export, subject access."""

    name = "staff"
