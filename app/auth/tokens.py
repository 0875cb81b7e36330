"""Single-use tokens for invitation and password-reset links; only their hashes are stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from app.extensions import db
from app.models import Account, AccountToken, TokenPurpose, utcnow


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(account: Account, purpose: TokenPurpose, valid_for: timedelta) -> str:
    """Create a token for the account, retiring its earlier unused ones of the same purpose; flushes only."""
    now = utcnow()
    db.session.execute(
        update(AccountToken)
        .where(
            AccountToken.account_id == account.id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(
            account_id=account.id,
            purpose=purpose,
            token_hash=_digest(token),
            created_at=now,
            expires_at=now + valid_for,
        )
    )
    db.session.flush()
    return token


def find_valid_token(token: str, purpose: TokenPurpose) -> AccountToken | None:
    """The stored token if it exists, has this purpose, is unused and unexpired; otherwise None."""
    if not token or len(token) > 200:
        return None
    stored = db.session.scalars(
        select(AccountToken).where(AccountToken.token_hash == _digest(token), AccountToken.purpose == purpose)
    ).one_or_none()
    if stored is None or stored.used_at is not None or stored.expires_at <= utcnow():
        return None
    return stored


def consume_token(stored: AccountToken) -> bool:
    """Mark the token used; False if another request used it first (the UPDATE is the lock)."""
    result = db.session.execute(
        update(AccountToken)
        .where(AccountToken.id == stored.id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1
