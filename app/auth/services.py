"""Use cases of logging in, accepting an invitation and resetting a password."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app import mail
from app.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, needs_rehash, verify_password
from app.auth.tokens import consume_token, find_valid_token, issue_token
from app.errors import DomainError
from app.extensions import db
from app.models import Account, TokenPurpose, utcnow


def normalise_email(email: str) -> str:
    """Emails are compared case-insensitively: store and look them up lower-cased."""
    return email.strip().lower()


def find_account_by_email(email: str) -> Account | None:
    return db.session.scalars(select(Account).where(Account.email == normalise_email(email))).one_or_none()


def authenticate(email: str, password: str) -> Account:
    """The account these credentials open, or a DomainError that reveals nothing about which part was wrong."""
    account = find_account_by_email(email)
    if not verify_password(account.password_hash if account else None, password) or account is None:
        raise DomainError(_("Email address or password is wrong."), field="password")
    if not account.active:
        raise DomainError(_("This account has been deactivated. Please contact an administrator."), field="email")
    if needs_rehash(account.password_hash or ""):
        account.password_hash = hash_password(password)
    account.last_login_at = utcnow()
    db.session.commit()
    return account


def check_new_password(account: Account, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _("The password must have at least %(count)d characters.", count=MIN_PASSWORD_LENGTH), field="password"
        )
    if password.strip().lower() in {account.email, account.email.split("@")[0]}:
        raise DomainError(_("The password must not be your email address."), field="password")


def _set_password(account: Account, password: str) -> None:
    check_new_password(account, password)
    account.password_hash = hash_password(password)
    account.session_version += 1  # every session opened with the old password ends


def invitation_account(token: str) -> Account | None:
    """The account a still valid invitation link belongs to."""
    stored = find_valid_token(token, TokenPurpose.INVITATION)
    return stored.account if stored and stored.account.active else None


def accept_invitation(token: str, password: str) -> Account:
    """Set the first password through an invitation link; the link works once."""
    return _use_token(token, TokenPurpose.INVITATION, password)


def reset_account(token: str) -> Account | None:
    stored = find_valid_token(token, TokenPurpose.PASSWORD_RESET)
    return stored.account if stored and stored.account.active else None


def reset_password(token: str, password: str) -> Account:
    """Set a new password through a reset link; the link works once."""
    return _use_token(token, TokenPurpose.PASSWORD_RESET, password)


def _use_token(token: str, purpose: TokenPurpose, password: str) -> Account:
    stored = find_valid_token(token, purpose)
    if stored is None or not stored.account.active:
        raise DomainError(_("This link is invalid, expired or has already been used."))
    account = stored.account
    _set_password(account, password)
    if not consume_token(stored):
        db.session.rollback()
        raise DomainError(_("This link is invalid, expired or has already been used."))
    db.session.commit()
    return account


def request_password_reset(email: str) -> None:
    """Mail a reset link if an active account has this email; the caller answers the same either way."""
    account = find_account_by_email(email)
    if account is None or not account.active:
        return
    purpose = TokenPurpose.PASSWORD_RESET if account.has_password else TokenPurpose.INVITATION
    valid_for = current_app.config[
        "PASSWORD_RESET_VALID_FOR" if purpose is TokenPurpose.PASSWORD_RESET else "INVITATION_VALID_FOR"
    ]
    token = issue_token(account, purpose, valid_for)
    db.session.commit()
    if purpose is TokenPurpose.PASSWORD_RESET:
        mail.send_to_account(
            account, "password_reset", link=_mail_link("auth.reset_password", token=token), valid_for=valid_for
        )
    else:
        send_invitation_mail(account, token, inviter=None)


def send_invitation_mail(account: Account, token: str, inviter: Account | None) -> None:
    mail.send_to_account(
        account,
        "invitation",
        link=_mail_link("auth.accept_invitation", token=token),
        inviter=inviter,
        valid_for=current_app.config["INVITATION_VALID_FOR"],
    )


def _mail_link(endpoint: str, **values: str) -> str:
    """An absolute link for a mail: BASE_URL plus the route's path.

    Built from the URL map rather than url_for, so it works outside a request too (CLI, tests, workers)
    and never doubles a path prefix that BASE_URL already holds.
    """
    return current_app.config["BASE_URL"] + current_app.url_map.bind("localhost").build(endpoint, values)
