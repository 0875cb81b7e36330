"""What the permission predicates need to know about a person's current memberships and invitations."""

from __future__ import annotations

from sqlalchemy import or_, select

from app.access import once_per_transaction
from app.clock import today
from app.extensions import db
from app.models import Account, Invitation, Membership, MembershipRole


def current_roles(account: Account) -> dict[int, MembershipRole]:
    """body id -> role of the account's current memberships; one query per account and transaction."""

    def load() -> dict[int, MembershipRole]:
        day = today()
        rows = db.session.execute(
            select(Membership.body_id, Membership.role).where(
                Membership.account_id == account.id,
                Membership.start_on <= day,
                or_(Membership.end_on.is_(None), Membership.end_on > day),
            )
        )
        return {row.body_id: row.role for row in rows}

    return once_per_transaction("roles", account, load)


def invited_meeting_ids(account: Account) -> frozenset[int]:
    """Ids of the meetings the account is invited to (guests see meetings of bodies they do not belong to)."""
    return once_per_transaction(
        "invited_meetings",
        account,
        lambda: frozenset(db.session.scalars(select(Invitation.meeting_id).where(Invitation.account_id == account.id))),
    )
