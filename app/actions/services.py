"""Use cases of action items: creating them from a meeting, an agenda item or a decision, editing, closing and
reopening them, and the lists: a person's own, a body's, and the follow-up on the body's next meeting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import Select, and_, case, func, or_, select, true
from sqlalchemy.orm import aliased, joinedload

from app import permissions
from app.audit.services import record, snapshot
from app.bodies.access import current_roles
from app.bodies.services import ensure_not_dissolved
from app.clock import today as local_today
from app.errors import ConflictError, DomainError
from app.extensions import db
from app.models import (
    Account,
    ActionItem,
    ActionItemStatus,
    AgendaItem,
    Body,
    Decision,
    GlobalRole,
    Meeting,
    MeetingStatus,
    Membership,
    Minutes,
    Organisation,
    Visibility,
)
from app.models.types import utcnow
from app.urls import MAX_ID

MAX_DESCRIPTION = 2000
# A due date further out than this is a typo (2062 for 2026), not a plan.
MAX_YEARS_AHEAD = 10


@dataclass
class ActionItemData:
    """What a person enters for an action item: exactly one of the two assignee ids."""

    description: str
    assignee_account_id: int | None = None
    assignee_organisation_id: int | None = None
    due_on: date | None = None


@dataclass
class AssigneeChoices:
    """Whom an item of a body can be assigned to: its current members first, then everyone else, then
    organisations; each a list of (id, name)."""

    members: list[tuple[int, str]]
    others: list[tuple[int, str]]
    organisations: list[tuple[int, str]]


# Loading


def _with_everything(query: Select) -> Select:
    """What every list shows of an item, loaded in the same statement (all many-to-one)."""
    return query.options(
        joinedload(ActionItem.body),
        joinedload(ActionItem.meeting),
        joinedload(ActionItem.assignee_account),
        joinedload(ActionItem.assignee_organisation),
    )


def _valid_id(value: int | None) -> bool:
    return value is not None and 0 < value <= MAX_ID


def get_action_item(action_item_id: int) -> ActionItem | None:
    if not _valid_id(action_item_id):
        return None
    return db.session.scalars(
        _with_everything(select(ActionItem)).where(ActionItem.id == action_item_id)
    ).one_or_none()


def get_source(
    meeting: Meeting, item_id: int | None, decision_id: int | None
) -> tuple[AgendaItem | None, Decision | None] | None:
    """The agenda item and decision an item is created from, both of this meeting; None if either is unknown,
    of another meeting, or the two do not belong together."""
    if (item_id is not None and not _valid_id(item_id)) or (decision_id is not None and not _valid_id(decision_id)):
        return None
    item = db.session.get(AgendaItem, item_id) if item_id is not None else None
    if item_id is not None and (item is None or item.meeting_id != meeting.id):
        return None
    decision = None
    if decision_id is not None:
        decision = db.session.scalars(
            select(Decision).join(Minutes, Decision.minutes_id == Minutes.id).where(
                Decision.id == decision_id, Minutes.meeting_id == meeting.id
            )
        ).one_or_none()
        if decision is None or (item is not None and decision.agenda_item_id != item.id):
            return None
        item = decision.agenda_item
    return item, decision


def assignee_choices(body: Body, current: ActionItem | None = None) -> AssigneeChoices:
    """Active accounts (the body's current members first) and all organisations; an inactive current assignee
    stays on offer so that saving an item does not force a change. A confidential body offers only the people who
    see it: its members, organisers and admins. Two statements."""
    day = local_today()
    member_ids = select(Membership.account_id).where(
        Membership.body_id == body.id,
        Membership.start_on <= day,
        or_(Membership.end_on.is_(None), Membership.end_on > day),
    )
    keep = current.assignee_account_id if current is not None and current.assignee_account_id else -1
    query = (
        select(Account.id, Account.display_name, Account.email, Account.id.in_(member_ids).label("member"))
        .where(or_(Account.active.is_(True), Account.id == keep))
        .order_by(func.lower(Account.display_name), Account.id)
    )
    if body.visibility is Visibility.CONFIDENTIAL:
        query = query.where(
            or_(Account.id.in_(member_ids), Account.role.in_((GlobalRole.ORGANISER, GlobalRole.ADMIN)))
        )
    accounts = db.session.execute(query).all()
    organisations = db.session.execute(select(Organisation.id, Organisation.name).order_by(Organisation.name)).all()
    return AssigneeChoices(
        members=[(row.id, row.display_name) for row in accounts if row.member],
        others=[(row.id, f"{row.display_name} <{row.email}>") for row in accounts if not row.member],
        organisations=[(row.id, row.name) for row in organisations],
    )


# Lists


def _visible_bodies(actor: Any) -> Any:
    """A condition on ActionItem: its body is one the actor may see (organisers see all; confidential bodies only
    their members), so an item of a confidential body never shows to an outsider, even one it is assigned to."""
    if permissions.is_organiser(actor):
        return true()
    own = list(current_roles(actor))
    return or_(Body.visibility != Visibility.CONFIDENTIAL, ActionItem.body_id.in_(own))


def _assigned_to(actor: Any) -> Any:
    """A condition on ActionItem: assigned to the actor or to the actor's organisation."""
    if actor.organisation_id is None:
        return ActionItem.assignee_account_id == actor.id
    return or_(ActionItem.assignee_account_id == actor.id, ActionItem.assignee_organisation_id == actor.organisation_id)


def _urgent_first(today: date) -> tuple[Any, ...]:
    """Open before closed, overdue first, then by due date (none last), oldest first among equals."""
    return (
        case((ActionItem.status == ActionItemStatus.OPEN, 0), else_=1),
        case((ActionItem.due_on < today, 0), else_=1),
        ActionItem.due_on.is_(None),
        ActionItem.due_on,
        ActionItem.id,
    )


def my_action_items_query(actor: Any, today: date, status: ActionItemStatus | None = None) -> Select:
    """The actor's items (their own and their organisation's) in bodies they may see, most urgent first."""
    query = (
        _with_everything(select(ActionItem))
        .join(Body, ActionItem.body_id == Body.id)
        .where(_assigned_to(actor), _visible_bodies(actor))
        .order_by(*_urgent_first(today))
    )
    return query.where(ActionItem.status == status) if status is not None else query


def my_action_items(actor: Any, today: date, limit: int | None = None) -> list[ActionItem]:
    """The actor's open items (at most `limit`), overdue first: two statements whatever their number (the
    actor's memberships, cached for the request, and the items with body, meeting and assignee)."""
    if not permissions.is_logged_in(actor):
        return []
    return list(db.session.scalars(my_action_items_query(actor, today, ActionItemStatus.OPEN).limit(limit)).unique())


def body_action_items_query(body: Body, today: date, status: ActionItemStatus | None = None) -> Select:
    """A body's items, most urgent first."""
    query = _with_everything(select(ActionItem)).where(ActionItem.body_id == body.id).order_by(*_urgent_first(today))
    return query.where(ActionItem.status == status) if status is not None else query


FOLLOW_UP_STATUSES = (MeetingStatus.PLANNED, MeetingStatus.CONFIRMED)


@dataclass
class FollowUp:
    """The follow-up part of a meeting page: the open items and the day that decides which are overdue."""

    items: list[ActionItem]
    today: date


def follow_up(meeting: Meeting, actor: Any) -> FollowUp:
    """The follow-up for the meeting page (see follow_up_items)."""
    day = local_today()
    return FollowUp(follow_up_items(meeting, actor, day), day)


def follow_up_items(meeting: Meeting, actor: Any, today: date) -> list[ActionItem]:
    """The body's open items from earlier meetings, for the follow-up part of a coming meeting's agenda.

    Shown on every planned or confirmed meeting of the body that starts after the meeting they came from (items
    without a meeting: created before it starts), so the next meeting always has them without anyone choosing
    it. One statement, and none for those who may not see the body's action items.
    """
    body = meeting.body
    if body is None or meeting.status not in FOLLOW_UP_STATUSES or not permissions.can_view_action_items(actor, body):
        return []
    source = aliased(Meeting)
    query = (
        _with_everything(select(ActionItem))
        .outerjoin(source, ActionItem.meeting_id == source.id)
        .where(
            ActionItem.body_id == body.id,
            ActionItem.status == ActionItemStatus.OPEN,
            or_(
                source.starts_at < meeting.starts_at,
                and_(ActionItem.meeting_id.is_(None), ActionItem.created_at < meeting.starts_at),
            ),
        )
        .order_by(*_urgent_first(today))
    )
    return list(db.session.scalars(query).unique())


# Changing


def _resolve_assignee(
    body: Body, data: ActionItemData, current: ActionItem | None
) -> tuple[Account | None, Organisation | None]:
    """The person or organisation chosen: exactly one, known, and (for a person) active and able to see the body."""
    if (data.assignee_account_id is None) == (data.assignee_organisation_id is None):
        raise DomainError(_("Please choose either a person or an organisation."), field="assignee")
    if data.assignee_organisation_id is not None:
        organisation = (
            db.session.get(Organisation, data.assignee_organisation_id)
            if _valid_id(data.assignee_organisation_id)
            else None
        )
        if organisation is None:
            raise DomainError(_("Please choose an organisation from the list."), field="assignee")
        return None, organisation
    account = db.session.get(Account, data.assignee_account_id) if _valid_id(data.assignee_account_id) else None
    unchanged = current is not None and current.assignee_account_id == data.assignee_account_id
    if account is None or not (account.active or unchanged):
        raise DomainError(_("Please choose a person from the list."), field="assignee")
    if not permissions.can_view_body(account, body):
        raise DomainError(
            _("%(name)s cannot see this confidential body; please choose one of its members.",
              name=account.display_name),
            field="assignee",
        )
    return account, None


def _check(body: Body, data: ActionItemData, today: date, current: ActionItem | None) -> None:
    description = data.description.strip()
    if not description:
        raise DomainError(_("Please describe what is to be done."), field="description")
    if len(description) > MAX_DESCRIPTION:
        raise DomainError(
            _("The description can be at most %(count)d characters long.", count=MAX_DESCRIPTION), field="description"
        )
    if data.due_on is not None and not (current is not None and current.due_on == data.due_on):
        # A new due date in the past is almost always a slip (last year, a swapped day and month).
        if data.due_on < today:
            raise DomainError(
                _(
                    "The due date %(date)s has already passed; please choose today or a later day.",
                    date=format_date(data.due_on),
                ),
                field="due_on",
            )
        if data.due_on > today + timedelta(days=365 * MAX_YEARS_AHEAD):
            raise DomainError(
                _("Please choose a due date within the next %(count)d years.", count=MAX_YEARS_AHEAD), field="due_on"
            )


def _apply(body: Body, action_item: ActionItem, data: ActionItemData, today: date, current: ActionItem | None) -> None:
    _check(body, data, today, current)
    account, organisation = _resolve_assignee(body, data, current)
    action_item.description = data.description.strip()
    action_item.assignee_account = account
    action_item.assignee_organisation = organisation
    action_item.assignee_account_id = account.id if account is not None else None
    action_item.assignee_organisation_id = organisation.id if organisation is not None else None
    action_item.due_on = data.due_on


def ensure_takes_items(meeting: Meeting) -> Body:
    """The meeting's body, if new items may come from the meeting; else 409 (no body, dissolved, cancelled)."""
    body = meeting.body
    if body is None:
        raise ConflictError(_("Only meetings of a body have action items."))
    ensure_not_dissolved(body)
    if meeting.status is MeetingStatus.CANCELLED:
        raise ConflictError(_("This meeting has been cancelled; it has no action items."))
    return body


def create_action_item(
    actor: Account,
    meeting: Meeting,
    data: ActionItemData,
    today: date,
    agenda_item: AgendaItem | None = None,
    decision: Decision | None = None,
) -> ActionItem:
    """A new open item of the meeting's body. Minutes need not be approved: an item is work to do, not record."""
    body = ensure_takes_items(meeting)
    action_item = ActionItem(
        body=body,
        meeting=meeting,
        agenda_item=decision.agenda_item if decision is not None else agenda_item,
        decision=decision,
        status=ActionItemStatus.OPEN,
        created_by=actor,
    )
    _apply(body, action_item, data, today, None)
    db.session.add(action_item)
    record(actor, "create", action_item, summary=action_item.description[:100])
    db.session.commit()
    return action_item


def update_action_item(actor: Account, action_item: ActionItem, data: ActionItemData, today: date) -> None:
    """Change what, who and until when; the status has its own use case. Items of approved minutes stay
    editable: the approved text is kept with the minutes, and the work may pass to someone else."""
    ensure_not_dissolved(action_item.body)
    before = snapshot(action_item)
    _apply(action_item.body, action_item, data, today, action_item)
    record(actor, "update", action_item, before, summary=action_item.description[:100])
    db.session.commit()


def change_status(
    actor: Account, action_item: ActionItem, status: ActionItemStatus, now: datetime | None = None
) -> bool:
    """Close an item as done or dropped, or reopen it; completed_at says when it was closed. False if the item
    already had that status (a second click changes nothing and writes no audit entry)."""
    if action_item.status is status:
        return False
    before = snapshot(action_item)
    action_item.status = status
    action_item.completed_at = None if status is ActionItemStatus.OPEN else (now or utcnow())
    record(actor, "update", action_item, before, summary=action_item.description[:100])
    db.session.commit()
    return True
