"""URLs of the care app: staff pages under /staff/, patient links under /care/."""

from __future__ import annotations

from django.urls import path

from . import views

staff_patterns = [
    path("submissions/<str:reference>/care/result/", views.record_result, name="result"),
    path("submissions/<str:reference>/care/plan/", views.edit_plan, name="plan_edit"),
    path("submissions/<str:reference>/care/session/", views.record_session, name="session"),
    path("submissions/<str:reference>/care/session/book/", views.book_session, name="book"),
    path(
        "submissions/<str:reference>/care/adverse-event/",
        views.record_adverse_event,
        name="adverse_event",
    ),
    path(
        "submissions/<str:reference>/care/adverse-event/<int:pk>/clear/",
        views.clear_hold,
        name="clear_hold",
    ),
    path("submissions/<str:reference>/care/finish/", views.finish, name="finish"),
    path(
        "submissions/<str:reference>/care/progress.svg",
        views.progress_chart,
        name="progress_chart",
    ),
]

patient_patterns = [
    path("plan/<str:token>/", views.plan_page, name="plan"),
    path("check/<str:token>/", views.check, name="check"),
    path("progress/<str:token>/", views.checkin, name="checkin"),
]
