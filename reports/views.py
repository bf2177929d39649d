"""The clinic dashboard: figures with tables, each chart as an SVG image, each table as CSV."""

from __future__ import annotations

import csv

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .dashboard import BY_SLUG, REPORTS, Report, cell, display_rows
from .forms import DashboardFilterForm

VIEW_DASHBOARD = "reports.view_dashboard"


def _require(request: HttpRequest) -> None:
    if not request.user.has_perm(VIEW_DASHBOARD):
        raise PermissionDenied


def _report(slug: str) -> Report:
    report = BY_SLUG.get(slug)
    if report is None:
        raise Http404
    return report


def _bad_filters(form: DashboardFilterForm) -> HttpResponse:
    errors = "; ".join(str(error) for errors in form.errors.values() for error in errors)
    return HttpResponseBadRequest(
        _("These filters cannot be used: %(errors)s") % {"errors": errors},
        content_type="text/plain; charset=utf-8",
    )


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    _require(request)
    form = DashboardFilterForm(request.GET)
    sections = []
    if form.is_valid():
        filters = form.filters()
        tables = [(report, report.table(filters)) for report in REPORTS if report.available]
        sections = [(report, table, display_rows(table)) for report, table in tables]
    return render(
        request,
        "reports/dashboard.html",
        {
            "form": form,
            "sections": sections,
            "pending": [report for report in REPORTS if not report.available],
            "query": request.GET.urlencode(),
        },
    )


@require_GET
def chart(request: HttpRequest, slug: str) -> HttpResponse:
    """One chart as a standalone SVG image (its styles stay inside the image)."""
    _require(request)
    report = _report(slug)
    form = DashboardFilterForm(request.GET)
    if not form.is_valid():
        return _bad_filters(form)
    response = HttpResponse(report.svg(report.table(form.filters())), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def table_csv(request: HttpRequest, slug: str) -> HttpResponse:
    _require(request)
    report = _report(slug)
    form = DashboardFilterForm(request.GET)
    if not form.is_valid():
        return _bad_filters(form)
    filters = form.filters()
    table = report.table(filters)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{slug}-{filters.start.isoformat()}-{filters.end.isoformat()}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(table.columns)
    writer.writerows([cell(value) for value in row] for row in table.rows)
    return response
