"""Staff accounts in the admin: what a clinic admin may do, password reset links, 2FA reset."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import CHIROPRACTOR, CLINIC_ADMIN, FRONT_DESK
from accounts.two_factor import new_backup_codes
from intake.models import AuditEvent, User
from tests.helpers import make_clinic_admin, make_front_desk, make_staff, sign_in

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def signed_in(user: User) -> Client:
    client = Client(REMOTE_ADDR="203.0.113.9")
    sign_in(client, user)
    return client


def make_superuser(username: str = "root") -> User:
    return make_staff(username, None, is_superuser=True)


def change_data(user: User, **overrides: Any) -> dict[str, Any]:
    """Everything the stock and our user change forms post, for `user` as it is now."""
    role = user.groups.values_list("name", flat=True).first() or ""
    data: dict[str, Any] = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "groups": [g.pk for g in user.groups.all()],
        "role": role,
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "reason": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value != ""}


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def link_in(message: mail.EmailMessage) -> str:
    body = str(message.body)
    match = re.search(r"https?://[^/\s]+(/staff/password-reset/\S+/)", body)
    assert match, body
    return match.group(1)


# What a clinic admin cannot do


def test_a_clinic_admin_cannot_make_themselves_a_superuser() -> None:
    admin_user = make_clinic_admin()
    client = signed_in(admin_user)
    client.post(
        f"/admin/intake/user/{admin_user.pk}/change/",
        change_data(admin_user, is_superuser="on", reason="Testing"),
    )
    admin_user.refresh_from_db()
    assert not admin_user.is_superuser


def test_a_clinic_admin_cannot_grant_raw_permissions_or_other_groups() -> None:
    desk = make_front_desk()
    other = Group.objects.create(name="Custom")
    permission = Permission.objects.get(codename="delete_user")
    signed_in(make_clinic_admin()).post(
        f"/admin/intake/user/{desk.pk}/change/",
        change_data(
            desk,
            user_permissions=[permission.pk],
            groups=[other.pk],
            reason="Testing",
        ),
    )
    assert not desk.user_permissions.exists()
    assert list(desk.groups.values_list("name", flat=True)) == [FRONT_DESK]


def test_the_clinic_admins_form_offers_no_superuser_or_permission_fields() -> None:
    desk = make_front_desk()
    page = signed_in(make_clinic_admin()).get(f"/admin/intake/user/{desk.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="is_superuser"' not in html and 'name="user_permissions"' not in html
    assert 'name="role"' in html and 'name="reason"' in html


def test_nobody_can_set_another_persons_password_in_the_admin() -> None:
    desk = make_front_desk()
    for user in (make_clinic_admin(), make_superuser()):
        client = signed_in(user)
        url = f"/admin/intake/user/{desk.pk}/password/"
        assert client.get(url).status_code == 403
        new = {"password1": "a-brand-new-password", "password2": "a-brand-new-password"}
        assert client.post(url, new).status_code == 403
    desk.refresh_from_db()
    assert desk.check_password(PASSWORD)


def test_a_clinic_admin_cannot_open_or_change_a_superusers_account() -> None:
    root = make_superuser()
    client = signed_in(make_clinic_admin())
    assert client.get(f"/admin/intake/user/{root.pk}/change/").status_code == 403
    response = client.post(
        f"/admin/intake/user/{root.pk}/change/",
        change_data(root, email="attacker@example.com", reason="Testing"),
    )
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.email == ""
    assert client.get(f"/admin/intake/user/{root.pk}/two-factor-reset/").status_code == 403


def test_front_desk_cannot_reach_the_user_admin() -> None:
    desk = make_front_desk()
    client = signed_in(desk)
    assert client.get("/admin/intake/user/").status_code == 403
    assert client.get(f"/admin/intake/user/{desk.pk}/two-factor-reset/").status_code == 403
    assert client.post(f"/admin/intake/user/{desk.pk}/password-reset/", {}).status_code == 403


# What a clinic admin can do, audited with a reason


def test_a_clinic_admin_creates_a_staff_account_and_a_set_password_link_is_emailed() -> None:
    admin_user = make_clinic_admin()
    response = signed_in(admin_user).post(
        "/admin/intake/user/add/",
        {
            "username": "newdesk",
            "first_name": "Nia",
            "last_name": "Desk",
            "email": "nia@example.com",
            "role": FRONT_DESK,
            "reason": "New receptionist starts Monday",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(username="newdesk")
    assert user.is_staff and user.is_active and not user.is_superuser
    assert not user.has_usable_password()
    assert list(user.groups.values_list("name", flat=True)) == [FRONT_DESK]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nia@example.com"]
    assert "/staff/password-reset/" in mail.outbox[0].body
    created = events("accounts.user.created")
    assert len(created) == 1
    assert created[0].actor == admin_user
    assert created[0].detail == {
        "user": user.pk,
        "username": "newdesk",
        "role": FRONT_DESK,
        "reason": "New receptionist starts Monday",
    }
    assert events("accounts.user.password_reset_sent")[0].detail["user"] == user.pk


def test_a_new_account_needs_a_reason_and_an_email() -> None:
    response = signed_in(make_clinic_admin()).post(
        "/admin/intake/user/add/", {"username": "newdesk", "role": FRONT_DESK}
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="newdesk").exists()
    errors = response.context["adminform"].form.errors
    assert "reason" in errors and "email" in errors


def test_changing_a_role_and_deactivating_are_audited_with_the_reason() -> None:
    desk = make_front_desk()
    admin_user = make_clinic_admin()
    response = signed_in(admin_user).post(
        f"/admin/intake/user/{desk.pk}/change/",
        change_data(desk, role=CHIROPRACTOR, is_active="", reason="Left the clinic"),
    )

    assert response.status_code == 302
    desk.refresh_from_db()
    assert not desk.is_active
    assert list(desk.groups.values_list("name", flat=True)) == [CHIROPRACTOR]
    role = events("accounts.user.role_changed")[0]
    assert (role.actor, role.detail) == (
        admin_user,
        {
            "user": desk.pk,
            "username": "desk",
            "from": FRONT_DESK,
            "to": CHIROPRACTOR,
            "reason": "Left the clinic",
        },
    )
    assert events("accounts.user.deactivated")[0].detail["reason"] == "Left the clinic"


def test_a_change_without_a_reason_is_refused_with_a_message() -> None:
    desk = make_front_desk()
    response = signed_in(make_clinic_admin()).post(
        f"/admin/intake/user/{desk.pk}/change/", change_data(desk, role=CLINIC_ADMIN)
    )
    assert response.status_code == 200
    assert "reason" in response.context["adminform"].form.errors
    assert list(desk.groups.values_list("name", flat=True)) == [FRONT_DESK]
    assert not AuditEvent.objects.filter(action__startswith="accounts.").exists()


def test_a_superuser_may_grant_superuser_status_and_it_is_audited() -> None:
    desk = make_front_desk()
    root = make_superuser()
    page = signed_in(root).get(f"/admin/intake/user/{desk.pk}/change/").content.decode()
    assert 'name="is_superuser"' in page
    response = signed_in(root).post(
        f"/admin/intake/user/{desk.pk}/change/",
        change_data(desk, is_superuser="on", reason="Second IT contact"),
    )
    assert response.status_code == 302
    desk.refresh_from_db()
    assert desk.is_superuser
    event = events("accounts.user.privileges_changed")[0]
    assert event.actor == root and event.detail["is_superuser"] is True


# Password reset by link


def test_a_clinic_admin_sends_a_reset_link_and_the_person_sets_a_new_password() -> None:
    desk = make_staff("desk", FRONT_DESK, email="desk@example.com")
    admin_user = make_clinic_admin()
    client = signed_in(admin_user)
    form = client.get(f"/admin/intake/user/{desk.pk}/password-reset/")
    assert form.status_code == 200 and 'name="reason"' in form.content.decode()

    response = client.post(
        f"/admin/intake/user/{desk.pk}/password-reset/", {"reason": "Forgot password"}
    )

    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["desk@example.com"]
    sent = events("accounts.user.password_reset_sent")[0]
    assert (sent.actor, sent.detail) == (
        admin_user,
        {"user": desk.pk, "username": "desk", "reason": "Forgot password"},
    )
    desk.refresh_from_db()
    assert desk.check_password(PASSWORD)  # nothing changes until the person uses the link

    person = Client()
    set_page = person.get(link_in(mail.outbox[0]), follow=True)
    assert set_page.status_code == 200 and 'name="new_password1"' in set_page.content.decode()
    done = person.post(
        set_page.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"},
    )
    assert done.status_code == 302
    desk.refresh_from_db()
    assert desk.check_password("a-brand-new-passphrase")
    assert events("accounts.user.password_set")[0].actor == desk


def test_a_reset_link_needs_a_reason_and_an_email_address() -> None:
    desk = make_front_desk()
    client = signed_in(make_clinic_admin())
    no_reason = client.post(f"/admin/intake/user/{desk.pk}/password-reset/", {"reason": " "})
    assert no_reason.status_code == 200
    assert "reason" in no_reason.context["form"].errors
    no_email = client.post(f"/admin/intake/user/{desk.pk}/password-reset/", {"reason": "Forgot"})
    assert no_email.status_code == 200
    assert "email" in no_email.content.decode().lower()
    assert not mail.outbox
    assert not events("accounts.user.password_reset_sent")


def test_staff_who_forgot_their_password_ask_for_a_link_on_the_sign_in_page() -> None:
    make_staff("desk", FRONT_DESK, email="desk@example.com")
    client = Client()
    assert "/staff/password-reset/" in client.get("/staff/login/").content.decode()
    page = client.get("/staff/password-reset/")
    assert page.status_code == 200 and "lead-card" in page.content.decode()

    response = client.post("/staff/password-reset/", {"email": "desk@example.com"})
    assert response.status_code == 302
    assert response["Location"] == "/staff/password-reset/sent/"
    assert len(mail.outbox) == 1 and "/staff/password-reset/" in mail.outbox[0].body
    client.post("/staff/password-reset/", {"email": "nobody@example.com"})
    assert len(mail.outbox) == 1
    assert client.get("/staff/password-reset/sent/").status_code == 200


def test_a_used_or_forged_reset_link_is_refused_kindly() -> None:
    page = Client().get("/staff/password-reset/MQ/forged-token/")
    assert page.status_code == 200
    assert 'name="new_password1"' not in page.content.decode()
    assert "lead-card" in page.content.decode()


# Lost phone: Reset 2FA


def test_reset_two_factor_removes_every_device_and_the_person_can_enrol_again() -> None:
    desk = make_front_desk()
    TOTPDevice.objects.create(user=desk, name="Phone", confirmed=True)
    new_backup_codes(desk)
    admin_user = make_clinic_admin()
    client = signed_in(admin_user)
    change_page = client.get(f"/admin/intake/user/{desk.pk}/change/").content.decode()
    assert f"/admin/intake/user/{desk.pk}/two-factor-reset/" in change_page
    assert client.get(f"/admin/intake/user/{desk.pk}/two-factor-reset/").status_code == 200

    response = client.post(
        f"/admin/intake/user/{desk.pk}/two-factor-reset/", {"reason": "Lost phone"}
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=desk).exists()
    assert not StaticDevice.objects.filter(user=desk).exists()
    event = events("accounts.user.2fa_reset")[0]
    assert (event.actor, event.detail) == (
        admin_user,
        {"user": desk.pk, "username": "desk", "devices": 2, "reason": "Lost phone"},
    )
    person = Client()
    person.post("/staff/login/", {"username": "desk", "password": PASSWORD})
    assert person.get("/staff/")["Location"].startswith("/staff/two-factor/setup/")
    assert person.get("/staff/two-factor/setup/").status_code == 200


def test_reset_two_factor_needs_a_reason() -> None:
    desk = make_front_desk()
    TOTPDevice.objects.create(user=desk, name="Phone", confirmed=True)
    response = signed_in(make_clinic_admin()).post(
        f"/admin/intake/user/{desk.pk}/two-factor-reset/", {"reason": ""}
    )
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert TOTPDevice.objects.filter(user=desk).exists()


def test_deleting_an_authenticator_in_the_device_admin_removes_the_backup_codes_too() -> None:
    desk = make_front_desk()
    device = TOTPDevice.objects.create(user=desk, name="Phone", confirmed=True)
    new_backup_codes(desk)
    client = signed_in(make_clinic_admin())

    response = client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not StaticDevice.objects.filter(user=desk).exists()
    assert events("accounts.user.2fa_reset")[0].detail["via"] == "device admin"
    person = Client()
    person.post("/staff/login/", {"username": "desk", "password": PASSWORD})
    assert person.get("/staff/two-factor/setup/").status_code == 200


# Device admin pages show no secrets


def test_device_admin_pages_list_and_delete_but_never_show_a_secret() -> None:
    desk = make_front_desk()
    device = TOTPDevice.objects.create(user=desk, name="Phone", confirmed=True)
    codes = new_backup_codes(desk)
    static = StaticDevice.objects.get(user=desk)
    client = signed_in(make_clinic_admin())

    listing = client.get("/admin/otp_totp/totpdevice/")
    assert listing.status_code == 200
    assert "desk" in listing.content.decode()
    for url in (
        f"/admin/otp_totp/totpdevice/{device.pk}/change/",
        f"/admin/otp_totp/totpdevice/{device.pk}/config/",
        f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/",
        "/admin/otp_totp/totpdevice/add/",
        f"/admin/otp_static/staticdevice/{static.pk}/change/",
        "/admin/otp_static/staticdevice/add/",
    ):
        response = client.get(url, follow=True)
        html = response.content.decode()
        assert device.key not in html, url
        assert "otpauth://" not in html, url
        assert not any(code in html for code in codes), url
        assert 'name="key"' not in html, url
    for url in (
        "/admin/otp_static/staticdevice/",
        f"/admin/otp_totp/totpdevice/{device.pk}/delete/",
        f"/admin/otp_static/staticdevice/{static.pk}/delete/",
    ):
        html = client.get(url).content.decode()
        assert device.key not in html and not any(code in html for code in codes), url


def test_a_clinic_admin_lets_one_front_desk_person_download_patient_data() -> None:
    from tests.helpers import make_submission

    desk = make_front_desk()
    admin_user = make_clinic_admin()
    url = f"/staff/submissions/{make_submission().reference}/export.json"
    desk_client = signed_in(desk)
    assert desk_client.get(url).status_code == 403

    response = signed_in(admin_user).post(
        f"/admin/intake/user/{desk.pk}/change/",
        change_data(desk, subject_access="on", reason="Handles data requests"),
    )

    assert response.status_code == 302
    assert desk_client.get(url).status_code == 200
    event = events("accounts.user.subject_access_changed")[0]
    assert (event.actor, event.detail["granted"], event.detail["reason"]) == (
        admin_user,
        True,
        "Handles data requests",
    )
    signed_in(admin_user).post(
        f"/admin/intake/user/{desk.pk}/change/",
        change_data(desk, reason="No longer needed"),
    )
    assert signed_in(desk).get(url).status_code == 403
