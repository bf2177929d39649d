"""Staff accounts and two-factor devices in Django's admin.

A clinic admin creates accounts, edits names and email, deactivates, gives one of the three
roles, sends a password reset link and resets a lost phone's two-factor; each is audited with the
reason they type. Only a superuser sees superuser status, staff status and raw permissions, and
only a superuser may touch a superuser's account. Nobody sets another person's password.
Device pages list and delete; they never show a secret (django-otp's own admin would).
"""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from consults.locations import forget_places
from consults.models import Location, StaffLocation
from intake import audit
from intake.models import User

from .forms import ReasonForm, StaffForm
from .passwords import send_reset_link
from .roles import ROLES
from .two_factor import reset_two_factor

log = logging.getLogger(__name__)

DETAILS = ("username", "first_name", "last_name", "email")
PRIVILEGES = ("is_staff", "is_superuser", "user_permissions")


def _about(user: User) -> dict[str, Any]:
    return {"user": user.pk, "username": user.get_username()}


def _email_reset_link(request: HttpRequest, user: User, reason: str) -> bool:
    """Send the link and audit it; a mail failure becomes a message, never a 500."""
    try:
        send_reset_link(user)
    except (OSError, smtplib.SMTPException):
        log.exception("password reset link not sent (user %s)", user.pk)
        messages.error(request, _("The email could not be sent. Try again in a few minutes."))
        return False
    audit.record(audit.STAFF_PASSWORD_RESET_SENT, request=request, **_about(user), reason=reason)
    messages.success(
        request, _("A link to set a password was sent to %(email)s.") % {"email": user.email}
    )
    return True


