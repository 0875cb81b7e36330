"""Writing the audit trail: one entry per change, with the changed fields before and after."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Account, AuditEntry, Body, Membership

Snapshot = dict[str, Any]

# The fields each audited kind of object records.
AUDITED_FIELDS: dict[str, tuple[str, ...]] = {
    "account": ("email", "display_name", "organisation_id", "role", "active", "locale", "timezone"),
    "organisation": ("name", "short_name", "kind", "level", "ags", "parent_id"),
    "body": (
        "name",
        "code",
        "kind",
        "level",
        "parent_id",
        "mandate",
        "visibility",
        "parity_required",
        "quorum_rule",
        "founded_on",
        "dissolved_on",
    ),
    "membership": ("account_id", "role", "organisation_id", "voting", "start_on", "end_on"),
    "decision": ("agenda_item_id", "title", "text", "votes_yes", "votes_no", "votes_abstain", "outcome", "public"),
    "minutes": ("meeting_id", "status", "version", "comments_until", "approved_by_id", "content_hash"),
    "minutes_amendment": ("minutes_id", "agenda_item_id", "reason", "text"),
    "action_item": ("description", "assignee_account_id", "assignee_organisation_id", "due_on", "status"),
}


def _plain(value: Any) -> Any:
    """A JSON-friendly form of a column value."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


OBJECT_TYPES = {
    "accounts": "account",
    "organisations": "organisation",
    "bodies": "body",
    "memberships": "membership",
    "decisions": "decision",
    "minutes": "minutes",
    "minutes_amendments": "minutes_amendment",
    "action_items": "action_item",
}


def object_type(obj: Any) -> str:
    return OBJECT_TYPES[obj.__tablename__]


def snapshot(obj: Any) -> Snapshot:
    """The audited fields of an object as they are now."""
    return {name: _plain(getattr(obj, name)) for name in AUDITED_FIELDS[object_type(obj)]}


def record(
    actor: Account | None,
    action: str,
    obj: Any,
    before: Snapshot | None = None,
    summary: str = "",
    extra: dict[str, list[Any]] | None = None,
) -> None:
    """Add an entry for `obj` (flushes only; the service's commit writes it with the change).

    With `before`, only the fields that changed are kept; an update that changed nothing writes nothing.
    `extra` adds changes that live outside the object's own columns, as {name: [before, after]}
    (e.g. the attendance recorded for some minutes).
    """
    db.session.flush()  # new objects get their ids
    after = snapshot(obj)
    if before is None:
        changes = {name: [None, value] for name, value in after.items() if value not in (None, "")}
    else:
        changes = {name: [before[name], value] for name, value in after.items() if before.get(name) != value}
    changes.update(extra or {})
    if before is not None and not changes:
        return
    body_id = obj.id if isinstance(obj, Body) else obj.body_id if isinstance(obj, Membership) else None
    db.session.add(
        AuditEntry(
            actor_id=actor.id if actor is not None else None,
            action=action,
            object_type=object_type(obj),
            object_id=obj.id,
            body_id=body_id,
            summary=summary[:300],
            changes=changes,
        )
    )


def actor_choices() -> list[tuple[int, str]]:
    """Everyone who has made a recorded change, deactivated accounts included, for the log's person filter."""
    actors = select(AuditEntry.actor_id).where(AuditEntry.actor_id.is_not(None)).distinct()
    rows = db.session.execute(
        select(Account.id, Account.display_name, Account.email)
        .where(Account.id.in_(actors))
        .order_by(func.lower(Account.display_name), Account.id)
    )
    return [(row.id, f"{row.display_name} <{row.email}>") for row in rows]


def entries_query(object_type: str | None = None, object_id: int | None = None, actor_id: int | None = None) -> Select:
    """Audit entries, newest first, with their actors loaded."""
    query = select(AuditEntry).options(joinedload(AuditEntry.actor)).order_by(AuditEntry.id.desc())
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if object_id is not None:
        query = query.where(AuditEntry.object_id == object_id)
    if actor_id is not None:
        query = query.where(AuditEntry.actor_id == actor_id)
    return query
