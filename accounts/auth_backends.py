"""Django's ModelBackend, reading a user's own and role permissions in one query."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import backends, get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest

from clinic import ratelimit


class ModelBackend(backends.ModelBackend):
    """Every staff page checks permissions; one query instead of Django's two (user, groups).

    Sign-in also stops at a ceiling of failures per account, whatever the address: django-axes
    locks a username per address, which many addresses would get round.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        name = username or kwargs.get(get_user_model().USERNAME_FIELD)
        if name and ratelimit.account_locked(str(name)):
            if request is not None:
                request.axes_locked_out = True  # type: ignore[attr-defined]  # axes' lockout page
            raise PermissionDenied
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and name:
            ratelimit.note_failed_sign_in(str(name))
        return user

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            permissions = Permission.objects.all()
            if not user_obj.is_superuser:
                permissions = permissions.filter(Q(user=user_obj) | Q(group__user=user_obj))
            pairs = permissions.values_list("content_type__app_label", "codename")
            user_obj._perm_cache = {f"{app}.{code}" for app, code in pairs.order_by().distinct()}
        return user_obj._perm_cache
