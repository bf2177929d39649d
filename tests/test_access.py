"""Who may open which staff page: every staff URL tried by every role, and the access function."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client, RequestFactory

from consults.booking import SlotTaken, book_consult
from consults.locations import forget_places
from consults.models import Location, StaffLocation
from intake.models import Submission
from staff.views import get_submission_for_staff
from tests.helpers import (
    make_chiropractor,
    make_clinic_admin,
    make_front_desk,
    make_staff,
    make_submission,
    sign_in,
)
from tests.scheduling import at, make_case, make_profile, next_monday

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "front_desk", "chiropractor", "clinic_admin", "deactivated", "no_role")

# (method, url, form data, expected status per role in ROLES order)
# Valid actions redirect (302) back to the submission page; refusals are 403.
CASES: list[tuple[str, str, dict[str, str], tuple[int, ...]]] = [
    ("get", "/staff/", {}, (302, 200, 200, 200, 302, 403)),
    ("get", "/staff/export.csv", {}, (302, 200, 200, 200, 302, 403)),
    ("get", "/staff/submissions/{ref}/", {}, (302, 200, 200, 200, 302, 403)),
    (
        "post",
        "/staff/submissions/{ref}/contact/",
        {"result": "voicemail", "note": ""},
        (302, 302, 302, 302, 302, 403),
    ),
    (
        "post",
        "/staff/submissions/{ref}/status/",
        {"to": "not_proceeding", "reason": "Moved away."},
        (302, 302, 302, 302, 302, 403),
    ),
    (
        "post",
        "/staff/submissions/{ref}/clear/",
        {"reason": "Checked by phone."},
        (302, 403, 302, 403, 302, 403),
    ),
    (
        "post",
        "/staff/submissions/{ref}/override/",
        {"outcome": "review", "reason": "Checked by phone."},
        (302, 403, 302, 403, 302, 403),
    ),
    ("post", "/staff/submissions/{ref}/rescreen/", {}, (302, 403, 302, 403, 302, 403)),
    # Patient matches (staff/patients.py): deciding needs intake.change_submission.
    ("post", "/staff/submissions/{ref}/patient/same/", {}, (302, 302, 302, 302, 302, 403)),
    ("post", "/staff/submissions/{ref}/patient/different/", {}, (302, 302, 302, 302, 302, 403)),
    ("post", "/staff/submissions/{ref}/patient/undo/", {}, (302, 302, 302, 302, 302, 403)),
    # Security: subject access export, own backup codes, lockouts and 2FA devices (admin).
    ("get", "/staff/submissions/{ref}/export.json", {}, (302, 403, 403, 200, 302, 403)),
    ("get", "/staff/two-factor/backup-codes/", {}, (302, 200, 200, 200, 302, 200)),
    ("get", "/admin/axes/accessattempt/", {}, (302, 403, 403, 200, 302, 403)),
    ("get", "/admin/otp_totp/totpdevice/", {}, (302, 403, 403, 200, 302, 403)),
    ("get", "/admin/otp_static/staticdevice/", {}, (302, 403, 403, 200, 302, 403)),
    # Staff accounts: only clinic admins manage them (accounts/admin.py).
    ("get", "/admin/intake/user/", {}, (302, 403, 403, 200, 302, 403)),
    ("get", "/admin/intake/user/add/", {}, (302, 403, 403, 200, 302, 403)),
    # Django's admin: the submission list and page (read-only), and the audit trail.
    ("get", "/admin/intake/submission/", {}, (302, 200, 200, 200, 302, 403)),
    ("get", "/admin/intake/submission/{pk}/change/", {}, (302, 200, 200, 200, 302, 403)),
    ("get", "/admin/intake/auditevent/", {}, (302, 403, 403, 200, 302, 403)),
    # Staff day one: my account, locked accounts, the session, the schedule (own or all).
    ("get", "/staff/account/", {}, (302, 200, 200, 200, 302, 200)),
    ("get", "/staff/account/password/", {}, (302, 200, 200, 200, 302, 200)),
    ("get", "/staff/locked-accounts/", {}, (302, 403, 403, 200, 302, 403)),
    ("post", "/staff/locked-accounts/unlock/", {"username": "x"}, (302, 403, 403, 302, 302, 403)),
    ("post", "/staff/session/keep-alive/", {}, (302, 204, 204, 204, 302, 204)),
    ("get", "/staff/session/resume/", {}, (302, 302, 302, 302, 302, 302)),
    ("get", "/staff/schedule/", {}, (302, 403, 403, 200, 302, 403)),
]


def client_for(role: str) -> Client:
    client = Client()
    users: dict[str, Any] = {
        "front_desk": make_front_desk,
        "chiropractor": make_chiropractor,
        "clinic_admin": make_clinic_admin,
        "deactivated": lambda: make_staff("gone", "Front desk", active=False),
        "no_role": lambda: make_staff("outsider", None),
    }
    if role in users:
        sign_in(client, users[role]())
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "data", "expected"), CASES)
def test_each_staff_url_answers_each_role_as_expected(
    role: str, method: str, url: str, data: dict[str, str], expected: tuple[int, ...]
) -> None:
    submission = make_submission()
    client = client_for(role)
    response = getattr(client, method)(url.format(ref=submission.reference, pk=submission.pk), data)
    want = expected[ROLES.index(role)]
    assert response.status_code == want, (role, url)
    if want == 302 and role in ("anonymous", "deactivated"):
        assert response["Location"].startswith("/staff/login/")


@pytest.mark.parametrize("url", ["/staff/", "/staff/submissions/{ref}/", "/staff/export.csv"])
def test_state_changing_urls_refuse_get_and_pages_refuse_post(url: str) -> None:
    submission = make_submission()
    client = client_for("chiropractor")
    assert client.post(url.format(ref=submission.reference)).status_code == 405
    for action in ("contact", "status", "clear", "override", "rescreen"):
        assert client.get(f"/staff/submissions/{submission.reference}/{action}/").status_code == 405


def test_an_unknown_reference_is_404_for_staff_and_403_for_outsiders() -> None:
    assert client_for("front_desk").get("/staff/submissions/NOSUCHREF/").status_code == 404
    assert client_for("no_role").get("/staff/submissions/NOSUCHREF/").status_code == 403


def test_access_function_finds_by_reference_or_pk_and_checks_permission_first() -> None:
    submission = make_submission()
    request = RequestFactory().get("/")
    request.user = make_front_desk()
    assert get_submission_for_staff(request, submission.reference) == submission
    assert get_submission_for_staff(request, submission.reference.lower()) == submission
    assert get_submission_for_staff(request, submission.pk) == submission
    with pytest.raises(Http404):
        get_submission_for_staff(request, "NOSUCHREF")
    with pytest.raises(Http404):
        get_submission_for_staff(request, submission.pk + 1000)
    with pytest.raises(PermissionDenied):
        get_submission_for_staff(request, submission.reference, also=("intake.review_submission",))
    request.user = make_staff("outsider", None)
    with pytest.raises(PermissionDenied):
        get_submission_for_staff(request, "NOSUCHREF")


def test_staff_urls_carry_the_reference_never_a_name_or_birth_date() -> None:
    submission = make_submission(first_name="Zelda", last_name="Unique")
    response = client_for("front_desk").get("/staff/")
    assert f"/staff/submissions/{submission.reference}/".encode() in response.content
    assert Submission.objects.count() == 1
    for href in response.content.decode().split('href="')[1:]:
        link = href.split('"')[0]
        assert "Zelda" not in link and "1980" not in link


def test_a_signed_in_account_without_staff_status_never_reaches_staff_pages() -> None:
    from django.contrib.auth import get_user_model

    outsider = get_user_model().objects.create_user("visitor", password="correct-horse-battery")
    client = Client()
    sign_in(client, outsider)
    for url in ("/staff/", "/staff/two-factor/backup-codes/", "/staff/agenda/"):
        assert client.get(url).status_code == 403, url


def test_an_account_without_staff_status_is_refused_at_sign_in_with_a_clear_message() -> None:
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("visitor", password="correct-horse-battery")
    client = Client()
    response = client.post(
        "/staff/login/", {"username": "visitor", "password": "correct-horse-battery"}
    )
    assert response.status_code == 200
    assert "not a staff account" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("method", "url", "data", "expected"),
    [
        case
        for case in CASES
        if ("{ref}" in case[1] or "{pk}" in case[1]) and case[3][ROLES.index("front_desk")] != 403
    ],
)
def test_each_case_url_is_not_found_for_a_front_desk_limited_to_another_location(
    method: str, url: str, data: dict[str, str], expected: tuple[int, ...]
) -> None:
    # docs/locations.md: a booked case belongs to its consult's location.
    riverside = Location.objects.create(name="Riverside", address="12 Elm Road")
    chiropractor = make_profile(days=(0,))
    submission = make_case()
    booked = book_consult(
        submission=submission,
        chiropractor=chiropractor,
        starts_at=at(next_monday(), 10),
        by=None,
    )
    assert not isinstance(booked, SlotTaken)
    desk = make_front_desk("riverdesk")
    StaffLocation.objects.create(user=desk, location=riverside)
    forget_places()
    client = Client()
    sign_in(client, desk)
    response = getattr(client, method)(url.format(ref=submission.reference, pk=submission.pk), data)
    if url.startswith("/admin/"):
        # Django's admin answers a missing object with a redirect to its index.
        assert (response.status_code, response["Location"]) == (302, "/admin/")
    else:
        assert response.status_code == 404, url
