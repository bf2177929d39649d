"""Password reset by emailed link: the only way anyone's password changes besides their own.

Nobody sets another person's password. A clinic admin sends a link (accounts/admin.py), or the
person asks for one on the sign-in page; the link lets them choose a password themselves. A new
password never skips two-factor: the next sign-in still asks for a code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.http import HttpResponse
from django.urls import reverse_lazy
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from clinic.ratelimit import rate_limit
from intake import audit
from intake.models import User

SUBJECT_TEMPLATE = "registration/password_reset_subject.txt"
EMAIL_TEMPLATE = "registration/password_reset_email.txt"


class StaffPasswordResetForm(PasswordResetForm):
    """Django's form, with links built on CLINIC_SITE_URL rather than the request's Host.

    New accounts have no usable password until the person follows their first link, so,
    unlike Django's default, they may ask for a fresh link too (every account here is local).
    """

    def get_users(self, email: str) -> Iterator[User]:
        users = User.objects.filter(email__iexact=email, is_active=True, is_staff=True)
        return (user for user in users if user.email.lower() == email.lower())

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        context = {**context, "site_url": settings.CLINIC_SITE_URL}
        super().send_mail(
            subject_template_name,
            email_template_name,
            context,
            from_email,
            to_email,
            html_email_template_name,
        )


def send_reset_link(user: User) -> None:
    """Email `user` a link to choose a new password (raises if the mail server fails)."""
    context = {
        "email": user.email,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "site_name": settings.CLINIC_NAME,
    }
    StaffPasswordResetForm().send_mail(SUBJECT_TEMPLATE, EMAIL_TEMPLATE, context, None, user.email)


_request_reset = auth_views.PasswordResetView.as_view(
    form_class=StaffPasswordResetForm,
    email_template_name=EMAIL_TEMPLATE,
    subject_template_name=SUBJECT_TEMPLATE,
    success_url=reverse_lazy("password_reset_done"),
)
# Each request may send an email: limited per client address like the patients' link requests.
request_reset = rate_limit("password_reset")(cast(Callable[..., HttpResponse], _request_reset))
reset_sent = auth_views.PasswordResetDoneView.as_view()
reset_complete = auth_views.PasswordResetCompleteView.as_view()


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The page the emailed link opens; choosing a password is audited for that person."""

    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        audit.record(
            audit.STAFF_PASSWORD_SET,
            request=self.request,
            actor=form.user,
            user=form.user.pk,
            username=form.user.get_username(),
        )
        return response


set_password = SetPasswordView.as_view()
