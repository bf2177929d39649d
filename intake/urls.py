"""Patient pages: landing, education, privacy and the questionnaire (all public)."""

from __future__ import annotations

from django.urls import path, re_path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("dry-needling/", views.dry_needling, name="dry_needling"),
    path("privacy/", views.privacy, name="privacy"),
    path("intake/", views.intake_start, name="start"),
    re_path(
        r"^intake/(?P<slug>who|about|pain|red-flags|needling)/$",
        views.intake_step,
        name="step",
    ),
    path("intake/review/", views.intake_review, name="review"),
    path("intake/urgent/", views.urgent_advice, name="urgent"),
    path("intake/urgent/stopped/", views.urgent_stopped, name="urgent_stopped"),
    path("intake/too-young/", views.too_young, name="too_young"),
    path("intake/guardian/", views.guardian_needed, name="guardian_needed"),
    path("intake/done/", views.intake_done, name="done"),
    path("intake/later/", views.save_later, name="save_later"),
    path("intake/later/sent/", views.link_sent, name="link_sent"),
    path("intake/resume/<str:token>/", views.resume, name="resume"),
]
