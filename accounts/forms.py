"""Forms for staff accounts: sign-in, and the user admin a clinic admin works in."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from intake.models import User

from .roles import ROLES

REASON_MAX_LENGTH = 500
# The one permission a clinic admin may give a person directly (everything else comes by role).
SUBJECT_ACCESS = ("intake", "subject_access_submission")


class StaffAuthenticationForm(AuthenticationForm):
    """The staff sign-in: accounts without staff status are refused, with a plain message."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Your username and password did not match. Please try again."),
        "not_staff": _(
            "This is not a staff account, so it cannot sign in here. "
            "Ask your clinic admin if you need access."
        ),
    }

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if not user.is_staff:
            raise ValidationError(self.error_messages["not_staff"], code="not_staff")


def reason_field(required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=_("Reason"),
        required=required,
        max_length=REASON_MAX_LENGTH,
        help_text=_("Kept in the audit trail. No patient details, please."),
        widget=forms.TextInput(attrs={"size": 60}),
    )


class ReasonForm(forms.Form):
    """Why an account action (reset link, 2FA reset) is taken; kept in the audit trail."""

    reason = reason_field()


def role_of(user: User) -> str:
    """The user's role name, or "" (one role per person; more would come only from a superuser)."""
    return next((name for name in user.groups.values_list("name", flat=True) if name in ROLES), "")


class StaffForm(forms.ModelForm):
    """A staff account as a clinic admin edits it: details, active or not, and one role.

    Fields come from the admin's fieldsets (names, email, is_active; a superuser also sees
    is_staff, is_superuser and user_permissions). No password here: people set their own by link.
    """

    role = forms.ChoiceField(
        label=_("Role"),
        required=False,
        choices=[("", _("No role")), *((name, name) for name in ROLES)],
    )
    subject_access = forms.BooleanField(
        label=_("May download a patient's data (subject access)"),
        required=False,
        help_text=_("Clinic admins always may. Tick for a front-desk person who handles requests."),
    )
    reason = reason_field(required=False)

    class Meta:
        model = User
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["role"] = role_of(self.instance)
            self.initial["subject_access"] = self.instance.user_permissions.filter(
                content_type__app_label=SUBJECT_ACCESS[0], codename=SUBJECT_ACCESS[1]
            ).exists()
        elif "email" in self.fields:
            # A new account's first password is chosen through a link sent there.
            self.fields["email"].required = True

    def clean(self) -> dict[str, Any]:
        super().clean()
        changed = [name for name in self.changed_data if name != "reason"]
        reason = (self.cleaned_data.get("reason") or "").strip()
        if (changed or self.instance.pk is None) and not reason:
            self.add_error("reason", _("Say why, for the audit trail."))
        return self.cleaned_data

    def subject_access_permission(self) -> Permission:
        app_label, codename = SUBJECT_ACCESS
        return Permission.objects.get(content_type__app_label=app_label, codename=codename)

    def role_group(self) -> Group | None:
        name = self.cleaned_data.get("role") or ""
        return Group.objects.filter(name=name).first() if name else None
