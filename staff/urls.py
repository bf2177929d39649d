"""The staff review screens under /staff/ (login required)."""

from __future__ import annotations

from django.urls import path

from . import patients, subject_access, views

urlpatterns = [
    path("", views.home, name="home"),
    path("export.csv", views.export_csv, name="export"),
    path("messages/", views.message_list, name="messages"),
    path("submissions/<str:reference>/", views.submission_detail, name="submission"),
    path(
        "submissions/<str:reference>/export.json",
        subject_access.export_subject_data,
        name="subject_export",
    ),
    path("submissions/<str:reference>/contact/", views.log_contact, name="log_contact"),
    path("submissions/<str:reference>/status/", views.change_status, name="change_status"),
    path("submissions/<str:reference>/note/", views.add_note, name="add_note"),
    path("submissions/<str:reference>/override/", views.override_outcome, name="override"),
    path("submissions/<str:reference>/clear/", views.clear_for_consult, name="clear"),
    path("submissions/<str:reference>/rescreen/", views.rescreen_submission, name="rescreen"),
    path("submissions/<str:reference>/patient/same/", patients.same_person, name="same_person"),
    path(
        "submissions/<str:reference>/patient/different/",
        patients.different_person,
        name="different_person",
    ),
    path("submissions/<str:reference>/patient/undo/", patients.undo, name="patient_undo"),
]
