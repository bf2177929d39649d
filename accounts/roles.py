"""The three staff roles (Django groups). Their permissions are set by data migrations."""

from __future__ import annotations

FRONT_DESK = "Front desk"
CHIROPRACTOR = "Chiropractor"
CLINIC_ADMIN = "Clinic admin"

ROLES = (FRONT_DESK, CHIROPRACTOR, CLINIC_ADMIN)
