"""What a meeting recorded: attendance, minutes (Niederschrift), decisions (Beschlüsse) and action items."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.accounts import Account
from app.models.bodies import Body
from app.models.meetings import AgendaItem, Meeting
from app.models.organisations import Organisation
from app.models.types import UTCDateTime, enum_column, utcnow


class AttendanceStatus(enum.StrEnum):
    PRESENT = "present"
    EXCUSED = "excused"
    ABSENT = "absent"


class MinutesStatus(enum.StrEnum):
    DRAFT = "draft"
    CIRCULATED = "circulated"  # out to the members for comments
    APPROVED = "approved"  # frozen: corrections are amendments


class DecisionOutcome(enum.StrEnum):
    ADOPTED = "adopted"
    REJECTED = "rejected"
    DEFERRED = "deferred"
    NOTED = "noted"  # zur Kenntnis genommen


class ActionItemStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


class Attendance(db.Model):
    """One person at (or away from) one meeting: a member, a substitute standing in, or a guest.

    Guests without an account have only a name. A substitute names the member they stood in for and votes
    for them; that member is then counted through the substitute.
    """

    __tablename__ = "attendances"
    __table_args__ = (
        UniqueConstraint("meeting_id", "account_id", name="uq_attendances_meeting_account"),
        CheckConstraint("account_id IS NOT NULL OR guest_name <> ''", name="names_someone"),
        CheckConstraint("stands_in_for_id IS NULL OR stands_in_for_id <> account_id", name="not_for_oneself"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="RESTRICT"), index=True)
    guest_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    guest_organisation: Mapped[str] = mapped_column(String(200), default="", server_default="")
    is_guest: Mapped[bool] = mapped_column(default=False)
    status: Mapped[AttendanceStatus] = mapped_column(enum_column(AttendanceStatus, "attendance_status"))
    stands_in_for_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="RESTRICT"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    meeting: Mapped[Meeting] = relationship()
    account: Mapped[Account | None] = relationship(foreign_keys=[account_id])
    stands_in_for: Mapped[Account | None] = relationship(foreign_keys=[stands_in_for_id])

    @property
    def display_name(self) -> str:
        return self.account.display_name if self.account is not None else self.guest_name


class Minutes(db.Model):
    """The Niederschrift of one meeting. `version` rises with every save: a save names the version it started
    from, and a stale one is refused (optimistic locking)."""

    __tablename__ = "minutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="RESTRICT"), unique=True)
    status: Mapped[MinutesStatus] = mapped_column(
        enum_column(MinutesStatus, "minutes_status"), default=MinutesStatus.DRAFT, index=True
    )
    general_notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    # When attendance was declared complete: approval needs it, since the quorum follows from it.
    attendance_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    comments_until: Mapped[date | None] = mapped_column(Date)
    circulated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    circulated_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="RESTRICT"))
    # The approved content as canonical text, and its SHA-256 (hex), shown in the footer of every export.
    approved_content: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    meeting: Mapped[Meeting] = relationship()
    approved_by: Mapped[Account | None] = relationship(foreign_keys=[approved_by_id])
    circulated_by: Mapped[Account | None] = relationship(foreign_keys=[circulated_by_id])
    created_by: Mapped[Account | None] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[Account | None] = relationship(foreign_keys=[updated_by_id])
    item_notes: Mapped[list[MinutesItemNote]] = relationship(back_populates="minutes", cascade="all, delete-orphan")
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="minutes", order_by="(Decision.agenda_item_id, Decision.position, Decision.id)"
    )

    def __repr__(self) -> str:
        return f"<Minutes of meeting {self.meeting_id} {self.status}>"

    @property
    def is_approved(self) -> bool:
        return self.status is MinutesStatus.APPROVED


class MinutesItemNote(db.Model):
    """The notes on one agenda item (Markdown)."""

    __tablename__ = "minutes_item_notes"
    __table_args__ = (UniqueConstraint("minutes_id", "agenda_item_id", name="uq_minutes_item_notes_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("minutes.id", ondelete="CASCADE"), index=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="RESTRICT"))
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")

    minutes: Mapped[Minutes] = relationship(back_populates="item_notes")
    agenda_item: Mapped[AgendaItem] = relationship()


class MinutesRevision(db.Model):
    """The text of the minutes as one save left it: general notes and each item's notes (JSON, by item id)."""

    __tablename__ = "minutes_revisions"
    __table_args__ = (UniqueConstraint("minutes_id", "version", name="uq_minutes_revisions_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("minutes.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column()
    general_notes: Mapped[str] = mapped_column(Text, default="")
    item_notes_json: Mapped[str] = mapped_column(Text, default="{}")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    minutes: Mapped[Minutes] = relationship()
    author: Mapped[Account | None] = relationship()


class MinutesComment(db.Model):
    """A member's comment on circulated minutes."""

    __tablename__ = "minutes_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("minutes.id", ondelete="CASCADE"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id", ondelete="RESTRICT"))
    author_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="RESTRICT"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    minutes: Mapped[Minutes] = relationship()
    agenda_item: Mapped[AgendaItem | None] = relationship()
    author: Mapped[Account] = relationship()


