"""Use cases of agendas: the numbered agenda a person may see, editing and ordering items, standard agendas."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from flask_babel import gettext as _
from sqlalchemy import select

from app.attachments import files
from app.bodies.services import ensure_not_dissolved
from app.errors import ConflictError, DomainError
from app.extensions import db
from app.models import Account, AgendaItem, Attachment, Body, Meeting, MeetingStatus
from app.permissions import can_see_non_public_items

# The German standard agenda of a council meeting; a body can replace it with its own.
DEFAULT_AGENDA = (
    "Eröffnung und Begrüßung",
    "Feststellung der ordnungsgemäßen Ladung und der Beschlussfähigkeit",
    "Genehmigung der Tagesordnung",
    "Genehmigung der Niederschrift der letzten Sitzung",
    "Verschiedenes",
)

MAX_TITLE = 300
MAX_PRESENTER = 200
MAX_DESCRIPTION = 20000
MAX_PLANNED_MINUTES = 24 * 60
MAX_STANDARD_ITEMS = 50


def standard_agenda(body: Body) -> list[str]:
    """The items every new meeting of the body starts with."""
    own = [line.strip() for line in (body.standard_agenda or "").splitlines() if line.strip()]
    return own or list(DEFAULT_AGENDA)


def seed_standard_agenda(meeting: Meeting) -> None:
    """Give a new meeting of a body the body's standard agenda; flushes only."""
    if meeting.body is None or meeting.agenda_items:
        return
    for position, title in enumerate(standard_agenda(meeting.body), start=1):
        meeting.agenda_items.append(AgendaItem(position=position, title=title, public=True))
    db.session.flush()


# Reading


@dataclass
class NumberedItem:
    """An agenda item as shown: its number ("3", "3.1"), depth (0 or 1), attachments, place among its siblings."""

    item: AgendaItem
    number: str
    depth: int
    attachments: list[Attachment]
    first: bool
    last: bool

    @property
    def id(self) -> int:
        return self.item.id

    @property
    def title(self) -> str:
        return self.item.title


