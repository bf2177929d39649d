"""Permissions come from a user's roles and own grants, read in one query."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from intake.models import User
from tests.helpers import make_chiropractor, make_front_desk, make_staff

pytestmark = pytest.mark.django_db


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def test_a_role_gives_its_permissions_and_no_others() -> None:
    desk = fresh(make_front_desk())
    assert desk.has_perm("intake.view_submission")
    assert not desk.has_perm("intake.review_submission")
    assert fresh(make_chiropractor()).has_perm("intake.review_submission")


def test_a_permission_granted_to_the_user_directly_counts_too() -> None:
    user = make_staff("temp", None)
    user.user_permissions.add(Permission.objects.get(codename="export_submission"))
    assert fresh(user).get_all_permissions() == {"intake.export_submission"}


def test_an_inactive_user_has_no_permissions() -> None:
    user = make_staff("gone", None, active=False)
    user.user_permissions.add(Permission.objects.get(codename="export_submission"))
    assert fresh(user).get_all_permissions() == set()


def test_all_permissions_are_read_in_one_query() -> None:
    desk = fresh(make_front_desk())
    with CaptureQueriesContext(connection) as queries:
        desk.has_perm("intake.view_submission")
        desk.has_perm("intake.review_submission")
    assert len(queries) == 1
