"""The clinic dashboard under /staff/reports/ (chiropractors and clinic admins)."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<slug:slug>.svg", views.chart, name="chart"),
    path("<slug:slug>.csv", views.table_csv, name="csv"),
]