class MinutesAmendment(db.Model):
    """A correction of approved minutes, shown under the item it corrects (or under the general notes)."""

    __tablename__ = "minutes_amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("minutes.id", ondelete="RESTRICT"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    minutes: Mapped[Minutes] = relationship()
    agenda_item: Mapped[AgendaItem | None] = relationship()
    author: Mapped[Account] = relationship()


class ConflictOfInterest(db.Model):
    """A member excluded from one agenda item (Befangenheit): not counted for its quorum or votes."""

    __tablename__ = "conflicts_of_interest"
    __table_args__ = (UniqueConstraint("agenda_item_id", "account_id", name="uq_conflicts_of_interest_item_account"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(String(300), default="", server_default="")

    agenda_item: Mapped[AgendaItem] = relationship()
    account: Mapped[Account] = relationship()


class Decision(db.Model):
    """A Beschluss on an agenda item. Its number CODE-YEAR-NNN is given when the minutes are approved."""

    __tablename__ = "decisions"
    __table_args__ = (
        # Numbers are unique per body and year even under concurrent approvals; the database is the backstop.
        UniqueConstraint("body_id", "year", "serial", name="uq_decisions_body_year_serial"),
        CheckConstraint("(serial IS NULL) = (number IS NULL)", name="numbered_together"),
        CheckConstraint(
            "(votes_yes IS NULL OR votes_yes >= 0) AND (votes_no IS NULL OR votes_no >= 0)"
            " AND (votes_abstain IS NULL OR votes_abstain >= 0)",
            name="votes_not_negative",
        ),
        Index("ix_decisions_decided_on_id", "decided_on", "id"),
        Index("ix_decisions_body_decided_on", "body_id", "decided_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("minutes.id", ondelete="RESTRICT"), index=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="RESTRICT"), index=True)
    # Kept on the decision itself: numbering and the register filter by body and day without joins.
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="RESTRICT"))
    decided_on: Mapped[date] = mapped_column(Date)  # the meeting's local day
    position: Mapped[int] = mapped_column(default=1)  # order among the item's decisions
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text, default="")
    votes_yes: Mapped[int | None] = mapped_column()
    votes_no: Mapped[int | None] = mapped_column()
    votes_abstain: Mapped[int | None] = mapped_column()
    outcome: Mapped[DecisionOutcome] = mapped_column(enum_column(DecisionOutcome, "decision_outcome"), index=True)
    public: Mapped[bool] = mapped_column(default=True)
    year: Mapped[int | None] = mapped_column()
    serial: Mapped[int | None] = mapped_column()
    number: Mapped[str | None] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    minutes: Mapped[Minutes] = relationship(back_populates="decisions")
    agenda_item: Mapped[AgendaItem] = relationship()
    body: Mapped[Body] = relationship()

    def __repr__(self) -> str:
        return f"<Decision {self.number or self.id}>"


class DecisionCounter(db.Model):
    """The last serial given per body and year; it only rises, so a number is never given twice."""

    __tablename__ = "decision_counters"

    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="RESTRICT"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_serial: Mapped[int] = mapped_column(default=0)


class ActionItem(db.Model):
    """An Aufgabe from a meeting or decision, for a person or an organisation."""

    __tablename__ = "action_items"
    __table_args__ = (
        CheckConstraint(
            "(assignee_account_id IS NULL) <> (assignee_organisation_id IS NULL)", name="one_assignee"
        ),
        Index("ix_action_items_account_status_due", "assignee_account_id", "status", "due_on"),
        Index("ix_action_items_organisation_status_due", "assignee_organisation_id", "status", "due_on"),
        Index("ix_action_items_body_status_due", "body_id", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="RESTRICT"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="RESTRICT"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id", ondelete="RESTRICT"))
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id", ondelete="RESTRICT"), index=True)
    description: Mapped[str] = mapped_column(Text)
    assignee_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="RESTRICT"))
    assignee_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT")
    )
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[ActionItemStatus] = mapped_column(
        enum_column(ActionItemStatus, "action_item_status"), default=ActionItemStatus.OPEN
    )
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    body: Mapped[Body] = relationship()
    meeting: Mapped[Meeting | None] = relationship()
    agenda_item: Mapped[AgendaItem | None] = relationship()
    decision: Mapped[Decision | None] = relationship()
    assignee_account: Mapped[Account | None] = relationship(foreign_keys=[assignee_account_id])
    assignee_organisation: Mapped[Organisation | None] = relationship()
    created_by: Mapped[Account | None] = relationship(foreign_keys=[created_by_id])

    def is_overdue(self, today: date) -> bool:
        return self.status is ActionItemStatus.OPEN and self.due_on is not None and self.due_on < today
