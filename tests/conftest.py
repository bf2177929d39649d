"""Shared fixtures: staff users per role, and real Chromium for browser tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop; Django's live_server ORM calls are safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).name.startswith("test_browser_"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _require_chromium(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("browser") is None or os.path.exists(CHROMIUM):
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"Chromium is required under CI=true but {CHROMIUM} is missing.")
    pytest.skip(f"Chromium not installed ({CHROMIUM}); install it with: apt-get install chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    # Phone size by default: most patients use a phone.
    return {**browser_context_args, "viewport": {"width": 390, "height": 844}}


@pytest.fixture(autouse=True)
def _roles_after_flush(request: pytest.FixtureRequest) -> None:
    """Browser and other transactional tests run on a database that earlier ones flushed:
    restore the roles.

    The role groups come from data migrations (ROLE_PERMISSIONS in each roles migration), which
    a flush removes; permissions themselves are recreated by the flush's post_migrate.
    """
    db = request.node.get_closest_marker("django_db")
    transactional = db is not None and db.kwargs.get("transaction", False)
    if request.node.get_closest_marker("browser") is None and not transactional:
        return
    request.getfixturevalue("transactional_db")
    import sys

    from django.contrib.auth.models import Group, Permission
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    for _key, migration in sorted(loader.disk_migrations.items()):
        roles = getattr(sys.modules[migration.__module__], "ROLE_PERMISSIONS", None) or {}
        for role, codes in roles.items():
            group, _created = Group.objects.get_or_create(name=role)
            for code in codes:
                app_label, codename = code.split(".")
                group.permissions.add(
                    Permission.objects.get(content_type__app_label=app_label, codename=codename)
                )


@pytest.fixture(autouse=True)
def _english_by_default() -> Iterator[None]:
    # A request in Spanish leaves Spanish active in this thread; messages compared in the next
    # test must not depend on which test ran before it.
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # Rate-limit counters live in the cache: each test starts with none.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def artifacts_dir() -> Iterator[Path]:
    ARTIFACTS.mkdir(exist_ok=True)
    yield ARTIFACTS


@pytest.fixture
def unreachable_mail_server(settings: Any) -> None:
    """Real SMTP sending to a port where nothing listens: every send fails at once."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1
