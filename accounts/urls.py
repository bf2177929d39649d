"""Staff account pages under /staff/: two-factor, my account, locked accounts, the session."""

from __future__ import annotations

from django.urls import path

from . import account, lockouts, session, two_factor

urlpatterns = [
    path("two-factor/setup/", two_factor.setup, name="two_factor_setup"),
    path("two-factor/verify/", two_factor.verify, name="two_factor_verify"),
    path("two-factor/backup-codes/", two_factor.backup_codes, name="backup_codes"),
    path("two-factor/backup-codes/new/", two_factor.new_backup_codes_view, name="new_backup_codes"),
    path("account/", account.account, name="account"),
    path("account/password/", account.password_change, name="password_change"),
    path("locked-accounts/", lockouts.locked_accounts, name="locked_accounts"),
    path("locked-accounts/unlock/", lockouts.unlock, name="unlock"),
    path("session/keep-alive/", session.keep_alive, name="keep_alive"),
    path("session/resume/", session.resume, name="resume"),
]
