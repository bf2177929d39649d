"""Load demo data for local development: a staff user per role and ~30 synthetic submissions.

Safe to run repeatedly.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.roles import CHIROPRACTOR, CLINIC_ADMIN, FRONT_DESK
from care.demo import seed_demo_care
from consults.demo import seed_demo_schedule
from intake.demo import seed_demo_submissions
from intake.models import User

# Demo only: these accounts exist on developer machines, never in production.
DEMO_USERS = [
    ("frontdesk", "frontdesk-demo-2026", FRONT_DESK, "Frankie", "Desk"),
    ("chiro", "chiro-demo-2026", CHIROPRACTOR, "Casey", "Chiro"),
    ("clinicadmin", "clinicadmin-demo-2026", CLINIC_ADMIN, "Alex", "Admin"),
]


class Command(BaseCommand):
    help = (
        "Create demo staff accounts (one per role) and synthetic submissions. "
        "Running it again changes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            users = {
                role: self._ensure_user(username, password, role, first, last)
                for username, password, role, first, last in DEMO_USERS
            }
            created = seed_demo_submissions(
                front_desk=users[FRONT_DESK], chiropractor=users[CHIROPRACTOR]
            )
            consults = seed_demo_schedule(users[CHIROPRACTOR])
            in_care = seed_demo_care(users[CHIROPRACTOR])
        self.stdout.write(f"Demo submissions created: {created} (synthetic names only).")
        self.stdout.write(f"Demo consults booked: {consults} (agenda at /staff/agenda/).")
        self.stdout.write(f"Demo patients in a course of care: {in_care}.")
        self.stdout.write("Demo staff accounts (sign in at /staff/login/):")
        for username, password, role, _first, _last in DEMO_USERS:
            self.stdout.write(f"  {role:<13} username: {username:<12} password: {password}")
        if settings.CLINIC_REQUIRE_2FA:
            self.stdout.write(
                "2FA is on: after the password each account enrols an authenticator app "
                "(QR code at /staff/two-factor/setup/)."
            )
        else:
            self.stdout.write(
                "2FA is off in development (DJANGO_DEBUG=1); set CLINIC_REQUIRE_2FA=1 to try it."
            )

    def _ensure_user(self, username: str, password: str, role: str, first: str, last: str) -> User:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "is_staff": True},
        )
        if created:
            user.set_password(password)
            user.save()
        user.groups.add(Group.objects.get(name=role))
        return user
