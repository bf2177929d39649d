from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Staff sign-in security: two-factor pages, roles, the auth backend, the user admin."""

    name = "accounts"
