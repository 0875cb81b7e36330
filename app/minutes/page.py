"""The minutes page: everything it shows to one viewer, loaded with a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from app import permissions
from app.agendas.services import Agenda, numbered_agenda
from app.attendance.services import AttendanceSummary, attendance_summary
from app.clock import today
from app.minutes.records import (
    action_items_of,
    amendments_of,
    comments_of,
    decisions_of,
    item_notes_of,
    item_of_action,
)
from app.models import (
    ActionItem,
    AgendaItem,
    Decision,
    Meeting,
    Minutes,
    MinutesAmendment,
    MinutesComment,
    MinutesStatus,
)


@dataclass
class ItemSection:
    """One agenda item as the minutes show it to one viewer."""

    number: str
    item: AgendaItem
    depth: int
    notes: str = ""
    decisions: list[Decision] = field(default_factory=list)
    action_items: list[ActionItem] = field(default_factory=list)
    comments: list[MinutesComment] = field(default_factory=list)
    amendments: list[MinutesAmendment] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.item.id


@dataclass
class MinutesPage:
    """Everything the minutes page shows, loaded with a fixed number of queries."""

    minutes: Minutes
    meeting: Meeting
    agenda: Agenda
    attendance: AttendanceSummary
    sections: list[ItemSection]
    complete: bool  # with non-public items and decisions (insiders)
    action_items_shown: bool
    action_items: list[ActionItem]  # of the meeting as a whole
    comments: list[MinutesComment]  # on the minutes as a whole
    amendments: list[MinutesAmendment]  # of the minutes as a whole
    comment_count: int
    today: date


def _may_see_action_items(actor, meeting: Meeting) -> bool:
    if meeting.body is None:
        return permissions.can_see_non_public_items(actor, meeting)
    return permissions.can_view_action_items(actor, meeting.body)


def minutes_page(minutes: Minutes, actor) -> MinutesPage:
    """The minutes as `actor` may see them: non-public items and decisions only for insiders, action items
    for those who see the body's action items, comments while circulated."""
    meeting = minutes.meeting
    agenda = numbered_agenda(meeting, actor)
    complete = permissions.can_view_complete_minutes(actor, minutes)
    notes = item_notes_of(minutes)
    decisions = decisions_of(minutes)
    by_decision = {decision.id: decision for decision in decisions}
    show_actions = _may_see_action_items(actor, meeting)
    action_items = action_items_of(minutes, list(by_decision)) if show_actions else []
    comments = comments_of(minutes) if minutes.status is MinutesStatus.CIRCULATED else []
    amendments = amendments_of(minutes)
    sections = {
        entry.id: ItemSection(entry.number, entry.item, entry.depth, notes[entry.id].notes if entry.id in notes else "")
        for entry in agenda
    }
    for decision in decisions:
        section = sections.get(decision.agenda_item_id)
        if section is not None and (complete or decision.public):
            section.decisions.append(decision)
    general_actions: list[ActionItem] = []
    for action_item in action_items:
        item_id = item_of_action(action_item, by_decision)
        if item_id is None:
            general_actions.append(action_item)
        elif item_id in sections:
            sections[item_id].action_items.append(action_item)
    general_comments = [c for c in comments if c.agenda_item_id is None]
    for comment in comments:
        if comment.agenda_item_id in sections:
            sections[comment.agenda_item_id].comments.append(comment)
    general_amendments = [a for a in amendments if a.agenda_item_id is None]
    for amendment in amendments:
        if amendment.agenda_item_id in sections:
            sections[amendment.agenda_item_id].amendments.append(amendment)
    return MinutesPage(
        minutes=minutes,
        meeting=meeting,
        agenda=agenda,
        attendance=attendance_summary(meeting),
        sections=list(sections.values()),
        complete=complete,
        action_items_shown=show_actions,
        action_items=general_actions,
        comments=general_comments,
        amendments=general_amendments,
        comment_count=len(general_comments) + sum(len(s.comments) for s in sections.values()),
        today=today(),
    )
