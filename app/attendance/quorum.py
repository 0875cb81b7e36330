"""Whether a meeting had a quorum (Beschlussfähigkeit), from its attendance and the body's quorum rule.

A seat is a current voting membership on the meeting's day (substitutes hold no seat of their own). A seat counts
as present when its holder was present, or when a present substitute stood in for them. Members excluded from an
agenda item for a conflict of interest leave that item's count of seats and of those present.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.bodies.services import Parity
from app.extensions import db
from app.meetings.times import utc_to_local
from app.models import (
    Attendance,
    AttendanceStatus,
    ConflictOfInterest,
    Meeting,
    Membership,
    MembershipRole,
    OrganisationLevel,
)


@dataclass(frozen=True)
class Quorum:
    seats: int  # voting seats that count
    present: int  # of them, held by someone present (or stood in for)
    needed: int  # the fewest present that make a quorum under the body's rule
    parity: Parity | None  # seats present per side, for a body that must be balanced

    @property
    def reached(self) -> bool:
        return self.seats > 0 and self.present >= self.needed


def voting_seats(meeting: Meeting) -> list[Membership]:
    """The body's voting memberships current on the meeting's local day, with people and organisations."""
    if meeting.body is None:
        return []
    day = utc_to_local(meeting.starts_at, meeting.timezone).date()
    return list(
        db.session.scalars(
            select(Membership)
            .where(
                Membership.body_id == meeting.body_id,
                Membership.voting.is_(True),
                Membership.role != MembershipRole.SUBSTITUTE,
                Membership.start_on <= day,
                or_(Membership.end_on.is_(None), Membership.end_on > day),
            )
            .options(selectinload(Membership.account), selectinload(Membership.organisation))
            .order_by(Membership.id)
        )
    )


def attendance_of(meeting: Meeting) -> list[Attendance]:
    return list(
        db.session.scalars(
            select(Attendance)
            .where(Attendance.meeting_id == meeting.id)
            .options(selectinload(Attendance.account), selectinload(Attendance.stands_in_for))
            .order_by(Attendance.is_guest, Attendance.id)
        )
    )


def quorum(
    meeting: Meeting,
    seats: list[Membership] | None = None,
    attendance: list[Attendance] | None = None,
    excluded: Collection[int] = (),
) -> Quorum | None:
    """The quorum of a body's meeting (None for an event without a body); `excluded` are account ids left out
    for a conflict of interest. Pass seats and attendance already loaded to save their queries."""
    if meeting.body is None:
        return None
    seats = voting_seats(meeting) if seats is None else seats
    attendance = attendance_of(meeting) if attendance is None else attendance
    present_ids = {
        a.account_id for a in attendance if a.status is AttendanceStatus.PRESENT and a.account_id is not None
    }
    stood_in_for = {
        a.stands_in_for_id for a in attendance if a.status is AttendanceStatus.PRESENT and a.stands_in_for_id
    }
    counted = [m for m in seats if m.account_id not in excluded]
    present = [m for m in counted if m.account_id in present_ids or m.account_id in stood_in_for]
    parity = None
    if meeting.body.parity_required:
        parity = Parity(
            state=_on_side(present, OrganisationLevel.STATE), municipal=_on_side(present, OrganisationLevel.MUNICIPAL)
        )
    return Quorum(
        seats=len(counted), present=len(present), needed=meeting.body.quorum_needed(len(counted)), parity=parity
    )


def _on_side(memberships: list[Membership], level: OrganisationLevel) -> int:
    return sum(1 for m in memberships if m.organisation is not None and m.organisation.level is level)





def excluded_account_ids(agenda_item_id: int) -> set[int]:
    """Members excluded from an agenda item for a conflict of interest."""
    query = select(ConflictOfInterest.account_id).where(ConflictOfInterest.agenda_item_id == agenda_item_id)
    return set(db.session.scalars(query))
