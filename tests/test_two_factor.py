"""Two-factor sign-in: enrolment with a QR code, codes, backup codes, and the admin."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.two_factor import new_backup_codes
from intake import audit
from intake.models import AuditEvent, User
from tests.helpers import make_clinic_admin, make_front_desk, sign_in
from tests.test_foundation import run_python

PASSWORD = "correct-horse-battery"

pytestmark = pytest.mark.django_db


def current_code(device: TOTPDevice) -> str:
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}"


def password_only(client: Client, user: User) -> None:
    response = client.post("/staff/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302


def make_authenticator(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


def test_a_password_alone_leads_a_new_staff_member_to_enrol_an_authenticator(
    client: Client,
) -> None:
    user = make_front_desk()
    password_only(client, user)

    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/two-factor/setup/?next=/staff/")

    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html
    # Our own scripts load by src; nothing inline (the QR code's SVG brings none).
    assert not re.search(r"<script(?![^>]*\bsrc=)", html.lower()) and "style=" not in html.lower()


def test_enrolling_with_a_right_code_verifies_the_session_and_shows_backup_codes_once(
    client: Client,
) -> None:
    user = make_front_desk()
    password_only(client, user)
    client.get("/staff/two-factor/setup/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    response = client.post(
        "/staff/two-factor/setup/", {"code": current_code(device), "next": "/staff/"}
    )

    assert response.status_code == 200
    codes = list(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(codes) == 10
    assert all(code in response.content.decode() for code in codes)
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/staff/").status_code == 200
    assert AuditEvent.objects.filter(action=audit.ENROLLED_TWO_FACTOR, actor=user).exists()


def test_enrolling_with_a_wrong_code_confirms_nothing(client: Client) -> None:
    user = make_front_desk()
    password_only(client, user)
    client.get("/staff/two-factor/setup/")

    response = client.post("/staff/two-factor/setup/", {"code": "000000"})

    assert response.status_code == 200
    assert b"did not match" in response.content
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert client.get("/staff/").status_code == 302


def test_staff_with_an_authenticator_must_type_a_code_after_the_password(client: Client) -> None:
    user = make_front_desk()
    device = make_authenticator(user)
    password_only(client, user)

    response = client.get("/staff/")
    assert response["Location"].startswith("/staff/two-factor/verify/?next=/staff/")

    response = client.post(
        "/staff/two-factor/verify/", {"code": current_code(device), "next": "/staff/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200


def test_a_wrong_code_is_refused_and_audited(client: Client) -> None:
    user = make_front_desk()
    make_authenticator(user)
    password_only(client, user)

    response = client.post("/staff/two-factor/verify/", {"code": "123456"})

    assert response.status_code == 200
    assert b"did not work" in response.content
    assert client.get("/staff/").status_code == 302
    assert AuditEvent.objects.filter(action=audit.FAILED_TWO_FACTOR, actor=user).exists()


def test_a_backup_code_signs_in_once(client: Client) -> None:
    user = make_front_desk()
    make_authenticator(user)
    code = new_backup_codes(user)[0]
    password_only(client, user)

    response = client.post("/staff/two-factor/verify/", {"code": code.upper()})
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200

    other = Client()
    password_only(other, user)
    other.post("/staff/two-factor/verify/", {"code": code})
    assert other.get("/staff/").status_code == 302


def test_a_password_alone_cannot_replace_an_existing_authenticator(client: Client) -> None:
    user = make_front_desk()
    make_authenticator(user)
    password_only(client, user)

    response = client.get("/staff/two-factor/setup/")

    assert response.status_code == 302
    assert response["Location"].startswith("/staff/two-factor/verify/")


def test_verification_never_redirects_to_another_site(client: Client) -> None:
    user = make_front_desk()
    device = make_authenticator(user)
    password_only(client, user)

    response = client.post(
        "/staff/two-factor/verify/",
        {"code": current_code(device), "next": "https://evil.example/"},
    )

    assert response["Location"] == "/staff/"


def test_the_admin_needs_a_verified_session_too(client: Client) -> None:
    user = make_clinic_admin()
    make_authenticator(user)
    password_only(client, user)

    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/two-factor/verify/")

    verified = Client()
    sign_in(verified, user)
    assert verified.get("/admin/").status_code == 200


def test_the_admin_login_page_sends_staff_to_the_one_sign_in_page(client: Client) -> None:
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


def test_staff_can_make_new_backup_codes_and_the_old_ones_stop_working(client: Client) -> None:
    user = make_front_desk()
    sign_in(client, user)
    old = new_backup_codes(user)

    response = client.post("/staff/two-factor/backup-codes/new/", {"password": PASSWORD})

    assert response.status_code == 200
    new = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(new) == 10 and not new & set(old)
    assert client.get("/staff/two-factor/backup-codes/").status_code == 200


def test_without_the_requirement_a_password_is_enough(client: Client, settings) -> None:
    settings.CLINIC_REQUIRE_2FA = False
    user = make_front_desk()
    password_only(client, user)
    assert client.get("/staff/").status_code == 200


def test_two_factor_is_required_unless_debug_and_the_setting_overrides() -> None:
    code = "from django.conf import settings; print(settings.CLINIC_REQUIRE_2FA)"
    assert run_python(code, DJANGO_SECRET_KEY="x").stdout.strip() == "True"
    assert run_python(code, DJANGO_DEBUG="1").stdout.strip() == "False"
    both = run_python(code, DJANGO_DEBUG="1", CLINIC_REQUIRE_2FA="1")
    assert both.stdout.strip() == "True"


def test_seed_demo_says_how_to_try_two_factor_in_development(settings) -> None:
    import io

    from django.core.management import call_command

    settings.CLINIC_REQUIRE_2FA = False
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "set CLINIC_REQUIRE_2FA=1 to try it" in out.getvalue()


def test_a_clinic_admin_resets_a_lost_authenticator_in_the_admin(client: Client) -> None:
    user = make_front_desk()
    device = make_authenticator(user)
    admin = Client()
    sign_in(admin, make_clinic_admin())

    response = admin.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    password_only(client, user)
    assert client.get("/staff/")["Location"].startswith("/staff/two-factor/setup/")


def test_each_setup_page_view_shows_a_fresh_secret(client: Client) -> None:
    user = make_front_desk()
    password_only(client, user)

    client.get("/staff/two-factor/setup/")
    first = TOTPDevice.objects.get(user=user, confirmed=False).key
    client.get("/staff/two-factor/setup/")
    second = TOTPDevice.objects.get(user=user, confirmed=False).key

    assert first != second


def test_a_secret_shown_in_one_session_cannot_be_confirmed_in_another(client: Client) -> None:
    user = make_front_desk()
    password_only(client, user)
    client.get("/staff/two-factor/setup/")
    shown = TOTPDevice.objects.get(user=user, confirmed=False)

    other = Client()
    password_only(other, user)
    response = other.post("/staff/two-factor/setup/", {"code": current_code(shown)})

    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert other.get("/staff/").status_code == 302


def test_replacing_an_authenticator_asks_for_the_password_again(client: Client) -> None:
    user = make_front_desk()
    sign_in(client, user)
    old = TOTPDevice.objects.get(user=user, confirmed=True)
    page = client.get("/staff/two-factor/setup/")
    assert 'name="password"' in page.content.decode()
    new = TOTPDevice.objects.get(user=user, confirmed=False)

    refused = client.post(
        "/staff/two-factor/setup/", {"code": current_code(new), "password": "wrong-password"}
    )
    assert refused.status_code == 200
    assert TOTPDevice.objects.filter(pk=old.pk).exists()
    new.refresh_from_db()
    assert not new.confirmed

    accepted = client.post(
        "/staff/two-factor/setup/", {"code": current_code(new), "password": PASSWORD}
    )
    assert accepted.status_code == 200
    assert list(TOTPDevice.objects.filter(user=user).values_list("pk", flat=True)) == [new.pk]


def test_new_backup_codes_need_the_password_again(client: Client) -> None:
    user = make_front_desk()
    sign_in(client, user)
    old = set(new_backup_codes(user))
    assert 'name="password"' in client.get("/staff/two-factor/backup-codes/").content.decode()

    for data in ({}, {"password": "wrong-password"}):
        response = client.post("/staff/two-factor/backup-codes/new/", data)
        assert response.status_code == 200
        assert (
            set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
            == old
        )
