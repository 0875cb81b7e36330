"""What the poll predicates need to know about a person: the polls they are invited to."""

from __future__ import annotations

from sqlalchemy import select

from app.access import once_per_transaction
from app.extensions import db
from app.models import Account, PollInvitee


def invited_poll_ids(account: Account) -> frozenset[int]:
    """Ids of the polls the account is invited to; one query per account and transaction."""
    return once_per_transaction(
        "invited_polls",
        account,
        lambda: frozenset(db.session.scalars(select(PollInvitee.poll_id).where(PollInvitee.account_id == account.id))),
    )
