"""What the poll predicates need to know about a person: the polls they are invited to, loaded once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Account, PollInvitee

_INVITED_KEY = "koop_invited_polls"


def invited_poll_ids(account: Account) -> frozenset[int]:
    """Ids of the polls the account is invited to; one query per account and transaction."""
    cache: dict[int, frozenset[int]] = db.session.info.setdefault(_INVITED_KEY, {})
    if account.id not in cache:
        rows = db.session.scalars(select(PollInvitee.poll_id).where(PollInvitee.account_id == account.id))
        cache[account.id] = frozenset(rows)
    return cache[account.id]


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, *args: Any) -> None:
    # A poll may have been created or purged: the next check reads the invitations again.
    session.info.pop(_INVITED_KEY, None)
