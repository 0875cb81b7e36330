"""Date polls (Terminumfragen): proposed slots, invitees and their answers."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.accounts import Account
from app.models.bodies import Body
from app.models.meetings import Meeting, MeetingKind
from app.models.types import UTCDateTime, enum_column, utcnow


class PollStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class PollChoice(enum.StrEnum):
    YES = "yes"
    IF_NEED_BE = "if_need_be"
    NO = "no"


class Poll(db.Model):
    __tablename__ = "polls"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id", ondelete="SET NULL"), index=True)
    meeting_kind: Mapped[MeetingKind] = mapped_column(enum_column(MeetingKind, "meeting_kind"))
    duration_minutes: Mapped[int] = mapped_column()
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Berlin")
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[PollStatus] = mapped_column(enum_column(PollStatus, "poll_status"), default=PollStatus.OPEN)
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    chosen_slot_id: Mapped[int | None] = mapped_column(
        ForeignKey("poll_slots.id", ondelete="SET NULL", use_alter=True, name="fk_polls_chosen_slot_id_poll_slots")
    )
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    body: Mapped[Body | None] = relationship()
    organiser: Mapped[Account | None] = relationship()
    meeting: Mapped[Meeting | None] = relationship()
    slots: Mapped[list[PollSlot]] = relationship(
        back_populates="poll",
        order_by="PollSlot.starts_at",
        cascade="all, delete-orphan",
        foreign_keys="PollSlot.poll_id",
    )
    invitees: Mapped[list[PollInvitee]] = relationship(back_populates="poll", cascade="all, delete-orphan")
    chosen_slot: Mapped[PollSlot | None] = relationship(foreign_keys=[chosen_slot_id], post_update=True)


class PollSlot(db.Model):
    __tablename__ = "poll_slots"
    __table_args__ = (UniqueConstraint("poll_id", "starts_at", name="uq_poll_slots_poll_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)

    poll: Mapped[Poll] = relationship(back_populates="slots", foreign_keys=[poll_id])


class PollInvitee(db.Model):
    __tablename__ = "poll_invitees"
    __table_args__ = (UniqueConstraint("poll_id", "account_id", name="uq_poll_invitees_poll_account"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    comment: Mapped[str] = mapped_column(String(1000), default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    poll: Mapped[Poll] = relationship(back_populates="invitees")
    account: Mapped[Account] = relationship()
    answers: Mapped[list[PollAnswer]] = relationship(back_populates="invitee", cascade="all, delete-orphan")


class PollAnswer(db.Model):
    __tablename__ = "poll_answers"
    __table_args__ = (UniqueConstraint("invitee_id", "slot_id", name="uq_poll_answers_invitee_slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invitee_id: Mapped[int] = mapped_column(ForeignKey("poll_invitees.id", ondelete="CASCADE"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("poll_slots.id", ondelete="CASCADE"), index=True)
    choice: Mapped[PollChoice] = mapped_column(enum_column(PollChoice, "poll_choice"))

    invitee: Mapped[PollInvitee] = relationship(back_populates="answers")
    slot: Mapped[PollSlot] = relationship()
