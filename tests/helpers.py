"""Small deterministic builders and assertions shared by the tests."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group

from intake.models import User
from intake.roles import CHIROPRACTOR, CLINIC_ADMIN, FRONT_DESK


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


def assert_no_axe_violations(page: Any) -> None:
    """Run axe-core (bundled, offline) on the current page and fail with a readable list."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = results.response["violations"]
    summary = [
        f"{v['id']}: {v['help']} ({[n['target'] for n in v['nodes']][:3]})" for v in violations
    ]
    assert not violations, "\n".join(summary)
