"""Small deterministic builders and assertions shared by the tests."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.contrib.auth.models import Group
from django_tasks_db.models import DBTaskResult

from accounts.roles import CHIROPRACTOR, CLINIC_ADMIN, FRONT_DESK
from intake.demo import eligible_answers
from intake.models import Submission, User
from outbox.worker import run_ready


def run_tasks(*, at: datetime | None = None) -> int:
    """Run the queued tasks (the outbox's emails) as the worker would, in this process: every
    task ready at `at` (default now). A task that raised fails the test, with its traceback."""
    ran = run_ready(now=at)
    failed = DBTaskResult.objects.failed().first()
    assert failed is None, f"task {failed.task_path} failed:\n{failed.traceback}"
    return ran


def make_staff(username: str, role: str | None, *, active: bool = True, **extra: Any) -> User:
    user = User.objects.create_user(
        username=username,
        password="correct-horse-battery",
        is_active=active,
        is_staff=True,
        **extra,
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def make_front_desk(username: str = "desk") -> User:
    return make_staff(username, FRONT_DESK)


def make_chiropractor(username: str = "chiro") -> User:
    return make_staff(username, CHIROPRACTOR)


def make_clinic_admin(username: str = "admin") -> User:
    return make_staff(username, CLINIC_ADMIN)


def make_submission(*, submitted_at: Any = None, **answer_overrides: Any) -> Submission:
    """A stored submission from a valid answer set (eligible unless the overrides say otherwise).

    e.g. make_submission(calf_swelling=True) is urgent; make_submission(first_name="Bo").
    """
    from intake.submissions import create_submission

    return create_submission(
        answers=eligible_answers(**answer_overrides),
        draft_key=uuid.uuid4(),
        ip_address="192.0.2.1",
        user_agent="Test browser",
        submitted_at=submitted_at,
    )


def assert_no_axe_violations(page: Any) -> None:
    """Run axe-core (bundled, offline) on the current page and fail with a readable list."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = results.response["violations"]
    summary = [
        f"{v['id']}: {v['help']} ({[n['target'] for n in v['nodes']][:3]})" for v in violations
    ]
    assert not violations, "\n".join(summary)


def sign_in(client: Any, user: User) -> None:
    """Sign a staff member in on Django's test client, past every sign-in check.

    That includes two-factor: the user gets a confirmed authenticator (TOTP device) and the
    session is marked as verified by it, as after a real code was typed.
    """
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def sign_in_browser(page: Any, live_server: Any, user: User) -> None:
    """Give a Playwright page a signed-in staff session (cookie from a real session)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    sign_in(client, user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )
