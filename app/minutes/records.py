"""Reading what minutes hold (notes, decisions, action items), shared by the page, the approval and its content."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import ActionItem, Decision, Minutes, MinutesAmendment, MinutesComment, MinutesItemNote


def item_notes_of(minutes: Minutes) -> dict[int, MinutesItemNote]:
    """agenda item id -> its notes row (one query)."""
    rows = db.session.scalars(select(MinutesItemNote).where(MinutesItemNote.minutes_id == minutes.id))
    return {row.agenda_item_id: row for row in rows}


def decisions_of(minutes: Minutes) -> list[Decision]:
    """The minutes' decisions with their items (one query; the items' parents are the meeting's own items)."""
    query = (
        select(Decision)
        .where(Decision.minutes_id == minutes.id)
        .options(selectinload(Decision.agenda_item))
        .order_by(Decision.agenda_item_id, Decision.position, Decision.id)
    )
    return list(db.session.scalars(query))


def action_items_of(minutes: Minutes, decision_ids: list[int]) -> list[ActionItem]:
    """Action items from the meeting or from one of its decisions, with their assignees (three queries)."""
    condition = ActionItem.meeting_id == minutes.meeting_id
    if decision_ids:
        condition = or_(condition, ActionItem.decision_id.in_(decision_ids))
    query = (
        select(ActionItem)
        .where(condition)
        .options(selectinload(ActionItem.assignee_account), selectinload(ActionItem.assignee_organisation))
        .order_by(ActionItem.id)
    )
    return list(db.session.scalars(query))


def item_of_action(action_item: ActionItem, decisions: dict[int, Decision]) -> int | None:
    """The agenda item an action item belongs to: its own, or its decision's; None for the meeting as a whole."""
    if action_item.agenda_item_id is not None:
        return action_item.agenda_item_id
    decision = decisions.get(action_item.decision_id) if action_item.decision_id is not None else None
    return decision.agenda_item_id if decision is not None else None


def comments_of(minutes: Minutes) -> list[MinutesComment]:
    """The comments on the minutes, oldest first, with their authors (two queries)."""
    query = (
        select(MinutesComment)
        .where(MinutesComment.minutes_id == minutes.id)
        .options(selectinload(MinutesComment.author))
        .order_by(MinutesComment.created_at, MinutesComment.id)
    )
    return list(db.session.scalars(query))


def amendments_of(minutes: Minutes) -> list[MinutesAmendment]:
    """The amendments of the minutes, oldest first, with their authors (two queries)."""
    query = (
        select(MinutesAmendment)
        .where(MinutesAmendment.minutes_id == minutes.id)
        .options(selectinload(MinutesAmendment.author))
        .order_by(MinutesAmendment.created_at, MinutesAmendment.id)
    )
    return list(db.session.scalars(query))
