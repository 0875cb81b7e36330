"""Approving minutes: checks (attendance recorded, quorum for every vote), decision numbers, the frozen content
and its SHA-256, in one transaction."""

from __future__ import annotations

from collections import defaultdict

from flask_babel import gettext as _
from sqlalchemy import select, update

from app.attendance.quorum import attendance_of, quorum, voting_seats
from app.audit.services import record, snapshot
from app.decisions.numbering import number_decisions
from app.errors import ConflictError, DomainError
from app.extensions import db
from app.minutes.content import approved_content, content_hash
from app.minutes.records import decisions_of
from app.minutes.services import ensure_editable
from app.models import Account, ConflictOfInterest, DecisionOutcome, Minutes, MinutesStatus, utcnow

# Outcomes that need a quorum: a body without one can only defer or take note.
VOTED_OUTCOMES = (DecisionOutcome.ADOPTED, DecisionOutcome.REJECTED)


def _quorum_problem(minutes: Minutes) -> str | None:
    """Why the decisions cannot stand as recorded, if the body lacked a quorum for an item with a vote."""
    meeting = minutes.meeting
    if meeting.body is None:
        return None
    voted = [d for d in decisions_of(minutes) if d.outcome in VOTED_OUTCOMES]
    if not voted:
        return None
    seats, attendance = voting_seats(meeting), attendance_of(meeting)
    item_ids = {decision.agenda_item_id for decision in voted}
    excluded: dict[int, set[int]] = defaultdict(set)
    rows = db.session.execute(
        select(ConflictOfInterest.agenda_item_id, ConflictOfInterest.account_id).where(
            ConflictOfInterest.agenda_item_id.in_(item_ids)
        )
    )
    for row in rows:
        excluded[row.agenda_item_id].add(row.account_id)
    for decision in voted:
        result = quorum(meeting, seats, attendance, excluded[decision.agenda_item_id])
        if result is not None and not result.reached:
            return _(
                "The body had no quorum (%(present)d of %(seats)d voting members present, %(needed)d needed), "
                "but the decision “%(title)s” is recorded as adopted or rejected. Record it as deferred or "
                "noted, or correct the attendance.",
                present=result.present,
                seats=result.seats,
                needed=result.needed,
                title=decision.title,
            )
    return None


def approve(actor: Account, minutes: Minutes) -> Minutes:
    """Approve draft or circulated minutes in one transaction: number the decisions, freeze the content and its
    SHA-256, record who and when.

    Drafts can be approved directly: bodies often approve the minutes at their next meeting without
    circulating them first.
    """
    ensure_editable(minutes)
    before = snapshot(minutes)
    now = utcnow()
    # The claim takes the row lock (PostgreSQL) before anything is read for the record: a save in flight
    # finishes first and is in the content, a later save finds the minutes approved.
    claimed = db.session.execute(
        update(Minutes)
        .where(Minutes.id == minutes.id, Minutes.status != MinutesStatus.APPROVED)
        .values(status=MinutesStatus.APPROVED, approved_by_id=actor.id, approved_at=now, updated_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise ConflictError(_("These minutes have already been approved."))
    db.session.refresh(minutes)
    try:
        if minutes.meeting.starts_at > now:
            raise DomainError(_("This meeting has not taken place yet, so its minutes cannot be approved."))
        if minutes.attendance_recorded_at is None:
            raise DomainError(_("Please record the attendance first: the quorum follows from it."))
        problem = _quorum_problem(minutes)
        if problem:
            raise DomainError(problem)
    except DomainError:
        db.session.rollback()
        raise
    number_decisions(minutes)
    minutes.approved_content = approved_content(minutes)
    minutes.content_hash = content_hash(minutes.approved_content)
    record(actor, "approve", minutes, before, summary=minutes.meeting.title)
    db.session.commit()
    return minutes
