"""What the permission predicates need to know about a person's current memberships, loaded once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session

from app.clock import today
from app.extensions import db
from app.models import Account, Invitation, Membership, MembershipRole

_CACHE_KEY = "koop_current_roles"
_INVITED_KEY = "koop_invited_meetings"


def current_roles(account: Account) -> dict[int, MembershipRole]:
    """body id -> role of the account's current memberships; one query per account and transaction."""
    cache: dict[int, dict[int, MembershipRole]] = db.session.info.setdefault(_CACHE_KEY, {})
    if account.id not in cache:
        day = today()
        rows = db.session.execute(
            select(Membership.body_id, Membership.role).where(
                Membership.account_id == account.id,
                Membership.start_on <= day,
                or_(Membership.end_on.is_(None), Membership.end_on > day),
            )
        )
        cache[account.id] = {row.body_id: row.role for row in rows}
    return cache[account.id]


def invited_meeting_ids(account: Account) -> frozenset[int]:
    """Ids of the meetings the account is invited to (guests see meetings of bodies they do not belong to)."""
    cache: dict[int, frozenset[int]] = db.session.info.setdefault(_INVITED_KEY, {})
    if account.id not in cache:
        rows = db.session.scalars(select(Invitation.meeting_id).where(Invitation.account_id == account.id))
        cache[account.id] = frozenset(rows)
    return cache[account.id]


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_roles(session: Session, *args: Any) -> None:
    # Memberships may have changed: the next permission check reads them again.
    session.info.pop(_CACHE_KEY, None)
    session.info.pop(_INVITED_KEY, None)