@dataclass
class Agenda:
    """The items a person may see, in order, and the meeting's own attachments; iterates over the items."""

    items: list[NumberedItem]
    attachments: list[Attachment] = field(default_factory=list)

    def __iter__(self) -> Iterator[NumberedItem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> NumberedItem:
        return self.items[index]

    @property
    def planned_minutes(self) -> int:
        return sum(entry.item.planned_minutes or 0 for entry in self.items)


def numbered_agenda(meeting: Meeting, actor: Any) -> Agenda:
    """The agenda as `actor` may see it: two queries, whatever its length.

    Items keep the numbers members see, so "TOP 4" means the same in public and in the minutes; non-public
    items, the sub-items under them and their attachments are left out for those who may not see them.
    """
    items = list(
        db.session.scalars(
            select(AgendaItem).where(AgendaItem.meeting_id == meeting.id).order_by(AgendaItem.position, AgendaItem.id)
        )
    )
    attachments = list(
        db.session.scalars(
            select(Attachment).where(Attachment.meeting_id == meeting.id).order_by(Attachment.created_at, Attachment.id)
        )
    )
    by_item: dict[int | None, list[Attachment]] = {}
    for attachment in attachments:
        by_item.setdefault(attachment.agenda_item_id, []).append(attachment)
    children: dict[int, list[AgendaItem]] = {}
    for item in items:
        if item.parent_id is not None:
            children.setdefault(item.parent_id, []).append(item)
    top_level = [item for item in items if item.parent_id is None]

    show_all = can_see_non_public_items(actor, meeting)
    shown: list[NumberedItem] = []
    for index, item in enumerate(top_level):
        if not (show_all or item.public):
            continue
        number = str(index + 1)
        shown.append(NumberedItem(item, number, 0, by_item.get(item.id, []), index == 0, index == len(top_level) - 1))
        subs = children.get(item.id, [])
        for sub_index, sub in enumerate(subs):
            if show_all or sub.public:
                shown.append(
                    NumberedItem(
                        sub,
                        f"{number}.{sub_index + 1}",
                        1,
                        by_item.get(sub.id, []),
                        sub_index == 0,
                        sub_index == len(subs) - 1,
                    )
                )
    return Agenda(shown, by_item.get(None, []))


def item_attachments(item: AgendaItem) -> list[Attachment]:
    """The files on one agenda item, oldest first."""
    query = (
        select(Attachment).where(Attachment.agenda_item_id == item.id).order_by(Attachment.created_at, Attachment.id)
    )
    return list(db.session.scalars(query))


def get_item(meeting: Meeting, item_id: int | None) -> AgendaItem | None:
    """An item of this meeting, or None (also for an item of another meeting)."""
    if item_id is None:
        return None
    item = db.session.get(AgendaItem, item_id)
    return item if item is not None and item.meeting_id == meeting.id else None


# Editing


@dataclass
class ItemData:
    """What a person enters for an agenda item."""

    title: str
    description: str = ""
    public: bool = True
    presenter: str = ""
    planned_minutes: int | None = None


def ensure_editable(meeting: Meeting) -> None:
    """A held meeting's agenda and attachments are the record of what was discussed: read-only (409)."""
    if meeting.status is MeetingStatus.HELD:
        raise ConflictError(_("This meeting has been held; its agenda can no longer be changed."))


def _check(data: ItemData) -> None:
    title = data.title.strip()
    if not title:
        raise DomainError(_("Please enter a title."), field="title")
    if len(title) > MAX_TITLE:
        raise DomainError(_("The title can be at most %(count)d characters long.", count=MAX_TITLE), field="title")
    if len(data.presenter.strip()) > MAX_PRESENTER:
        raise DomainError(_("At most %(count)d characters, please.", count=MAX_PRESENTER), field="presenter")
    if len(data.description) > MAX_DESCRIPTION:
        raise DomainError(_("At most %(count)d characters, please.", count=MAX_DESCRIPTION), field="description")
    if data.planned_minutes is not None and not 1 <= data.planned_minutes <= MAX_PLANNED_MINUTES:
        raise DomainError(
            _("Please enter between 1 and %(count)d minutes.", count=MAX_PLANNED_MINUTES), field="planned_minutes"
        )


def _apply(item: AgendaItem, data: ItemData) -> None:
    item.title = data.title.strip()
    item.description = data.description.strip()
    item.public = data.public
    item.presenter = data.presenter.strip()
    item.planned_minutes = data.planned_minutes


def _siblings(meeting_id: int, parent_id: int | None) -> list[AgendaItem]:
    query = select(AgendaItem).where(AgendaItem.meeting_id == meeting_id)
    query = query.where(AgendaItem.parent_id.is_(None) if parent_id is None else AgendaItem.parent_id == parent_id)
    return list(db.session.scalars(query.order_by(AgendaItem.position, AgendaItem.id)))


def _renumber(siblings: list[AgendaItem]) -> None:
    """Positions 1..n in list order, without gaps."""
    for position, sibling in enumerate(siblings, start=1):
        if sibling.position != position:
            sibling.position = position


def add_item(actor: Account, meeting: Meeting, data: ItemData, parent: AgendaItem | None = None) -> AgendaItem:
    """A new item at the end of the agenda, or at the end of the sub-items of `parent` (one level deep)."""
    ensure_editable(meeting)
    if parent is not None and (parent.meeting_id != meeting.id or parent.parent_id is not None):
        raise DomainError(_("Sub-items can only be added to a main item of this meeting."))
    _check(data)
    siblings = _siblings(meeting.id, parent.id if parent else None)
    _renumber(siblings)
    item = AgendaItem(meeting=meeting, parent=parent, position=len(siblings) + 1)
    _apply(item, data)
    db.session.add(item)
    db.session.commit()
    return item


def update_item(actor: Account, item: AgendaItem, data: ItemData) -> None:
    ensure_editable(item.meeting)
    _check(data)
    _apply(item, data)
    db.session.commit()


def delete_item(actor: Account, item: AgendaItem) -> None:
    """Remove an item with its sub-items and their attachments; the items after it move up."""
    ensure_editable(item.meeting)
    doomed = [*_siblings(item.meeting_id, item.id), item]
    doomed_ids = [each.id for each in doomed]
    attachments = list(db.session.scalars(select(Attachment).where(Attachment.agenda_item_id.in_(doomed_ids))))
    stored_names = [attachment.stored_name for attachment in attachments]
    for attachment in attachments:
        db.session.delete(attachment)
    for each in doomed:  # sub-items first, so none is left behind without its parent
        db.session.delete(each)
    db.session.flush()
    _renumber([each for each in _siblings(item.meeting_id, item.parent_id) if each.id not in doomed_ids])
    db.session.commit()
    files.remove(stored_names)


def move_item(actor: Account, item: AgendaItem, direction: Literal["up", "down"]) -> bool:
    """Swap the item with its neighbour among its siblings; the first up or the last down stays (False)."""
    ensure_editable(item.meeting)
    siblings = _siblings(item.meeting_id, item.parent_id)
    index = next(i for i, each in enumerate(siblings) if each.id == item.id)
    other = index - 1 if direction == "up" else index + 1
    moved = 0 <= other < len(siblings)
    if moved:
        siblings[index], siblings[other] = siblings[other], siblings[index]
    _renumber(siblings)
    db.session.commit()
    return moved


# Standard agendas


def update_standard_agenda(actor: Account, body: Body, text: str) -> None:
    """Set the items new meetings of the body start with, one per line; empty (or the default) means the default."""
    ensure_not_dissolved(body)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > MAX_STANDARD_ITEMS:
        raise DomainError(_("At most %(count)d items, please.", count=MAX_STANDARD_ITEMS), field="standard_agenda")
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_TITLE:
            raise DomainError(
                _("Item %(number)d is longer than %(count)d characters.", number=number, count=MAX_TITLE),
                field="standard_agenda",
            )
    body.standard_agenda = "" if tuple(lines) == DEFAULT_AGENDA else "\n".join(lines)
    db.session.commit()
