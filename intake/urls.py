"""URLs of the intake app: patient pages (public) and staff pages (login required)."""

from __future__ import annotations

from django.urls import path, re_path

from . import intake_views, staff_views, subject_access, two_factor, views

patient_patterns = [
    path("", views.home, name="home"),
    path("dry-needling/", views.dry_needling, name="dry_needling"),
    path("privacy/", views.privacy, name="privacy"),
    path("healthz", views.healthz, name="healthz"),
    path("intake/", intake_views.intake_start, name="start"),
    re_path(
        r"^intake/(?P<slug>about|pain|red-flags|needling)/$",
        intake_views.intake_step,
        name="step",
    ),
    path("intake/review/", intake_views.intake_review, name="review"),
    path("intake/done/", intake_views.intake_done, name="done"),
    path("intake/later/", intake_views.save_later, name="save_later"),
    path("intake/later/sent/", intake_views.link_sent, name="link_sent"),
    path("intake/resume/<str:token>/", intake_views.resume, name="resume"),
]

staff_patterns = [
    path("", staff_views.home, name="home"),
    path("two-factor/setup/", two_factor.setup, name="two_factor_setup"),
    path("two-factor/verify/", two_factor.verify, name="two_factor_verify"),
    path("two-factor/backup-codes/", two_factor.backup_codes, name="backup_codes"),
    path("two-factor/backup-codes/new/", two_factor.new_backup_codes_view, name="new_backup_codes"),
    path("export.csv", staff_views.export_csv, name="export"),
    path("submissions/<str:reference>/", staff_views.submission_detail, name="submission"),
    path(
        "submissions/<str:reference>/export.json",
        subject_access.export_subject_data,
        name="subject_export",
    ),
    path("submissions/<str:reference>/contact/", staff_views.log_contact, name="log_contact"),
    path("submissions/<str:reference>/status/", staff_views.change_status, name="change_status"),
    path("submissions/<str:reference>/override/", staff_views.override_outcome, name="override"),
    path("submissions/<str:reference>/clear/", staff_views.clear_for_consult, name="clear"),
    path("submissions/<str:reference>/rescreen/", staff_views.rescreen_submission, name="rescreen"),
]
