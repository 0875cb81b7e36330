"""Decision numbers CODE-YEAR-NNN: sequential per body and year, given at approval, never reused.

A counter row per body and year is raised by one UPDATE for all decisions of the minutes being approved; on
PostgreSQL that UPDATE locks the row, so two approvals for the same body queue up and two for different bodies
do not wait for each other. The unique constraint on (body, year, serial) is the backstop.
"""

from __future__ import annotations

from sqlalchemy import exc, insert, select, update

from app.extensions import db
from app.models import AgendaItem, Decision, DecisionCounter, Minutes


def format_number(code: str, year: int, serial: int) -> str:
    return f"{code}-{year}-{serial:03d}"


def in_agenda_order(decisions: list[Decision]) -> list[Decision]:
    """Decisions as the agenda orders their items (TOP 2 before TOP 3.1), then by their own position."""

    def key(decision: Decision) -> tuple[int, int, int, int]:
        item: AgendaItem = decision.agenda_item
        if item.parent is None:
            return (item.position, 0, decision.position, decision.id)
        return (item.parent.position, item.position, decision.position, decision.id)

    return sorted(decisions, key=key)


def number_decisions(minutes: Minutes) -> list[Decision]:
    """Number the minutes' decisions in agenda order, inside the caller's transaction (the approval's)."""
    decisions = in_agenda_order(
        list(db.session.scalars(select(Decision).where(Decision.minutes_id == minutes.id, Decision.number.is_(None))))
    )
    if not decisions:
        return []
    body = minutes.meeting.body
    year = decisions[0].decided_on.year
    last = _reserve(body.id, year, len(decisions))
    for serial, decision in enumerate(decisions, start=last - len(decisions) + 1):
        decision.year = year
        decision.serial = serial
        decision.number = format_number(body.code, year, serial)
    db.session.flush()
    return decisions


def _reserve(body_id: int, year: int, count: int) -> int:
    """Raise the body's counter for the year by `count` and return its new value."""
    for _attempt in range(2):
        raised = db.session.execute(
            update(DecisionCounter)
            .where(DecisionCounter.body_id == body_id, DecisionCounter.year == year)
            .values(last_serial=DecisionCounter.last_serial + count)
            .returning(DecisionCounter.last_serial)
        ).scalar_one_or_none()
        if raised is not None:
            return raised
        try:
            with db.session.begin_nested():  # the first approval of the year; another may insert at once
                db.session.execute(insert(DecisionCounter).values(body_id=body_id, year=year, last_serial=count))
            return count
        except exc.IntegrityError:
            continue  # someone else made the row: raise it like any other
    raise RuntimeError("could not reserve decision numbers")  # pragma: no cover -- the row exists by now
