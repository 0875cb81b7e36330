"""Use cases of decisions: recording them on an agenda item while the minutes are not yet approved."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from app.attendance.quorum import attendance_of, excluded_account_ids, quorum
from app.audit.services import record, snapshot
from app.errors import ConflictError, DomainError
from app.extensions import db
from app.meetings.times import utc_to_local
from app.minutes.services import ensure_editable, ensure_minutes, minutes_of
from app.models import Account, ActionItem, AgendaItem, Decision, DecisionOutcome, Meeting, MeetingStatus

MAX_TITLE = 300
MAX_TEXT = 20000
MAX_VOTES = 10000  # far above any body; keeps typed numbers inside the database's integer


@dataclass(frozen=True)
class DecisionData:
    """What the form gives: votes are None when left empty."""

    title: str
    text: str
    outcome: DecisionOutcome
    votes_yes: int | None
    votes_no: int | None
    votes_abstain: int | None
    public: bool


def ensure_decidable(item: AgendaItem) -> None:
    """Decisions belong to a body's meeting that took place (or takes place): 409 otherwise, with the reason."""
    meeting = item.meeting
    if meeting.body is None:
        raise ConflictError(_("Events without a body take no decisions: only a body's meetings have decisions."))
    if meeting.status is MeetingStatus.CANCELLED:
        raise ConflictError(_("This meeting was cancelled, so it took no decisions."))
    minutes = minutes_of(meeting)
    if minutes is not None:
        ensure_editable(minutes)


def item_is_public(item: AgendaItem) -> bool:
    """Public itself and not under a non-public item: only then can its decisions be public."""
    return item.public and (item.parent is None or item.parent.public)


def add_decision(actor: Account, item: AgendaItem, data: DecisionData) -> Decision:
    ensure_decidable(item)
    meeting = item.meeting
    minutes = ensure_minutes(actor, meeting)
    ensure_editable(minutes)
    cleaned = _validated(item, data)
    last = db.session.scalar(select(func.max(Decision.position)).where(Decision.agenda_item_id == item.id))
    decision = Decision(
        minutes=minutes,
        agenda_item=item,
        body_id=meeting.body_id,
        decided_on=local_day(meeting),
        position=(last or 0) + 1,
    )
    _apply(decision, cleaned)
    db.session.add(decision)
    record(actor, "create", decision, summary=decision.title)
    db.session.commit()
    return decision


def update_decision(actor: Account, decision: Decision, data: DecisionData) -> Decision:
    ensure_decidable(decision.agenda_item)
    ensure_editable(decision.minutes)
    cleaned = _validated(decision.agenda_item, data)
    before = snapshot(decision)
    _apply(decision, cleaned)
    record(actor, "update", decision, before, summary=decision.title)
    db.session.commit()
    return decision


def delete_decision(actor: Account, decision: Decision) -> None:
    """Only while the minutes are open; its action items stay, as items of the agenda item."""
    ensure_editable(decision.minutes)
    for action_item in db.session.scalars(select(ActionItem).where(ActionItem.decision_id == decision.id)):
        action_item.decision_id = None
        action_item.agenda_item_id = action_item.agenda_item_id or decision.agenda_item_id
    record(actor, "delete", decision, before=None, summary=decision.title)
    db.session.delete(decision)
    db.session.commit()


def local_day(meeting: Meeting):
    """The day a meeting took place where it took place (decided_on), whatever the server's zone."""
    return utc_to_local(meeting.starts_at, meeting.timezone).date()


# Validation


def _validated(item: AgendaItem, data: DecisionData) -> DecisionData:
    title = data.title.strip()
    if not title:
        raise DomainError(_("Please enter a title."), "title")
    if len(title) > MAX_TITLE:
        raise DomainError(_("The title may have at most %(max)d characters.", max=MAX_TITLE), "title")
    if len(data.text) > MAX_TEXT:
        raise DomainError(_("The text may have at most %(max)d characters.", max=MAX_TEXT), "text")
    if data.public and not item_is_public(item):
        raise DomainError(_("A decision on a non-public item cannot be public."), "public")
    counts = {"votes_yes": data.votes_yes, "votes_no": data.votes_no, "votes_abstain": data.votes_abstain}
    for field, count in counts.items():
        if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 0):
            raise DomainError(_("Please enter a whole number of 0 or more."), field)
        if count is not None and count > MAX_VOTES:
            raise DomainError(_("Please enter a whole number from 0 to %(max)d.", max=MAX_VOTES), field)
    if all(count is None for count in counts.values()):
        return DecisionData(title, data.text, data.outcome, None, None, None, data.public)
    # One count given means a vote was held: the counts left empty are none.
    yes, no, abstain = (count or 0 for count in counts.values())
    _check_against_present(item, yes + no + abstain)
    return DecisionData(title, data.text, data.outcome, yes, no, abstain, data.public)


def _check_against_present(item: AgendaItem, total: int) -> None:
    """No more votes than voting members present for the item, once attendance has been recorded; members
    excluded for a conflict of interest neither count as present nor vote."""
    meeting = item.meeting
    attendance = attendance_of(meeting)
    minutes = minutes_of(meeting)
    recorded = bool(attendance) or (minutes is not None and minutes.attendance_recorded_at is not None)
    if not recorded:
        return
    count = quorum(meeting, attendance=attendance, excluded=excluded_account_ids(item.id))
    present = count.present if count is not None else 0
    if total > present:
        raise DomainError(
            ngettext(
                "The votes add up to %(total)d, but only %(num)d voting member was present for this item.",
                "The votes add up to %(total)d, but only %(num)d voting members were present for this item.",
                present,
                total=total,
            ),
            "votes_yes",
        )


def _apply(decision: Decision, data: DecisionData) -> None:
    decision.title = data.title
    decision.text = data.text
    decision.outcome = data.outcome
    decision.votes_yes = data.votes_yes
    decision.votes_no = data.votes_no
    decision.votes_abstain = data.votes_abstain
    decision.public = data.public
