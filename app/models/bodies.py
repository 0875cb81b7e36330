"""Bodies (Gremien) and the memberships that staff them."""

from __future__ import annotations

import enum
import math
from datetime import date, datetime
from fractions import Fraction

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.accounts import Account
from app.models.organisations import Organisation
from app.models.types import UTCDateTime, enum_column, utcnow


class BodyKind(enum.StrEnum):
    STEERING_COUNCIL = "steering_council"
    PROJECT_GROUP = "project_group"
    WORKING_GROUP = "working_group"
    OTHER = "other"


class BodyLevel(enum.StrEnum):
    STATE = "state"
    MUNICIPAL = "municipal"
    JOINT = "joint"


class Visibility(enum.StrEnum):
    PUBLIC = "public"  # everyone, without login
    INTERNAL = "internal"  # any logged-in account
    CONFIDENTIAL = "confidential"  # current members, organisers and admins


class MembershipRole(enum.StrEnum):
    CHAIR = "chair"
    DEPUTY_CHAIR = "deputy_chair"
    SECRETARY = "secretary"
    MEMBER = "member"
    SUBSTITUTE = "substitute"
    GUEST = "guest"


class QuorumRule(enum.StrEnum):
    """How many voting members must be present: a share of all voting members, "more than" or "at least"."""

    MORE_THAN_HALF = "more_than_half"
    AT_LEAST_HALF = "at_least_half"
    AT_LEAST_TWO_THIRDS = "at_least_two_thirds"
    AT_LEAST_THREE_QUARTERS = "at_least_three_quarters"


# Exact shares: two thirds of 3 members is 2, which no whole percentage gives.
QUORUM_SHARES: dict[QuorumRule, tuple[Fraction, bool]] = {
    QuorumRule.MORE_THAN_HALF: (Fraction(1, 2), True),
    QuorumRule.AT_LEAST_HALF: (Fraction(1, 2), False),
    QuorumRule.AT_LEAST_TWO_THIRDS: (Fraction(2, 3), False),
    QuorumRule.AT_LEAST_THREE_QUARTERS: (Fraction(3, 4), False),
}

# The order in which a roster lists the roles.
ROLE_ORDER = tuple(MembershipRole)


class Body(db.Model):
    __tablename__ = "bodies"
    __table_args__ = (
        CheckConstraint(
            "dissolved_on IS NULL OR founded_on IS NULL OR dissolved_on >= founded_on", name="dissolved_after_founded"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(12), unique=True)
    kind: Mapped[BodyKind] = mapped_column(enum_column(BodyKind, "body_kind"), index=True)
    level: Mapped[BodyLevel] = mapped_column(enum_column(BodyLevel, "body_level"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id", ondelete="RESTRICT"), index=True)
    mandate: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[Visibility] = mapped_column(enum_column(Visibility, "visibility"), index=True)
    parity_required: Mapped[bool] = mapped_column(default=False)
    quorum_rule: Mapped[QuorumRule] = mapped_column(
        enum_column(QuorumRule, "quorum_rule"), default=QuorumRule.MORE_THAN_HALF
    )
    founded_on: Mapped[date | None] = mapped_column(Date)
    dissolved_on: Mapped[date | None] = mapped_column(Date)
    # Notice period (Ladungsfrist) for invitations, and the agenda every new meeting starts with (one item a line).
    notice_days: Mapped[int] = mapped_column(default=7, server_default="7")
    standard_agenda: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    parent: Mapped[Body | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Body]] = relationship(back_populates="parent", order_by="Body.name")

    def __repr__(self) -> str:
        return f"<Body {self.code}>"

    def is_dissolved(self, today: date) -> bool:
        return self.dissolved_on is not None and self.dissolved_on <= today

    def quorum_needed(self, voting_members: int) -> int:
        """The smallest number of voting members present that makes a quorum."""
        share, more_than = QUORUM_SHARES[self.quorum_rule]
        needed = voting_members * share
        if more_than:
            return math.floor(needed) + 1
        return math.ceil(needed)


class Membership(db.Model):
    """A person's seat in a body for a period; memberships end, they are never deleted."""

    __tablename__ = "memberships"
    __table_args__ = (
        CheckConstraint("end_on IS NULL OR end_on >= start_on", name="ends_after_start"),
        CheckConstraint("NOT (role = 'guest' AND voting)", name="guests_never_vote"),
        # Backstops for the service rules; the services check overlapping periods, the database open ones.
        Index(
            "uq_memberships_open_per_person",
            "body_id",
            "account_id",
            unique=True,
            sqlite_where=text("end_on IS NULL"),
            postgresql_where=text("end_on IS NULL"),
        ),
        Index(
            "uq_memberships_open_chair",
            "body_id",
            unique=True,
            sqlite_where=text("end_on IS NULL AND role = 'chair'"),
            postgresql_where=text("end_on IS NULL AND role = 'chair'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="RESTRICT"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="RESTRICT"), index=True)
    role: Mapped[MembershipRole] = mapped_column(enum_column(MembershipRole, "membership_role"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    voting: Mapped[bool] = mapped_column(default=True)
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    body: Mapped[Body] = relationship()
    account: Mapped[Account] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    def __repr__(self) -> str:
        return f"<Membership {self.account_id} in {self.body_id} as {self.role}>"

    def is_current(self, today: date) -> bool:
        """Current from the start day up to, not including, the end day."""
        return self.start_on <= today and (self.end_on is None or self.end_on > today)
