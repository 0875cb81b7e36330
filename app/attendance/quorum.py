"""Whether a meeting had a quorum (Beschlussfähigkeit), from its attendance and the body's quorum rule.

A seat is a current voting membership on the meeting's day (substitutes hold no seat of their own). A seat counts
as present when its holder was present, or when a present substitute stood in for them. Members excluded from an
agenda item for a conflict of interest leave that item's count of seats and of those present.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from app.bodies.services import Parity
from app.extensions import db
from app.meetings.times import utc_to_local
from app.models import (
    Account,
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
    parity_seats: Parity | None = None  # seats that count per side, beside `parity`

    @property
    def reached(self) -> bool:
        return self.seats > 0 and self.present >= self.needed


def meeting_day(meeting: Meeting) -> date:
    """The meeting's local calendar day, which decides whose memberships count."""
    return utc_to_local(meeting.starts_at, meeting.timezone).date()


def holds_seat(membership: Membership) -> bool:
    """A voting membership in its own right: substitutes vote only when standing in for someone."""
    return membership.voting and membership.role is not MembershipRole.SUBSTITUTE


def _current_on_day(meeting: Meeting) -> Select:
    """The body's memberships current on the meeting's local day, with people and organisations."""
    day = meeting_day(meeting)
    return (
        select(Membership)
        .where(
            Membership.body_id == meeting.body_id,
            Membership.start_on <= day,
            or_(Membership.end_on.is_(None), Membership.end_on > day),
        )
        .options(selectinload(Membership.account), selectinload(Membership.organisation))
        .order_by(Membership.id)
    )


def memberships_on_day(meeting: Meeting) -> list[Membership]:
    """All the body's memberships current on the meeting's local day, every role: four queries, however many."""
    if meeting.body_id is None:
        return []
    # The people's own organisations too: shown for members whose membership names none.
    query = _current_on_day(meeting).options(selectinload(Membership.account).selectinload(Account.organisation))
    return list(db.session.scalars(query))


def voting_seats(meeting: Meeting) -> list[Membership]:
    """The body's voting memberships current on the meeting's local day, with people and organisations."""
    if meeting.body is None:
        return []
    query = _current_on_day(meeting).where(Membership.voting.is_(True), Membership.role != MembershipRole.SUBSTITUTE)
    return list(db.session.scalars(query))


def attendance_of(meeting: Meeting) -> list[Attendance]:
    """The meeting's recorded attendance with people (and their organisations): four queries, however many."""
    return list(
        db.session.scalars(
            select(Attendance)
            .where(Attendance.meeting_id == meeting.id)
            .options(
                selectinload(Attendance.account).selectinload(Account.organisation),
                selectinload(Attendance.stands_in_for),
            )
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
    parity = parity_seats = None
    if meeting.body.parity_required:
        parity = _per_side(present)
        parity_seats = _per_side(counted)
    return Quorum(
        seats=len(counted),
        present=len(present),
        needed=meeting.body.quorum_needed(len(counted)),
        parity=parity,
        parity_seats=parity_seats,
    )


def _per_side(memberships: list[Membership]) -> Parity:
    return Parity(state=_on_side(memberships, OrganisationLevel.STATE),
                  municipal=_on_side(memberships, OrganisationLevel.MUNICIPAL))


def _on_side(memberships: list[Membership], level: OrganisationLevel) -> int:
    return sum(1 for m in memberships if m.organisation is not None and m.organisation.level is level)


def excluded_account_ids(agenda_item_id: int) -> set[int]:
    """Members excluded from an agenda item for a conflict of interest."""
    query = select(ConflictOfInterest.account_id).where(ConflictOfInterest.agenda_item_id == agenda_item_id)
    return set(db.session.scalars(query))