class StaffLocationInline(admin.TabularInline):
    """The locations a staff member works at; none means every location (docs/locations.md)."""

    model = StaffLocation
    extra = 0
    verbose_name_plural = gettext_lazy("Works only at these locations (none: every location)")

    def _may(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("intake.change_user")

    has_view_permission = has_add_permission = has_change_permission = _may
    has_delete_permission = _may


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    form = StaffForm
    add_form = StaffForm

    add_form_template = None  # Django's asks for a password, which we never take
    readonly_fields = ("last_login", "date_joined")

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        # Locations once the account exists, and only where there are several to choose from.
        several = obj is not None and Location.objects.count() > 1
        return [StaffLocationInline] if several else []

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and not self.has_change_permission(request, obj):
            return [(None, {"fields": (*DETAILS, "is_active", "groups", *self.readonly_fields)})]
        fieldsets: list[tuple[Any, dict[str, Any]]] = [
            (None, {"fields": DETAILS}),
            (
                gettext_lazy("Access"),
                {"fields": ("is_active", "role", "subject_access") if obj else ("role",)},
            ),
        ]
        if obj is not None and request.user.is_superuser:
            fieldsets.append((gettext_lazy("Privileges (superusers only)"), {"fields": PRIVILEGES}))
        if obj is not None:
            fieldsets.append((gettext_lazy("Activity"), {"fields": self.readonly_fields}))
        fieldsets.append((gettext_lazy("Why"), {"fields": ("reason",)}))
        return fieldsets

    def _may_touch(self, request: HttpRequest, obj: Any) -> bool:
        # A clinic admin who could edit a superuser could change its email and send a reset link.
        return obj is None or not obj.is_superuser or request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_touch(request, obj) and super().has_view_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_touch(request, obj) and super().has_change_permission(request, obj)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        raise PermissionDenied  # people choose their own password, by link

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.is_staff = True
            obj.set_unusable_password()
        super().save_model(request, obj, form, change)
        group: Group | None = form.role_group()
        old_role = form.initial.get("role", "")
        new_role = group.name if group else ""
        if new_role != old_role:
            obj.groups.remove(*Group.objects.filter(name__in=ROLES))
            if group is not None:
                obj.groups.add(group)
        reason = form.cleaned_data["reason"].strip()
        if change:
            self._audit_changes(request, obj, form, old_role, new_role, reason)
        else:
            audit.record(
                audit.STAFF_CREATED, request=request, **_about(obj), role=new_role, reason=reason
            )
            _email_reset_link(request, obj, reason)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # After Django saves a superuser's permission list, which would otherwise undo this.
        super().save_related(request, form, formsets, change)
        if any(f.has_changed() for fs in formsets if fs.model is StaffLocation for f in fs):
            forget_places()
            audit.record(audit.STAFF_LOCATIONS_CHANGED, request=request, **_about(form.instance))
        if "subject_access" not in form.changed_data:
            return
        user, granted = form.instance, form.cleaned_data["subject_access"]
        permission = form.subject_access_permission()
        if granted:
            user.user_permissions.add(permission)
        else:
            user.user_permissions.remove(permission)
        audit.record(
            audit.STAFF_SUBJECT_ACCESS_CHANGED,
            request=request,
            **_about(user),
            granted=granted,
            reason=form.cleaned_data["reason"].strip(),
        )

    def _audit_changes(
        self, request: HttpRequest, obj: User, form: Any, old: str, new: str, reason: str
    ) -> None:
        changed = set(form.changed_data)
        about = {**_about(obj), "reason": reason}
        if old != new:
            role: dict[str, Any] = {"from": old, "to": new}
            audit.record(audit.STAFF_ROLE_CHANGED, request=request, **about, **role)
        if "is_active" in changed:
            action = audit.STAFF_REACTIVATED if obj.is_active else audit.STAFF_DEACTIVATED
            audit.record(action, request=request, **about)
        if details := sorted(changed & set(DETAILS)):
            audit.record(audit.STAFF_DETAILS_CHANGED, request=request, **about, fields=details)
        if changed & set(PRIVILEGES):
            permissions = form.cleaned_data.get("user_permissions") or []
            audit.record(
                audit.STAFF_PRIVILEGES_CHANGED,
                request=request,
                **about,
                is_staff=obj.is_staff,
                is_superuser=obj.is_superuser,
                permissions=sorted(f"{p.content_type.app_label}.{p.codename}" for p in permissions),
            )

    # Per-person actions, each a page asking for the reason (buttons on the change page).

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path(
                "<id>/two-factor-reset/",
                view(self.two_factor_reset_view),
                name="intake_user_two_factor_reset",
            ),
            path(
                "<id>/password-reset/",
                view(self.password_reset_view),
                name="intake_user_password_reset",
            ),
            *super().get_urls(),
        ]

    def _target(self, request: HttpRequest, id: str) -> User:
        user = self.get_object(request, unquote(id))
        if user is None:
            raise Http404
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        return user

    def two_factor_reset_view(self, request: HttpRequest, id: str) -> HttpResponse:
        """A lost phone: remove every device; at the next sign-in the person enrols again."""
        user = self._target(request, id)
        form = ReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            with transaction.atomic():
                removed = reset_two_factor(user)
                audit.record(
                    audit.STAFF_2FA_RESET,
                    request=request,
                    **_about(user),
                    devices=removed,
                    reason=form.cleaned_data["reason"],
                )
            messages.success(
                request,
                _(
                    "Two-step sign-in was reset for %(user)s. "
                    "They set it up again when they next sign in."
                )
                % {"user": user.get_username()},
            )
            return redirect(self._change_url(user))
        return self._action_page(
            request,
            user,
            form,
            title=_("Reset two-step sign-in"),
            explanation=_(
                "This removes %(user)s's authenticator app and backup codes. Use it when a phone "
                "is lost or replaced. At their next sign-in they scan a new QR code."
            )
            % {"user": user.get_username()},
            button=_("Reset two-step sign-in"),
        )

    def password_reset_view(self, request: HttpRequest, id: str) -> HttpResponse:
        """Email the person a link to choose a new password; nobody else ever types it."""
        user = self._target(request, id)
        form = ReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            if not user.email:
                form.add_error(None, _("This account has no email address. Add one first."))
            elif _email_reset_link(request, user, form.cleaned_data["reason"]):
                return redirect(self._change_url(user))
        return self._action_page(
            request,
            user,
            form,
            title=_("Send a password reset link"),
            explanation=_(
                "%(user)s gets an email with a link to choose a new password. Their current "
                "password keeps working until they do."
            )
            % {"user": user.get_username()},
            button=_("Send the link"),
        )

    def _change_url(self, user: User) -> str:
        return reverse("admin:intake_user_change", args=[user.pk], current_app=self.admin_site.name)

    def _action_page(
        self, request: HttpRequest, user: User, form: Form, **text: str
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": user,
            "form": form,
            **text,
        }
        return TemplateResponse(request, "admin/intake/user/account_action.html", context)


class DeviceAdmin(admin.ModelAdmin):
    """Who has which device, and a way to delete one. Never a key, a QR code or a token.

    Deleting any device resets the person's two-factor entirely (backup codes included), so
    nobody is left with only backup codes and unable to enrol a new phone.
    """

    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_display_links = None
    list_select_related = ("user",)
    search_fields = ("user__username",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_view_permission(request)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self._reset(request, obj.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for user in User.objects.filter(pk__in=queryset.values("user")):
            self._reset(request, user)

    def _reset(self, request: HttpRequest, user: User) -> None:
        removed = reset_two_factor(user)
        audit.record(
            audit.STAFF_2FA_RESET,
            request=request,
            **_about(user),
            devices=removed,
            via="device admin",
        )


for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, DeviceAdmin)
