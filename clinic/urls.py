"""Root URLs: patient pages at /, staff pages under /staff/, Django's admin at /admin/."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from accounts import passwords
from accounts import urls as accounts_urls
from accounts.forms import StaffAuthenticationForm
from care import urls as care_urls
from consults import urls as consults_urls
from fhir_export import urls as fhir_urls
from intake import urls as intake_urls
from reports import urls as reports_urls
from staff import urls as staff_urls

from . import views

urlpatterns = [
    path("", include((intake_urls.urlpatterns, "intake"))),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path(
        "staff/login/",
        auth_views.LoginView.as_view(authentication_form=StaffAuthenticationForm),
        name="login",
    ),
    path("staff/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Forgotten password: a link by email (accounts/passwords.py); still two-factor afterwards.
    path("staff/password-reset/", passwords.request_reset, name="password_reset"),
    path("staff/password-reset/sent/", passwords.reset_sent, name="password_reset_done"),
    path("staff/password-reset/done/", passwords.reset_complete, name="password_reset_complete"),
    path(
        "staff/password-reset/<uidb64>/<token>/",
        passwords.set_password,
        name="password_reset_confirm",
    ),
    # Review screens and the two-factor pages share the "staff" namespace.
    path("staff/", include((staff_urls.urlpatterns + accounts_urls.urlpatterns, "staff"))),
    path("staff/", include((consults_urls.staff_patterns, "consults_staff"))),
    path("staff/fhir/", include((fhir_urls.urlpatterns, "fhir"))),
    path("staff/reports/", include((reports_urls.urlpatterns, "reports"))),
    path("consult/", include((consults_urls.patient_patterns, "consults"))),
    path("staff/", include((care_urls.staff_patterns, "care_staff"))),
    path("care/", include((care_urls.patient_patterns, "care"))),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
]

handler400 = "clinic.views.bad_request"
handler403 = "clinic.views.permission_denied"
handler404 = "clinic.views.page_not_found"
handler500 = "clinic.views.server_error"
