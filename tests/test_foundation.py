"""Settings behaviour, the health check, error pages and the login wall."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.sessions.backends.base import CreateError
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic.sessions import SessionStore
from clinic.views import server_error

ROOT = Path(__file__).resolve().parent.parent


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "clinic.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_start_up_stops_without_a_secret_key_when_debug_is_off() -> None:
    result = run_python("import django; django.setup()")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_manage_py_names_the_missing_secret_key() -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("Configuration error: DJANGO_SECRET_KEY is not set.")


def test_debug_is_off_unless_asked_for() -> None:
    code = "from django.conf import settings; print(settings.DEBUG)"
    assert run_python(code, DJANGO_SECRET_KEY="x").stdout.strip() == "False"
    assert run_python(code, DJANGO_DEBUG="1").stdout.strip() == "True"


def test_database_url_selects_postgresql_with_persistent_connections() -> None:
    code = (
        "from django.conf import settings; d = settings.DATABASES['default'];"
        "print(d['ENGINE'], d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
    )
    result = run_python(code, DJANGO_SECRET_KEY="x", DATABASE_URL="postgres://u@127.0.0.1:5432/db")
    assert result.stdout.split() == ["django.db.backends.postgresql", "600", "True"]


@pytest.mark.django_db
def test_health_check_answers_200_when_the_database_answers(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_health_check_answers_503_without_details_when_the_database_is_down() -> None:
    code = (
        "import django; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz'); print(r.status_code, r.content.decode())"
    )
    result = run_python(
        code,
        DJANGO_SECRET_KEY="x",
        DJANGO_ALLOWED_HOSTS="testserver",
        DATABASE_URL="postgres://nobody@127.0.0.1:1/nothing",
    )
    assert result.stdout.split() == ["503", "unavailable"], result.stderr


@pytest.mark.django_db
def test_unknown_pages_get_the_friendly_404_page(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"We could not find that page" in response.content
    assert b"Traceback" not in response.content


@pytest.mark.django_db
def test_a_request_for_an_unknown_host_gets_the_friendly_400_page(client: Client) -> None:
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert b"could not understand that request" in response.content


def test_the_500_page_renders_without_the_database_or_a_traceback() -> None:
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/privacy/", "/dry-needling/", "/staff/login/"])
def test_public_pages_open_without_signing_in(client: Client, url: str) -> None:
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_staff_pages_send_anonymous_visitors_to_sign_in(client: Client) -> None:
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/?next=/staff/")


@pytest.mark.django_db
def test_roles_exist_after_migrating() -> None:
    from django.contrib.auth.models import Group

    from accounts.roles import ROLES

    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)


@pytest.mark.django_db
def test_seed_demo_can_run_twice_without_duplicating_accounts() -> None:
    from django.core.management import call_command

    from intake.models import User

    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    assert User.objects.filter(username__in=["frontdesk", "chiro", "clinicadmin"]).count() == 3


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Production settings need collected, hashed static files."""
    root = str(tmp_path_factory.mktemp("static"))
    code = "import django; django.setup(); from django.core.management import call_command;"
    code += "call_command('collectstatic', interactive=False, verbosity=0)"
    result = run_python(code, DJANGO_SECRET_KEY="x", DJANGO_STATIC_ROOT=root)
    assert result.returncode == 0, result.stderr
    return root


def test_a_database_outage_gets_a_503_page_not_a_traceback(collected_static: str) -> None:
    code = (
        "import django; django.setup();"
        "from django.test import Client;"
        "r = Client(raise_request_exception=False).post("
        "'/staff/login/', {'username': 'a', 'password': 'b'});"
        "print(r.status_code, r['Retry-After'], b'busy for a moment' in r.content)"
    )
    result = run_python(
        code,
        DJANGO_STATIC_ROOT=collected_static,
        DJANGO_SECRET_KEY="x",
        DJANGO_ALLOWED_HOSTS="testserver",
        DATABASE_URL="postgres://nobody@127.0.0.1:1/nothing",
    )
    assert result.stdout.split() == ["503", "30", "True"], result.stderr[-2000:]


@pytest.mark.django_db(transaction=True)
def test_a_session_is_written_with_one_statement_and_never_over_another() -> None:
    with CaptureQueriesContext(connection) as created:
        session = SessionStore()
        session["intake_draft"] = "a draft key"
        session.save()
    assert [q["sql"].split()[0] for q in created] == ["INSERT"]

    session["intake_draft"] = "another draft key"
    with CaptureQueriesContext(connection) as saved:
        session.save()
    assert [q["sql"].split()[0] for q in saved] == ["UPDATE"]
    assert SessionStore(session.session_key)["intake_draft"] == "another draft key"

    # A new key is not checked first: creating over a key in use is refused (create() then
    # draws another), and the session already there is untouched.
    intruder = SessionStore(session.session_key)
    intruder["intake_draft"] = "someone else's"
    with pytest.raises(CreateError):
        intruder.save(must_create=True)
    assert SessionStore(session.session_key)["intake_draft"] == "another draft key"


@pytest.mark.django_db
def test_sessions_are_kept_in_the_database_and_expire() -> None:
    session = SessionStore()
    session["intake_draft"] = "a draft key"
    session.create()
    assert SessionStore(session.session_key)["intake_draft"] == "a draft key"

    Session.objects.filter(pk=session.session_key).update(expire_date=timezone.now())
    expired = SessionStore(session.session_key)
    assert dict(expired.items()) == {}
    assert expired.session_key is None
