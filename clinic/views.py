"""Project-wide pages: the health check, the favicon and the error pages (400 to 503)."""

from __future__ import annotations

import sys
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.db.utils import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from outbox.sending import oldest_ready_task_age


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers and the task queue moves; 503 when the database does not
    answer, or a task ready to run has waited longer than CLINIC_TASKS_MAX_WAIT_SECONDS (no
    worker runs, or it cannot keep up). Says nothing more."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        waited = oldest_ready_task_age()
    except DatabaseError:
        return HttpResponse("unavailable", status=503, content_type="text/plain")
    if waited is not None and waited > timedelta(seconds=settings.CLINIC_TASKS_MAX_WAIT_SECONDS):
        return HttpResponse("tasks waiting", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says: send them to the static file."""
    return redirect(static("img/favicon.ico"), permanent=True)


def _error(request: HttpRequest, template: str, status: int) -> HttpResponse:
    return render(request, template, status=status)


@login_not_required
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # A session that cannot be saved because the database is down surfaces as Django's
    # SessionInterrupted (a 400); the patient should see the outage page instead.
    if _caused_by_database_outage(exception):
        return _database_unavailable()
    return _error(request, "400.html", 400)


@login_not_required
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, "403.html", 403)


@login_not_required
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, "404.html", 404)


@login_not_required
def server_error(request: HttpRequest) -> HttpResponse:
    """500 page; a database outage gets a calm 503 with Retry-After instead.

    Rendered without context processors: the database may be why we are here.
    """
    exception = sys.exc_info()[1]
    if isinstance(exception, DatabaseError) or _caused_by_database_outage(exception):
        return _database_unavailable()
    return HttpResponse(loader.get_template("500.html").render(), status=500)


def _caused_by_database_outage(exception: BaseException | None) -> bool:
    """True when a lost or refused database connection is anywhere in the exception's chain."""
    seen = 0
    while exception is not None and seen < 10:
        if isinstance(exception, OperationalError | InterfaceError):
            return True
        exception, seen = exception.__cause__ or exception.__context__, seen + 1
    return False


def _database_unavailable() -> HttpResponse:
    response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = "30"
    return response
