"""A database outage ends every request on the calm 503 page, whichever layer hits it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.handlers.exception import convert_exception_to_response
from django.db import connection
from django.db.utils import OperationalError
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

pytestmark = pytest.mark.django_db


def refuse(statement_start: str) -> Callable[..., Any]:
    """Fail statements starting with `statement_start`, as a lost database server does."""

    def wrapper(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        if sql.lstrip().upper().startswith(statement_start):
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, *args)

    return wrapper


def test_a_page_that_cannot_reach_the_database_gets_the_503_page() -> None:
    client = Client(raise_request_exception=False)

    with connection.execute_wrapper(refuse("SELECT")):
        response = client.get("/healthz")

    assert response.status_code == 503


def test_a_session_that_cannot_be_saved_in_an_outage_gets_the_503_page_not_a_400() -> None:
    existing = SessionStore()
    existing["language"] = "en"
    existing.create()

    def view_that_changes_the_session(request: HttpRequest) -> HttpResponse:
        request.session["step"] = "symptoms"
        return HttpResponse("saved")

    handler = convert_exception_to_response(SessionMiddleware(view_that_changes_the_session))
    request = RequestFactory().get("/intake/")
    request.COOKIES[settings.SESSION_COOKIE_NAME] = existing.session_key or ""

    with connection.execute_wrapper(refuse("UPDATE")):
        response = cast(HttpResponse, handler(request))

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert b"We are busy for a moment" in response.content


def test_an_unrelated_error_still_gets_the_500_page() -> None:
    def broken_view(request: HttpRequest) -> HttpResponse:
        raise RuntimeError("a bug, not an outage")

    handler = convert_exception_to_response(broken_view)

    response = cast(HttpResponse, handler(RequestFactory().get("/")))

    assert response.status_code == 500
