"""FHIR pages under /staff/fhir/ (login required; namespace "fhir")."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("Questionnaire/intake", views.intake_questionnaire, name="questionnaire"),
    path("submissions/<str:reference>/Bundle", views.submission_bundle, name="bundle"),
]
