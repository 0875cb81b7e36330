"""What an export of approved minutes shows, complete or public, loaded in a fixed number of statements.

The export is a document: every time in it is the meeting's local time (not the reader's zone), so two readers
print the same Niederschrift. The public version keeps the numbers of the agenda items ("TOP 3" means the same in
both versions) but drops the title and everything recorded under a non-public item (and the sub-items under it),
every non-public decision and the action items, and says where it left something out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.attendance.services import AttendanceSummary, attendance_summary
from app.decisions.display import outcome_label, votes_text
from app.extensions import db
from app.markdown import render_markdown
from app.meetings.times import utc_to_local
from app.minutes.records import action_items_of, decisions_of, item_notes_of, item_of_action
from app.models import ActionItem, AgendaItem, ConflictOfInterest, Decision, Minutes, MinutesAmendment


@dataclass(frozen=True)
class ExportDecision:
    number: str | None
    title: str
    text: Markup
    votes: str  # "einstimmig" / "5 dafür, 0 dagegen, 1 Enthaltung"; empty when no vote was counted
    outcome: str
    public: bool


@dataclass(frozen=True)
class ExportActionItem:
    description: str
    assignee: str
    due_on: date | None
    decision_number: str | None


@dataclass(frozen=True)
class ExportAmendment:
    reason: str
    text: Markup
    author: str
    created_at: datetime  # in the meeting's zone


@dataclass
class ExportItem:
    """One agenda item; `withheld` ones (public version, non-public item) carry nothing but their number."""

    number: str  # "3", "3.1"
    depth: int
    title: str
    public: bool
    withheld: bool = False
    notes: Markup = field(default_factory=Markup)
    decisions: list[ExportDecision] = field(default_factory=list)
    withheld_decisions: int = 0  # non-public decisions of a public item, left out of the public version
    action_items: list[ExportActionItem] = field(default_factory=list)
    amendments: list[ExportAmendment] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)  # members excluded for a conflict of interest


@dataclass
class ExportData:
    """Everything the Niederschrift layout shows."""

    complete: bool
    body_name: str | None
    body_code: str | None
    meeting_title: str
    starts_at: datetime  # in the meeting's zone
    ends_at: datetime
    all_day: bool
    timezone: str
    place: str
    online: bool
    attendance: AttendanceSummary
    general_notes: Markup
    general_amendments: list[ExportAmendment]
    general_action_items: list[ExportActionItem]
    items: list[ExportItem]
    approved_at: datetime | None
    approved_by: str
    content_hash: str

    @property
    def day(self) -> date:
        return self.starts_at.date()


def export_data(minutes: Minutes, complete: bool) -> ExportData:
    """The minutes as the complete (insiders) or public version shows them, in a fixed number of statements
    however long they are. Call it inside a request or `force_locale`: outcomes and votes come translated.

    Action items are in the complete version only: a body's action items are its members' internal work
    (permissions.can_view_action_items), and the minutes page shows them to no one else either.
    """
    meeting = minutes.meeting
    zone = meeting.timezone
    items = list(
        db.session.scalars(
            select(AgendaItem).where(AgendaItem.meeting_id == meeting.id).order_by(AgendaItem.position, AgendaItem.id)
        )
    )
    notes = item_notes_of(minutes)
    decisions = decisions_of(minutes)
    by_decision = {decision.id: decision for decision in decisions}
    action_items = action_items_of(minutes, list(by_decision)) if complete else []
    amendments = list(
        db.session.scalars(
            select(MinutesAmendment)
            .where(MinutesAmendment.minutes_id == minutes.id)
            .options(selectinload(MinutesAmendment.author))
            .order_by(MinutesAmendment.created_at, MinutesAmendment.id)
        )
    )
    conflicts = list(
        db.session.scalars(
            select(ConflictOfInterest)
            .join(AgendaItem, AgendaItem.id == ConflictOfInterest.agenda_item_id)
            .where(AgendaItem.meeting_id == meeting.id)
            .options(selectinload(ConflictOfInterest.account))
            .order_by(ConflictOfInterest.id)
        )
    )

    shown = {item_id: entry for item_id, entry in _numbered(items, complete)}
    visible = {item_id: entry for item_id, entry in shown.items() if not entry.withheld}
    for item_id, entry in visible.items():
        entry.notes = render_markdown(notes[item_id].notes) if item_id in notes else Markup("")
    for decision in sorted(decisions, key=lambda d: (d.position, d.id)):
        if (entry := visible.get(decision.agenda_item_id)) is None:
            continue
        if complete or decision.public:
            entry.decisions.append(_decision(decision))
        else:
            entry.withheld_decisions += 1
    general_action_items: list[ExportActionItem] = []
    for action_item in sorted(action_items, key=lambda a: (a.due_on is None, a.due_on or date.min, a.id)):
        exported = _action_item(action_item, by_decision)
        item_id = item_of_action(action_item, by_decision)
        if item_id is None:
            general_action_items.append(exported)
        elif item_id in visible:
            visible[item_id].action_items.append(exported)
    general_amendments: list[ExportAmendment] = []
    for amendment in amendments:
        exported_amendment = ExportAmendment(
            reason=amendment.reason,
            text=render_markdown(amendment.text),
            author=amendment.author.display_name,
            created_at=utc_to_local(amendment.created_at, zone),
        )
        if amendment.agenda_item_id is None:
            general_amendments.append(exported_amendment)
        elif amendment.agenda_item_id in visible:
            visible[amendment.agenda_item_id].amendments.append(exported_amendment)
    for conflict in conflicts:
        if conflict.agenda_item_id in visible:
            visible[conflict.agenda_item_id].excluded.append(conflict.account.display_name)

    body = meeting.body
    return ExportData(
        complete=complete,
        body_name=body.name if body is not None else None,
        body_code=body.code if body is not None else None,
        meeting_title=meeting.title,
        starts_at=utc_to_local(meeting.starts_at, zone),
        ends_at=utc_to_local(meeting.ends_at, zone),
        all_day=meeting.all_day,
        timezone=zone,
        place=meeting.location,
        online=bool(meeting.online_url),
        attendance=attendance_summary(meeting),
        general_notes=render_markdown(minutes.general_notes),
        general_amendments=general_amendments,
        general_action_items=general_action_items,
        items=list(shown.values()),
        approved_at=utc_to_local(minutes.approved_at, zone) if minutes.approved_at else None,
        approved_by=minutes.approved_by.display_name if minutes.approved_by is not None else "",
        content_hash=minutes.content_hash or "",
    )


def _numbered(items: list[AgendaItem], complete: bool) -> list[tuple[int, ExportItem]]:
    """The agenda in order with the numbers members see ("3", "3.1"). The public version lists a non-public item
    by its number alone and leaves out the sub-items under it, which are part of it."""
    children: dict[int, list[AgendaItem]] = {}
    for item in items:
        if item.parent_id is not None:
            children.setdefault(item.parent_id, []).append(item)
    shown: list[tuple[int, ExportItem]] = []
    for index, item in enumerate(item for item in items if item.parent_id is None):
        number = str(index + 1)
        shown.append((item.id, _item(item, number, 0, item.public, complete)))
        if not (complete or item.public):
            continue
        for sub_index, sub in enumerate(children.get(item.id, [])):
            number_of_sub = f"{number}.{sub_index + 1}"
            shown.append((sub.id, _item(sub, number_of_sub, 1, item.public and sub.public, complete)))
    return shown


def _item(item: AgendaItem, number: str, depth: int, public: bool, complete: bool) -> ExportItem:
    withheld = not (complete or public)
    return ExportItem(
        number=number, depth=depth, title="" if withheld else item.title, public=public, withheld=withheld
    )


def _decision(decision: Decision) -> ExportDecision:
    return ExportDecision(
        number=decision.number,
        title=decision.title,
        text=render_markdown(decision.text),
        votes=votes_text(decision),
        outcome=outcome_label(decision.outcome),
        public=decision.public,
    )


def _action_item(action_item: ActionItem, decisions: dict[int, Decision]) -> ExportActionItem:
    if action_item.assignee_account is not None:
        assignee = action_item.assignee_account.display_name
    else:
        assignee = action_item.assignee_organisation.name if action_item.assignee_organisation is not None else ""
    source = decisions.get(action_item.decision_id) if action_item.decision_id is not None else None
    return ExportActionItem(
        description=action_item.description,
        assignee=assignee,
        due_on=action_item.due_on,
        decision_number=source.number if source is not None else None,
    )


def filename(data: ExportData, extension: str) -> str:
    """An ASCII file name such as Niederschrift-ITKR-2026-03-10-oeffentlich.pdf (German: the document's name)."""
    code = re.sub(r"[^A-Za-z0-9]+", "-", data.body_code or "").strip("-")
    version = "vollstaendig" if data.complete else "oeffentlich"
    parts = ["Niederschrift", code, data.day.isoformat(), version]
    return "-".join(part for part in parts if part) + f".{extension}"
