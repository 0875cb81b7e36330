"""The canonical content of approved minutes: one deterministic JSON text, whose SHA-256 the footer shows.

Everything the record says is in it (meeting, attendance, quorum, notes, decisions with numbers, votes and
outcomes, action items, approval), in agenda order, with sorted keys and no locale-dependent wording, so the
same minutes always give the same text and hash, on every database and in every language.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

from app.agendas.services import numbered_agenda
from app.attendance.services import attendance_summary
from app.decisions.numbering import in_agenda_order
from app.minutes.records import action_items_of, decisions_of, item_notes_of, item_of_action
from app.models import ActionItem, Attendance, Decision, Minutes

FORMAT = "koop-minutes/1"


def content_hash(content: str) -> str:
    """The SHA-256 (hex) of the content's UTF-8 bytes."""
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def _instant(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _person(entry: Attendance) -> dict[str, Any]:
    return {
        "name": entry.display_name,
        "account_id": entry.account_id,
        "organisation": entry.guest_organisation or None,
        "stands_in_for": entry.stands_in_for.display_name if entry.stands_in_for is not None else None,
    }


def _decision(decision: Decision) -> dict[str, Any]:
    return {
        "number": decision.number,
        "title": decision.title,
        "text": decision.text,
        "outcome": decision.outcome.value,
        "votes": {"yes": decision.votes_yes, "no": decision.votes_no, "abstain": decision.votes_abstain},
        "public": decision.public,
        "decided_on": _day(decision.decided_on),
    }


def _action_item(action_item: ActionItem) -> dict[str, Any]:
    account, organisation = action_item.assignee_account, action_item.assignee_organisation
    return {
        "description": action_item.description,
        "assignee": account.display_name if account is not None else organisation.name if organisation else None,
        "due_on": _day(action_item.due_on),
        "decision_id": action_item.decision_id,
    }


def approved_content(minutes: Minutes) -> str:
    """The canonical JSON text of the minutes, with every item (the complete version).

    Called inside the approval, after the decisions are numbered and the approver is set: the approver (the
    body's chair or deputy, or an organiser for an event) sees every item, so the agenda is complete.
    """
    meeting = minutes.meeting
    approver = minutes.approved_by
    if approver is None:
        raise ValueError("approved_content needs the approver set")
    agenda = numbered_agenda(meeting, approver)
    notes = item_notes_of(minutes)
    decisions = in_agenda_order(decisions_of(minutes))
    action_items = action_items_of(minutes, [decision.id for decision in decisions])
    by_id = {decision.id: decision for decision in decisions}
    summary = attendance_summary(meeting)
    quorum = summary.quorum

    def actions_for(item_id: int | None) -> list[dict[str, Any]]:
        return [_action_item(a) for a in action_items if item_of_action(a, by_id) == item_id]

    document = {
        "format": FORMAT,
        "meeting": {
            "id": meeting.id,
            "title": meeting.title,
            "kind": meeting.kind.value,
            "body": {"code": meeting.body.code, "name": meeting.body.name} if meeting.body is not None else None,
            "starts_at": _instant(meeting.starts_at),
            "ends_at": _instant(meeting.ends_at),
            "timezone": meeting.timezone,
            "location": meeting.location,
            "online_url": meeting.online_url,
        },
        "attendance": {
            "present": [_person(entry) for entry in summary.present],
            "excused": [_person(entry) for entry in summary.excused],
            "absent": [_person(entry) for entry in summary.absent],
            "guests": [_person(entry) for entry in summary.guests],
        },
        "quorum": None
        if quorum is None
        else {
            "seats": quorum.seats,
            "present": quorum.present,
            "needed": quorum.needed,
            "reached": quorum.reached,
            "parity": None
            if quorum.parity is None
            else {"state": quorum.parity.state, "municipal": quorum.parity.municipal},
        },
        "general_notes": minutes.general_notes,
        "items": [
            {
                "number": entry.number,
                "title": entry.item.title,
                "public": entry.item.public,
                "notes": notes[entry.id].notes if entry.id in notes else "",
                "decisions": [_decision(d) for d in decisions if d.agenda_item_id == entry.id],
                "action_items": actions_for(entry.id),
            }
            for entry in agenda
        ],
        "action_items": actions_for(None),
        "approved": {
            "by": approver.display_name,
            "by_id": approver.id,
            "at": _instant(minutes.approved_at),
        },
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, indent=1)
