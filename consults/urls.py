"""URLs of the consults app: patient links (public) and staff scheduling pages."""

from __future__ import annotations

from django.urls import path

from . import staff_views, views

patient_patterns = [
    path("book/<str:token>/", views.book, name="book"),
    path("appointment/<str:token>/", views.manage, name="manage"),
    path("appointment/<str:token>/cancel/", views.manage_cancel, name="manage_cancel"),
    path("appointment/<str:token>/move/", views.manage_reschedule, name="manage_reschedule"),
]

staff_patterns = [
    path("submissions/<str:reference>/consult/", staff_views.submission_consult, name="submission"),
    path("submissions/<str:reference>/consult/book/", staff_views.book, name="book"),
    path("submissions/<str:reference>/consult/invite/", staff_views.invite, name="invite"),
    path("consults/<int:pk>/move/", staff_views.reschedule, name="reschedule"),
    path("consults/<int:pk>/cancel/", staff_views.cancel, name="cancel"),
    path("consults/<int:pk>/attendance/", staff_views.mark_attendance, name="attendance"),
    path("agenda/", staff_views.agenda_day, name="agenda"),
    path("agenda/week/", staff_views.agenda_week, name="agenda_week_now"),
    path("agenda/week/<str:day>/", staff_views.agenda_week, name="agenda_week"),
    path("agenda/<str:day>/", staff_views.agenda_day, name="agenda_day"),
    path("schedule/", staff_views.schedule, name="schedule"),
    path("schedule/<int:pk>/", staff_views.chiropractor_schedule, name="chiropractor"),
    path("schedule/hours/<int:pk>/delete/", staff_views.delete_hours, name="delete_hours"),
    path("schedule/time-off/<int:pk>/delete/", staff_views.delete_time_off, name="delete_time_off"),
]
