"""Use cases of accounts: invite, edit, deactivate, reactivate, and the person's own profile."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from app.audit import services as audit
from app.auth.services import find_account_by_email, normalise_email, send_invitation_mail
from app.auth.tokens import issue_token
from app.errors import DomainError
from app.extensions import db
from app.i18n import timezone_names
from app.models import Account, GlobalRole, Organisation, TokenPurpose
from app.queries import contains_text


def _check_email_free(email: str, account: Account | None = None) -> str:
    email = normalise_email(email)
    existing = find_account_by_email(email)
    if existing is not None and existing is not account:
        raise DomainError(_("An account with this email address already exists."), field="email")
    return email


def _check_profile(locale: str, timezone: str) -> None:
    if locale not in current_app.config["LANGUAGES"]:
        raise DomainError(_("Please choose one of the offered languages."), field="locale")
    if timezone not in timezone_names():
        raise DomainError(_("Unknown time zone."), field="timezone")


def invite_account(
    inviter: Account,
    display_name: str,
    email: str,
    organisation: Organisation | None,
    role: GlobalRole = GlobalRole.NONE,
    locale: str = "de",
) -> Account:
    """Create an account without password and mail it a link to set one (valid INVITATION_VALID_FOR)."""
    if role is not GlobalRole.NONE and inviter.role is not GlobalRole.ADMIN:
        raise DomainError(_("Only administrators can give a global role."), field="role")
    _check_profile(locale, current_app.config["BABEL_DEFAULT_TIMEZONE"])
    account = Account(
        email=_check_email_free(email),
        display_name=display_name.strip(),
        organisation=organisation,
        role=role,
        locale=locale,
    )
    db.session.add(account)
    audit.record(inviter, "invite", account, summary=account.display_name)
    token = issue_token(account, TokenPurpose.INVITATION, current_app.config["INVITATION_VALID_FOR"])
    db.session.commit()
    send_invitation_mail(account, token, inviter=inviter)
    return account


def resend_invitation(inviter: Account, account: Account) -> None:
    """A fresh invitation link for an account that has not set its password yet (the old link stops working)."""
    if account.has_password:
        raise DomainError(_("This person has already set a password."))
    if not account.active:
        raise DomainError(_("This account is deactivated."))
    token = issue_token(account, TokenPurpose.INVITATION, current_app.config["INVITATION_VALID_FOR"])
    db.session.commit()
    send_invitation_mail(account, token, inviter=inviter)


def update_profile(account: Account, display_name: str, locale: str, timezone: str) -> None:
    """The person's own settings."""
    _check_profile(locale, timezone)
    before = audit.snapshot(account)
    account.display_name = display_name.strip()
    account.locale = locale
    account.timezone = timezone
    audit.record(account, "update", account, before, summary=account.display_name)
    db.session.commit()


def update_account(
    editor: Account,
    account: Account,
    display_name: str,
    email: str,
    organisation: Organisation | None,
    role: GlobalRole,
) -> None:
    """An admin's edit of another account (or their own, except for removing their own admin role)."""
    if account.id == editor.id and role is not GlobalRole.ADMIN:
        raise DomainError(_("You cannot take away your own administrator role."), field="role")
    new_email = _check_email_free(email, account)
    before = audit.snapshot(account)
    if new_email != account.email:
        account.session_version += 1  # the login changed: open sessions must log in again
    account.email = new_email
    account.display_name = display_name.strip()
    account.organisation = organisation
    account.role = role
    audit.record(editor, "update", account, before, summary=account.display_name)
    db.session.commit()


def set_active(editor: Account, account: Account, active: bool) -> None:
    """Deactivate (ending every session at once) or reactivate an account."""
    if account.id == editor.id:
        raise DomainError(_("You cannot deactivate your own account."))
    if account.active == active:
        return
    before = audit.snapshot(account)
    account.active = active
    account.session_version += 1
    audit.record(editor, "reactivate" if active else "deactivate", account, before, summary=account.display_name)
    db.session.commit()


def accounts_query(search: str = "", role: GlobalRole | None = None, active: bool | None = None) -> Select:
    """Accounts for the admin list, with their organisation loaded, sorted by name."""
    query = select(Account).options(joinedload(Account.organisation)).order_by(func.lower(Account.display_name))
    if search:
        query = query.where(or_(contains_text(Account.display_name, search), contains_text(Account.email, search)))
    if role is not None:
        query = query.where(Account.role == role)
    if active is not None:
        query = query.where(Account.active == active)
    return query
