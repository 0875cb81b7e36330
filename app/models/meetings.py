"""Meetings and events, their series, agendas, invitations, registrations and attachments."""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.accounts import Account
from app.models.bodies import Body
from app.models.organisations import Organisation
from app.models.types import UTCDateTime, enum_column, utcnow


def new_calendar_uid() -> str:
    """A random, stable calendar UID (RFC 5545 wants it globally unique)."""
    return f"{secrets.token_hex(16)}@koop"


class MeetingKind(enum.StrEnum):
    MEETING = "meeting"
    KICKOFF = "kickoff"
    INFORMATION_EVENT = "information_event"
    WORKSHOP = "workshop"


class MeetingStatus(enum.StrEnum):
    PLANNED = "planned"
    CONFIRMED = "confirmed"
    HELD = "held"
    CANCELLED = "cancelled"


class Answer(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    TENTATIVE = "tentative"


class RegistrationStatus(enum.StrEnum):
    REGISTERED = "registered"
    WAITING = "waiting"
    CANCELLED = "cancelled"


class SeriesFrequency(enum.StrEnum):
    WEEKLY = "weekly"  # every n weeks on chosen weekdays
    MONTHLY_NTH_WEEKDAY = "monthly_nth_weekday"  # e.g. the second Tuesday
    MONTHLY_DAY = "monthly_day"  # e.g. the 15th


# Standalone events name the bodies they start.
meeting_bodies = Table(
    "meeting_bodies",
    db.metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("body_id", ForeignKey("bodies.id", ondelete="CASCADE"), primary_key=True),
)

# Organisations whose people may register for an event (none listed: every account may).
registration_organisations = Table(
    "registration_organisations",
    db.metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
)


class MeetingSeries(db.Model):
    """The rule of a recurring meeting; its occurrences are meetings of their own."""

    __tablename__ = "meeting_series"
    __table_args__ = (
        CheckConstraint("interval >= 1 AND interval <= 12", name="interval_range"),
        CheckConstraint("until_on IS NOT NULL OR occurrence_count IS NOT NULL", name="has_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="RESTRICT"), index=True)
    uid: Mapped[str] = mapped_column(String(80), unique=True, default=new_calendar_uid)
    sequence: Mapped[int] = mapped_column(default=0)
    frequency: Mapped[SeriesFrequency] = mapped_column(enum_column(SeriesFrequency, "series_frequency"))
    interval: Mapped[int] = mapped_column(default=1)
    weekdays: Mapped[str] = mapped_column(String(30), default="")  # "MO,WE" for weekly series
    nth: Mapped[int | None] = mapped_column()  # 1..4 or -1 (last) for MONTHLY_NTH_WEEKDAY
    month_day: Mapped[int | None] = mapped_column()  # 1..31 for MONTHLY_DAY
    first_day: Mapped[date] = mapped_column(Date)
    start_time: Mapped[str] = mapped_column(String(5))  # local "HH:MM", fixed across DST changes
    duration_minutes: Mapped[int] = mapped_column()
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Berlin")
    until_on: Mapped[date | None] = mapped_column(Date)
    occurrence_count: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    body: Mapped[Body] = relationship()
    occurrences: Mapped[list[Meeting]] = relationship(
        back_populates="series", order_by="Meeting.original_start", foreign_keys="Meeting.series_id"
    )


class Meeting(db.Model):
    __tablename__ = "meetings"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity >= 1", name="capacity_positive"),
        Index("ix_meetings_body_starts", "body_id", "starts_at"),
        UniqueConstraint("series_id", "original_start", name="uq_meetings_series_occurrence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[MeetingKind] = mapped_column(enum_column(MeetingKind, "meeting_kind"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # Stored in UTC; `timezone` is the zone the times were entered in and are shown in by default.
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Berlin")
    all_day: Mapped[bool] = mapped_column(default=False)
    location: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[MeetingStatus] = mapped_column(
        enum_column(MeetingStatus, "meeting_status"), default=MeetingStatus.PLANNED, index=True
    )
    cancel_reason: Mapped[str] = mapped_column(String(500), default="")
    # Standalone events: shown to everyone (a public page) or to logged-in accounts only.
    public: Mapped[bool] = mapped_column(default=False)
    uid: Mapped[str] = mapped_column(String(80), unique=True, default=new_calendar_uid)
    sequence: Mapped[int] = mapped_column(default=0)
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    # Series occurrences: the slot the rule gave them (the RECURRENCE-ID), and whether they were edited alone.
    series_id: Mapped[int | None] = mapped_column(ForeignKey("meeting_series.id", ondelete="RESTRICT"), index=True)
    original_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_exception: Mapped[bool] = mapped_column(default=False)
    # Invitations
    invitations_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Registration for kick-off and information events
    registration_enabled: Mapped[bool] = mapped_column(default=False)
    capacity: Mapped[int | None] = mapped_column()
    registration_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seats_per_organisation: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    body: Mapped[Body | None] = relationship()
    organiser: Mapped[Account | None] = relationship()
    series: Mapped[MeetingSeries | None] = relationship(back_populates="occurrences", foreign_keys=[series_id])
    agenda_items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )
    linked_bodies: Mapped[list[Body]] = relationship(secondary=meeting_bodies, order_by="Body.name")
    registration_organisations: Mapped[list[Organisation]] = relationship(
        secondary=registration_organisations, order_by="Organisation.name"
    )

    def __repr__(self) -> str:
        return f"<Meeting {self.id} {self.title!r}>"

    @property
    def is_cancelled(self) -> bool:
        return self.status is MeetingStatus.CANCELLED

    @property
    def has_started(self) -> bool:
        """Started (or over): only then is there attendance to record and minutes to write."""
        return self.starts_at <= utcnow()


class AgendaItem(db.Model):
    """A TOP: numbered by position; sub-items (3.1) have a parent item."""

    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # order among siblings, from 1
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    public: Mapped[bool] = mapped_column(default=True)
    presenter: Mapped[str] = mapped_column(String(200), default="")
    planned_minutes: Mapped[int | None] = mapped_column()

    meeting: Mapped[Meeting] = relationship(back_populates="agenda_items")
    parent: Mapped[AgendaItem | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[AgendaItem]] = relationship(back_populates="parent", order_by="AgendaItem.position")


class Invitation(db.Model):
    """One person invited to one meeting: their answer, and afterwards their attendance."""

    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("meeting_id", "account_id", name="uq_invitations_meeting_account"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    answer: Mapped[Answer] = mapped_column(enum_column(Answer, "answer"), default=Answer.OPEN)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_guest: Mapped[bool] = mapped_column(default=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    meeting: Mapped[Meeting] = relationship()
    account: Mapped[Account] = relationship()


class Registration(db.Model):
    """A person's registration for an event; the waiting list is ordered by `created_at`."""

    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("meeting_id", "account_id", name="uq_registrations_meeting_account"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    status: Mapped[RegistrationStatus] = mapped_column(enum_column(RegistrationStatus, "registration_status"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    meeting: Mapped[Meeting] = relationship()
    account: Mapped[Account] = relationship()
    organisation: Mapped[Organisation | None] = relationship()


class Attachment(db.Model):
    """A file on a meeting or an agenda item, stored outside the static folder under a random name."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column()
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[Meeting] = relationship()
    agenda_item: Mapped[AgendaItem | None] = relationship()
    uploaded_by: Mapped[Account | None] = relationship()
