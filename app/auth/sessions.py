"""Flask-Login's account loader."""

from __future__ import annotations

from app.extensions import db
from app.models import Account


def load_account(session_id: str) -> Account | None:
    """Load the account of a session id `<id>:<version>`; an outdated version ends the session."""
    account_id, _, version = session_id.partition(":")
    if not account_id.isdigit() or not version.isdigit():
        return None
    account = db.session.get(Account, int(account_id))
    if account is None or account.session_version != int(version) or not account.active:
        return None
    return account
